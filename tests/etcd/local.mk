# The etcd store against real etcd processes (see tests/etcd/etcd-lib.sh):
# the conformance suite, a leader killed in a 3-member cluster, a restart
# during a watch, TLS with client certificates.
check_PROGRAMS += tests/etcd/etcd-chaos
tests_etcd_etcd_chaos_SOURCES = tests/etcd/etcd-chaos.c \
	tests/store/store-harness.c tests/store/store-harness.h
tests_etcd_etcd_chaos_LDADD = libkcore-daemon.la libkcore.la $(GLIB_LIBS)

dist_check_SCRIPTS += \
	tests/etcd/conformance-etcd.sh \
	tests/etcd/leader-kill.sh \
	tests/etcd/restart.sh \
	tests/etcd/tls.sh
TESTS += \
	tests/etcd/conformance-etcd.sh \
	tests/etcd/leader-kill.sh \
	tests/etcd/restart.sh \
	tests/etcd/tls.sh
EXTRA_DIST += tests/etcd/etcd-lib.sh
