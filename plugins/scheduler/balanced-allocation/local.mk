# Scheduling policy: balanced-allocation.
plugin_LTLIBRARIES += plugins/scheduler/balanced-allocation/scheduler-balanced-allocation.la
plugins_scheduler_balanced_allocation_scheduler_balanced_allocation_la_SOURCES = plugins/scheduler/balanced-allocation/balanced-allocation.c
plugins_scheduler_balanced_allocation_scheduler_balanced_allocation_la_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
plugins_scheduler_balanced_allocation_scheduler_balanced_allocation_la_LDFLAGS = $(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_scheduler_balanced_allocation_scheduler_balanced_allocation_la_LIBADD = $(KC_PLUGIN_LIBS) $(JSON_LIBS)
