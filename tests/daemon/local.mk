# The daemon: config, plugin loader, supervisor, SDK.
KC_DAEMON_TEST_LIBS = libkcore-daemon.la libkcore.la $(GLIB_LIBS)
noinst_HEADERS += tests/daemon/test-util.h

check_PROGRAMS += tests/daemon/test-plugin-loader tests/daemon/test-config
TESTS += tests/daemon/test-plugin-loader tests/daemon/test-config
tests_daemon_test_plugin_loader_SOURCES = tests/daemon/test-plugin-loader.c
tests_daemon_test_plugin_loader_CFLAGS = $(AM_CFLAGS) -Wno-format-nonliteral
tests_daemon_test_plugin_loader_LDADD = $(KC_DAEMON_TEST_LIBS)
tests_daemon_test_config_SOURCES = tests/daemon/test-config.c
tests_daemon_test_config_CFLAGS = $(AM_CFLAGS) -Wno-format-nonliteral
tests_daemon_test_config_LDADD = $(KC_DAEMON_TEST_LIBS)

dist_check_SCRIPTS += tests/daemon/check.sh tests/daemon/supervisor.sh \
	tests/daemon/sdk.sh
TESTS += tests/daemon/check.sh tests/daemon/supervisor.sh tests/daemon/sdk.sh
EXTRA_DIST += tests/tap.sh

check_PROGRAMS += tests/daemon/test-store-compactor
TESTS += tests/daemon/test-store-compactor
tests_daemon_test_store_compactor_SOURCES = tests/daemon/test-store-compactor.c
tests_daemon_test_store_compactor_LDADD = $(KC_DAEMON_TEST_LIBS)

# sdk.sh runs `make install`, which relinks the plugins in place (libtool
# relinks modules that depend on libkcore.la): it must run after every
# other test has finished using them.
tests/daemon/sdk.log: $(filter-out tests/daemon/sdk.log,$(TEST_LOGS))

check_PROGRAMS += tests/daemon/test-watch-cache
TESTS += tests/daemon/test-watch-cache
tests_daemon_test_watch_cache_SOURCES = tests/daemon/test-watch-cache.c
tests_daemon_test_watch_cache_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
tests_daemon_test_watch_cache_LDADD = $(KC_DAEMON_TEST_LIBS) $(JSON_LIBS)
