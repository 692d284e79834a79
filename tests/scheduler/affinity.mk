# tests/scheduler: inter-pod-affinity and pod-topology-spread end to end,
# and an out-of-tree scheduling policy built against an installed kcore.
dist_check_SCRIPTS += tests/scheduler/affinity.sh \
	tests/scheduler/custom-policy.sh
TESTS += tests/scheduler/affinity.sh tests/scheduler/custom-policy.sh
EXTRA_DIST += docs/examples/scheduler-policy/Makefile \
	docs/examples/scheduler-policy/example.conf \
	docs/examples/scheduler-policy/pods.yaml \
	docs/examples/scheduler-policy/prefer-label.c

# custom-policy.sh runs `make install` like tests/daemon/sdk.sh, which
# relinks the plugins in place: it runs after every other test but sdk.sh
# (which in turn waits for it, see tests/daemon/local.mk).
tests/scheduler/custom-policy.log: $(filter-out tests/scheduler/custom-policy.log tests/daemon/sdk.log,$(TEST_LOGS))
