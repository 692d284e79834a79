# Scheduling policy: pod-topology-spread (Kubernetes' PodTopologySpread).
plugin_LTLIBRARIES += plugins/scheduler/pod-topology-spread/scheduler-pod-topology-spread.la
plugins_scheduler_pod_topology_spread_scheduler_pod_topology_spread_la_SOURCES = \
	plugins/scheduler/pod-topology-spread/pod-topology-spread.c \
	plugins/scheduler/pod-topology-spread/pod-topology-spread.h \
	plugins/scheduler/pod-topology-spread/spread-constraints.c \
	plugins/scheduler/pod-topology-spread/spread-filter.c \
	plugins/scheduler/pod-topology-spread/spread-score.c
plugins_scheduler_pod_topology_spread_scheduler_pod_topology_spread_la_CFLAGS = \
	$(AM_CFLAGS) $(JSON_CFLAGS)
plugins_scheduler_pod_topology_spread_scheduler_pod_topology_spread_la_LDFLAGS = \
	$(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_scheduler_pod_topology_spread_scheduler_pod_topology_spread_la_LIBADD = \
	$(KC_PLUGIN_LIBS) $(JSON_LIBS) -lm
