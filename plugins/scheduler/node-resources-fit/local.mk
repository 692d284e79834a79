# Scheduling policy: node-resources-fit.
plugin_LTLIBRARIES += plugins/scheduler/node-resources-fit/scheduler-node-resources-fit.la
plugins_scheduler_node_resources_fit_scheduler_node_resources_fit_la_SOURCES = plugins/scheduler/node-resources-fit/node-resources-fit.c
plugins_scheduler_node_resources_fit_scheduler_node_resources_fit_la_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
plugins_scheduler_node_resources_fit_scheduler_node_resources_fit_la_LDFLAGS = $(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_scheduler_node_resources_fit_scheduler_node_resources_fit_la_LIBADD = $(KC_PLUGIN_LIBS) $(JSON_LIBS)
