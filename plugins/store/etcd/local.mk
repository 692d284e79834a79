# The etcd store: an etcd v3 cluster over its JSON gateway (libcurl multi).
plugin_LTLIBRARIES += plugins/store/etcd/store-etcd.la
plugins_store_etcd_store_etcd_la_SOURCES = \
	plugins/store/etcd/etcd-store.c \
	plugins/store/etcd/etcd-store.h \
	plugins/store/etcd/etcd-client.c \
	plugins/store/etcd/etcd-json.c \
	plugins/store/etcd/etcd-kv.c \
	plugins/store/etcd/etcd-lease.c \
	plugins/store/etcd/etcd-watch.c
plugins_store_etcd_store_etcd_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) \
	$(JSON_CFLAGS)
plugins_store_etcd_store_etcd_la_LDFLAGS = $(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_store_etcd_store_etcd_la_LIBADD = $(KC_PLUGIN_LIBS) $(CURL_LIBS) \
	$(JSON_LIBS)
EXTRA_DIST += plugins/store/etcd/README.md
