# The API server's pure decoders: selectors and patches.
KC_APISERVER_TEST_LIBS = libkcore-daemon.la libkcore.la $(GLIB_LIBS) \
	$(JSON_LIBS)
KC_APISERVER_TEST_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
noinst_HEADERS += tests/apiserver/json-test.h

check_PROGRAMS += tests/apiserver/test-label-selector \
	tests/apiserver/test-field-selector tests/apiserver/test-patch
TESTS += tests/apiserver/test-label-selector \
	tests/apiserver/test-field-selector tests/apiserver/test-patch

tests_apiserver_test_label_selector_SOURCES = \
	tests/apiserver/test-label-selector.c
tests_apiserver_test_label_selector_CFLAGS = $(KC_APISERVER_TEST_CFLAGS)
tests_apiserver_test_label_selector_LDADD = $(KC_APISERVER_TEST_LIBS)

tests_apiserver_test_field_selector_SOURCES = \
	tests/apiserver/test-field-selector.c
tests_apiserver_test_field_selector_CFLAGS = $(KC_APISERVER_TEST_CFLAGS)
tests_apiserver_test_field_selector_LDADD = $(KC_APISERVER_TEST_LIBS)

tests_apiserver_test_patch_SOURCES = tests/apiserver/test-patch.c
tests_apiserver_test_patch_CFLAGS = $(KC_APISERVER_TEST_CFLAGS)
tests_apiserver_test_patch_LDADD = $(KC_APISERVER_TEST_LIBS)

check_PROGRAMS += tests/apiserver/test-served-json
TESTS += tests/apiserver/test-served-json
tests_apiserver_test_served_json_SOURCES = tests/apiserver/test-served-json.c
tests_apiserver_test_served_json_CFLAGS = $(KC_APISERVER_TEST_CFLAGS)
tests_apiserver_test_served_json_LDADD = $(KC_APISERVER_TEST_LIBS)

check_PROGRAMS += tests/apiserver/test-selectable-fields
TESTS += tests/apiserver/test-selectable-fields
tests_apiserver_test_selectable_fields_SOURCES = \
	tests/apiserver/test-selectable-fields.c
tests_apiserver_test_selectable_fields_CFLAGS = $(KC_APISERVER_TEST_CFLAGS)
tests_apiserver_test_selectable_fields_LDADD = $(KC_APISERVER_TEST_LIBS)
