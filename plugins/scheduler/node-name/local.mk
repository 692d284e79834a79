# Scheduling policy: node-name.
plugin_LTLIBRARIES += plugins/scheduler/node-name/scheduler-node-name.la
plugins_scheduler_node_name_scheduler_node_name_la_SOURCES = plugins/scheduler/node-name/node-name.c
plugins_scheduler_node_name_scheduler_node_name_la_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
plugins_scheduler_node_name_scheduler_node_name_la_LDFLAGS = $(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_scheduler_node_name_scheduler_node_name_la_LIBADD = $(KC_PLUGIN_LIBS) $(JSON_LIBS)
