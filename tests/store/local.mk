# The store conformance suite: one program run against every store plugin
# (see tests/store/README.md).  The same program is the crash-test child.
check_PROGRAMS += tests/store/store-conformance
tests_store_store_conformance_SOURCES = \
	tests/store/store-conformance.c \
	tests/store/store-harness.c \
	tests/store/store-harness.h
tests_store_store_conformance_LDADD = libkcore-daemon.la libkcore.la $(GLIB_LIBS)

dist_check_SCRIPTS += \
	tests/store/conformance-memory.sh \
	tests/store/conformance-sqlite.sh
TESTS += \
	tests/store/conformance-memory.sh \
	tests/store/conformance-sqlite.sh
EXTRA_DIST += tests/store/README.md

# The SQLite store's own promises about its file.
check_PROGRAMS += tests/store/test-sqlite-files
TESTS += tests/store/test-sqlite-files
tests_store_test_sqlite_files_SOURCES = \
	tests/store/test-sqlite-files.c \
	tests/store/store-harness.c \
	tests/store/store-harness.h
tests_store_test_sqlite_files_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
tests_store_test_sqlite_files_LDADD = libkcore-daemon.la libkcore.la \
	$(GLIB_LIBS) $(SQLITE_LIBS)
