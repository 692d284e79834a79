# Tests of the scheduler and its policies against a real kcore with hollow
# nodes (kcore-sim).  Each file below registers its own tests.
include tests/scheduler/core.mk
include tests/scheduler/policies.mk
include tests/scheduler/affinity.mk
