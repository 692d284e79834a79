#!/bin/sh
# The HTTP-level API tests against a kcore apiserver on the etcd store,
# with a real etcd member started for the run (and removed after it).
. "$KCORE_SRCDIR/tests/tap.sh"
. "$KCORE_SRCDIR/tests/etcd/etcd-lib.sh"
etcd_require
etcd_cluster 1 || { echo "1..1"; echo "not ok 1 - etcd did not start"; exit 1; }
python3 "$KCORE_SRCDIR/tests/api/api_test.py" --store etcd \
  --set "store.endpoints=$ETCD_ENDPOINTS" --set store.prefix=/kcore-api-test
