# Tests of kcore-sim against a real apiserver.
dist_check_SCRIPTS += tests/sim/sim.sh
TESTS += tests/sim/sim.sh
