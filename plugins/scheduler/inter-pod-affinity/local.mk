# Scheduling policy: inter-pod-affinity (Kubernetes' InterPodAffinity).
plugin_LTLIBRARIES += plugins/scheduler/inter-pod-affinity/scheduler-inter-pod-affinity.la
plugins_scheduler_inter_pod_affinity_scheduler_inter_pod_affinity_la_SOURCES = \
	plugins/scheduler/inter-pod-affinity/inter-pod-affinity.c \
	plugins/scheduler/inter-pod-affinity/inter-pod-affinity.h \
	plugins/scheduler/inter-pod-affinity/affinity-terms.c \
	plugins/scheduler/inter-pod-affinity/topology-counts.c \
	plugins/scheduler/inter-pod-affinity/affinity-filter.c \
	plugins/scheduler/inter-pod-affinity/affinity-score.c
plugins_scheduler_inter_pod_affinity_scheduler_inter_pod_affinity_la_CFLAGS = \
	$(AM_CFLAGS) $(JSON_CFLAGS)
plugins_scheduler_inter_pod_affinity_scheduler_inter_pod_affinity_la_LDFLAGS = \
	$(AM_LDFLAGS) $(KC_PLUGIN_FLAGS)
plugins_scheduler_inter_pod_affinity_scheduler_inter_pod_affinity_la_LIBADD = \
	$(KC_PLUGIN_LIBS) $(JSON_LIBS)
