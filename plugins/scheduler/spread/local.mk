# Scheduling policy: spread.
plugin_LTLIBRARIES += plugins/scheduler/spread/scheduler-spread.la
plugins_scheduler_spread_scheduler_spread_la_SOURCES = plugins/scheduler/spread/spread.c \
	plugins/scheduler/allocation-score.c plugins/scheduler/allocation-score.h
plugins_scheduler_spread_scheduler_spread_la_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
plugins_scheduler_spread_scheduler_spread_la_LDFLAGS = $(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_scheduler_spread_scheduler_spread_la_LIBADD = $(KC_PLUGIN_LIBS) $(JSON_LIBS)
