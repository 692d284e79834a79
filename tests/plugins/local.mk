# Test plugins, one per loader refusal, built from one source (test-plugin.c).
# -rpath makes them shared modules; they are never installed.
TEST_PLUGIN_SOURCE = tests/plugins/test-plugin.c
EXTRA_DIST += $(TEST_PLUGIN_SOURCE)
# Broken on purpose: fields overridden, descriptors left unused.
KC_TEST_PLUGIN_CFLAGS = -Wno-override-init -Wno-unused-const-variable -Wno-unused-function

check_LTLIBRARIES += \
	tests/plugins/controller-good.la \
	tests/plugins/controller-good2.la \
	tests/plugins/controller-noentry.la \
	tests/plugins/controller-decline.la \
	tests/plugins/controller-descsize.la \
	tests/plugins/controller-abimajor.la \
	tests/plugins/controller-abiminor.la \
	tests/plugins/controller-wrongkind.la \
	tests/plugins/controller-misnamed.la \
	tests/plugins/controller-iface.la \
	tests/plugins/controller-vtsize.la \
	tests/plugins/controller-nulldestroy.la \
	tests/plugins/controller-badoptions.la \
	tests/plugins/controller-unresolved.la \
	tests/plugins/controller-createfails.la

tests_plugins_controller_good_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_good_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"good\"
tests_plugins_controller_good_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_good_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_good_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_good2_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_good2_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"good2\"
tests_plugins_controller_good2_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_good2_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_good2_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_noentry_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_noentry_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"noentry\" -DBREAK_NO_ENTRY
tests_plugins_controller_noentry_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_noentry_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry_misspelled$$'
tests_plugins_controller_noentry_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_decline_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_decline_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"decline\" -DBREAK_DECLINE
tests_plugins_controller_decline_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_decline_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_decline_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_descsize_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_descsize_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"descsize\" -DBREAK_DESCRIPTOR_SIZE
tests_plugins_controller_descsize_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_descsize_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_descsize_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_abimajor_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_abimajor_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"abimajor\" -DBREAK_ABI_MAJOR
tests_plugins_controller_abimajor_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_abimajor_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_abimajor_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_abiminor_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_abiminor_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"abiminor\" -DBREAK_ABI_MINOR
tests_plugins_controller_abiminor_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_abiminor_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_abiminor_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_wrongkind_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_wrongkind_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"wrongkind\" -DBREAK_KIND
tests_plugins_controller_wrongkind_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_wrongkind_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_wrongkind_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_misnamed_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_misnamed_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"misnamed\" -DBREAK_NAME
tests_plugins_controller_misnamed_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_misnamed_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_misnamed_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_iface_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_iface_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"iface\" -DBREAK_INTERFACE
tests_plugins_controller_iface_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_iface_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_iface_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_vtsize_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_vtsize_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"vtsize\" -DBREAK_VTABLE_SIZE
tests_plugins_controller_vtsize_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_vtsize_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_vtsize_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_nulldestroy_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_nulldestroy_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"nulldestroy\" -DBREAK_METHOD_NULL
tests_plugins_controller_nulldestroy_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_nulldestroy_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_nulldestroy_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_badoptions_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_badoptions_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"badoptions\" -DBREAK_OPTIONS
tests_plugins_controller_badoptions_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_badoptions_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_badoptions_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_unresolved_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_unresolved_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"unresolved\" -DBREAK_UNRESOLVED
tests_plugins_controller_unresolved_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_unresolved_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^(kcore_plugin_entry|test_plugin_uses_missing_symbol)$$'
tests_plugins_controller_unresolved_la_LIBADD = $(KC_PLUGIN_LIBS)

tests_plugins_controller_createfails_la_SOURCES = $(TEST_PLUGIN_SOURCE)
tests_plugins_controller_createfails_la_CPPFLAGS = $(AM_CPPFLAGS) -DPLUGIN_NAME=\"createfails\" -DBREAK_CREATE
tests_plugins_controller_createfails_la_CFLAGS = $(AM_CFLAGS) $(KC_TEST_PLUGIN_CFLAGS)
tests_plugins_controller_createfails_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^kcore_plugin_entry$$'
tests_plugins_controller_createfails_la_LIBADD = $(KC_PLUGIN_LIBS)
