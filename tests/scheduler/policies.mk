# tests/scheduler: policies tests.
# The eight built-in policies (node-unschedulable, node-name, node-affinity,
# taint-toleration, node-resources-fit, spread, binpack, balanced-allocation)
# against a real kcore scheduler and kcore-sim hollow nodes.
dist_check_SCRIPTS += tests/scheduler/policies.sh
TESTS += tests/scheduler/policies.sh
