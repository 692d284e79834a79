# The SQLite store: the embedded, durable default.
plugin_LTLIBRARIES += plugins/store/sqlite/store-sqlite.la
plugins_store_sqlite_store_sqlite_la_SOURCES = \
	plugins/store/sqlite/sqlite-store.c \
	plugins/store/sqlite/sqlite-store.h \
	plugins/store/sqlite/sqlite-schema.c \
	plugins/store/sqlite/sqlite-read.c \
	plugins/store/sqlite/sqlite-stmt-cache.c \
	plugins/store/sqlite/sqlite-writer.c \
	plugins/store/sqlite/sqlite-watch.c \
	plugins/store/sqlite/sqlite-checkpoint.c \
	plugins/store/sqlite/sqlite-row.c
plugins_store_sqlite_store_sqlite_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
plugins_store_sqlite_store_sqlite_la_LDFLAGS = $(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_store_sqlite_store_sqlite_la_LIBADD = $(KC_PLUGIN_LIBS) $(SQLITE_LIBS)
