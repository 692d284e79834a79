#!/bin/sh
# The store conformance suite against the etcd store plugin (TAP), on a
# single etcd member started for the run.  Each case gets its own key
# prefix (--namespace-option), so every case starts from an empty key space
# of the shared etcd; revisions are checked relative to each case's start.
# Every case runs, as on SQLite (store.h allows etcd's lease expiry at one
# revision for all of a lease's keys).
. "$KCORE_SRCDIR/tests/tap.sh"
. "$KCORE_SRCDIR/tests/etcd/etcd-lib.sh"
etcd_require
etcd_cluster 1 || { echo "1..1"; echo "not ok 1 - etcd did not start"; exit 1; }

"$KCORE_BUILDDIR/tests/store/store-conformance" --tap \
  --plugin "$KCORE_BUILDDIR/plugins/store/etcd/.libs/store-etcd.so" \
  --option "endpoints=$ETCD_ENDPOINTS" \
  --namespace-option prefix=/conformance/ "$@"
