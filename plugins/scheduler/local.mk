# Scheduling policy plugins, one folder each.
include plugins/scheduler/node-unschedulable/local.mk
include plugins/scheduler/node-name/local.mk
include plugins/scheduler/node-affinity/local.mk
include plugins/scheduler/taint-toleration/local.mk
include plugins/scheduler/node-resources-fit/local.mk
include plugins/scheduler/spread/local.mk
include plugins/scheduler/binpack/local.mk
include plugins/scheduler/balanced-allocation/local.mk
include plugins/scheduler/inter-pod-affinity/local.mk
include plugins/scheduler/pod-topology-spread/local.mk
