# Scheduling policy: taint-toleration.
plugin_LTLIBRARIES += plugins/scheduler/taint-toleration/scheduler-taint-toleration.la
plugins_scheduler_taint_toleration_scheduler_taint_toleration_la_SOURCES = plugins/scheduler/taint-toleration/taint-toleration.c
plugins_scheduler_taint_toleration_scheduler_taint_toleration_la_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
plugins_scheduler_taint_toleration_scheduler_taint_toleration_la_LDFLAGS = $(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_scheduler_taint_toleration_scheduler_taint_toleration_la_LIBADD = $(KC_PLUGIN_LIBS) $(JSON_LIBS)
