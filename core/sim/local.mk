# kcore-sim: hollow nodes (a KWOK-like simulator of nodes and their pods).
# See docs/kcore-sim.md.
bin_PROGRAMS += kcore-sim
kcore_sim_SOURCES = \
	core/sim/sim.h \
	core/sim/sim-main.c \
	core/sim/sim-options.c \
	core/sim/sim-time.c \
	core/sim/node-spec.c \
	core/sim/timer-heap.c \
	core/sim/request-pump.c \
	core/sim/hollow-node.c \
	core/sim/node-lease.c \
	core/sim/pod-watch.c \
	core/sim/pod-lifecycle.c \
	core/sim/pod-status.c \
	core/sim/pod-log.c \
	core/sim/kubelet-server.c
kcore_sim_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(CURL_CFLAGS) $(SOUP_CFLAGS)
# The daemon's log writer (core/log.c) comes from libkcore-daemon.
kcore_sim_LDADD = libkcore-daemon.la libkcore.la $(GLIB_LIBS) $(JSON_LIBS) $(CURL_LIBS) \
	$(JEMALLOC_LIBS) \
	$(SOUP_LIBS)

EXTRA_DIST += docs/kcore-sim.md bench/sim-scale.sh
