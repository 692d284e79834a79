# Scheduling policy: binpack.
plugin_LTLIBRARIES += plugins/scheduler/binpack/scheduler-binpack.la
plugins_scheduler_binpack_scheduler_binpack_la_SOURCES = plugins/scheduler/binpack/binpack.c \
	plugins/scheduler/allocation-score.c plugins/scheduler/allocation-score.h
plugins_scheduler_binpack_scheduler_binpack_la_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
plugins_scheduler_binpack_scheduler_binpack_la_LDFLAGS = $(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_scheduler_binpack_scheduler_binpack_la_LIBADD = $(KC_PLUGIN_LIBS) $(JSON_LIBS)
