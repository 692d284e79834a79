# The memory store: store interface v1 without durability (tests, benchmarks).
plugin_LTLIBRARIES += plugins/store/memory/store-memory.la
plugins_store_memory_store_memory_la_SOURCES = \
	plugins/store/memory/memory-store.c \
	plugins/store/memory/memory-store.h \
	plugins/store/memory/memory-log.c \
	plugins/store/memory/memory-watch.c
plugins_store_memory_store_memory_la_LDFLAGS = $(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_store_memory_store_memory_la_LIBADD = $(KC_PLUGIN_LIBS)
