# Scheduling policy: node-unschedulable.
plugin_LTLIBRARIES += plugins/scheduler/node-unschedulable/scheduler-node-unschedulable.la
plugins_scheduler_node_unschedulable_scheduler_node_unschedulable_la_SOURCES = plugins/scheduler/node-unschedulable/node-unschedulable.c
plugins_scheduler_node_unschedulable_scheduler_node_unschedulable_la_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
plugins_scheduler_node_unschedulable_scheduler_node_unschedulable_la_LDFLAGS = $(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_scheduler_node_unschedulable_scheduler_node_unschedulable_la_LIBADD = $(KC_PLUGIN_LIBS) $(JSON_LIBS)
