# The scheduler: the data policies see (in libkcore, so plugins link it)
# and the component (queue, cache, profiles, binding) in the daemon.
libkcore_la_SOURCES += \
	core/scheduler/sched-private.h \
	core/scheduler/quantity.c \
	core/scheduler/sched-pod.c \
	core/scheduler/sched-node.c \
	core/scheduler/sched-selector.c \
	core/scheduler/sched-cycle.c

kcoreinclude_HEADERS += include/kcore/scheduler.h

libkcore_daemon_la_SOURCES += \
	core/scheduler/scheduler.c \
	core/scheduler/scheduler.h \
	core/scheduler/sched-profile.c \
	core/scheduler/sched-profile.h \
	core/scheduler/sched-queue.c \
	core/scheduler/sched-queue.h \
	core/scheduler/sched-parallel.c \
	core/scheduler/sched-parallel.h \
	core/scheduler/sched-algorithm.c \
	core/scheduler/sched-algorithm.h \
	core/scheduler/sched-binder.c \
	core/scheduler/sched-binder.h
