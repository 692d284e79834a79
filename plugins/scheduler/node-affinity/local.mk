# Scheduling policy: node-affinity.
plugin_LTLIBRARIES += plugins/scheduler/node-affinity/scheduler-node-affinity.la
plugins_scheduler_node_affinity_scheduler_node_affinity_la_SOURCES = plugins/scheduler/node-affinity/node-affinity.c
plugins_scheduler_node_affinity_scheduler_node_affinity_la_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
plugins_scheduler_node_affinity_scheduler_node_affinity_la_LDFLAGS = $(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_scheduler_node_affinity_scheduler_node_affinity_la_LIBADD = $(KC_PLUGIN_LIBS) $(JSON_LIBS)
