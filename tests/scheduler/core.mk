# tests/scheduler: the scheduler component itself (queue, retries,
# unschedulable reporting, two schedulers, leader election).
dist_check_SCRIPTS += tests/scheduler/scheduler.sh
TESTS += tests/scheduler/scheduler.sh
EXTRA_DIST += tests/scheduler/sched-lib.sh
