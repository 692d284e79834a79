# libkcore: the shared library plugins, the daemon and the CLI link against.
# Only the kc_ API is exported.
lib_LTLIBRARIES += libkcore.la
libkcore_la_SOURCES = \
	core/config-group.c \
	core/host-log.c \
	core/plugin-kind.c \
	core/store-kv.c
libkcore_la_LIBADD = $(GLIB_LIBS)
libkcore_la_LDFLAGS = $(AM_LDFLAGS) -no-undefined -version-info 0:0:0 \
	-export-symbols-regex '^kc_'

kcoreinclude_HEADERS += \
	include/kcore/kcore.h \
	include/kcore/config.h \
	include/kcore/host.h \
	include/kcore/plugin.h \
	include/kcore/store.h

# The daemon's own code, linked into kcore and into the tests.
noinst_LTLIBRARIES += libkcore-daemon.la
libkcore_daemon_la_SOURCES = \
	core/config-file.c \
	core/config-file.h \
	core/component.c \
	core/component.h \
	core/daemon.h \
	core/log.c \
	core/log.h \
	core/plugin-loader.c \
	core/plugin-loader.h \
	core/plugin-set.c \
	core/plugin-set.h \
	core/supervisor.c \
	core/supervisor.h \
	core/apiserver/api-discovery.c \
	core/apiserver/api-error.c \
	core/apiserver/api-error.h \
	core/apiserver/field-selector.c \
	core/apiserver/field-selector.h \
	core/apiserver/label-selector.c \
	core/apiserver/label-selector.h \
	core/apiserver/patch.c \
	core/apiserver/patch.h \
	core/apiserver/strategic-merge.c \
	core/apiserver/strategic-merge.h \
	core/apiserver/api-object.c \
	core/apiserver/api-object.h \
	core/apiserver/api-defaults.c \
	core/apiserver/api-defaults.h \
	core/apiserver/api-limits.c \
	core/apiserver/api-limits.h \
	core/apiserver/api-metrics.c \
	core/apiserver/api-metrics.h \
	core/apiserver/api-rest.c \
	core/apiserver/api-server.c \
	core/apiserver/api-server.h \
	core/apiserver/api-status.c \
	core/apiserver/api-status.h \
	core/apiserver/api-table.c \
	core/apiserver/api-validate.c \
	core/apiserver/api-validate.h \
	core/apiserver/api-watch.c \
	core/apiserver/pod-log.c \
	core/apiserver/pod-log.h \
	core/apiserver/apiserver.c \
	core/apiserver/apiserver.h \
	core/apiserver/authn.c \
	core/apiserver/authn.h \
	core/apiserver/resource.c \
	core/apiserver/served-json.c \
	core/apiserver/json-scan.c \
	core/apiserver/json-scan.h \
	core/apiserver/selectable-fields.c \
	core/apiserver/selectable-fields.h \
	core/apiserver/served-json.h \
	core/apiserver/plugin-report.c \
	core/apiserver/plugin-report.h \
	core/apiserver/resource.h \
	core/apiserver/store-compactor.c \
	core/apiserver/store-compactor.h \
	core/apiserver/watch-cache.c \
	core/apiserver/watch-cache.h
libkcore_daemon_la_CFLAGS = $(AM_CFLAGS) $(SOUP_CFLAGS) $(JSON_CFLAGS)
libkcore_daemon_la_LIBADD = libkcore.la $(GLIB_LIBS) $(SOUP_LIBS) $(JSON_LIBS)

bin_PROGRAMS += kcore
kcore_SOURCES = core/main.c
kcore_LDADD = libkcore-daemon.la libkcore.la $(GLIB_LIBS) $(JEMALLOC_LIBS)
include core/client/local.mk
include core/scheduler/local.mk
include core/sim/local.mk
