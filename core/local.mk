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
	core/apiserver/apiserver.c \
	core/apiserver/apiserver.h \
	core/apiserver/store-compactor.c \
	core/apiserver/store-compactor.h
libkcore_daemon_la_CFLAGS = $(AM_CFLAGS) $(SOUP_CFLAGS) $(JSON_CFLAGS)
libkcore_daemon_la_LIBADD = libkcore.la $(GLIB_LIBS) $(SOUP_LIBS) $(JSON_LIBS)

bin_PROGRAMS += kcore
kcore_SOURCES = core/main.c
kcore_LDADD = libkcore-daemon.la libkcore.la $(GLIB_LIBS)
