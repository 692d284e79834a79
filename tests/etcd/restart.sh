#!/bin/sh
# etcd (one member) is killed and started again on the same data while
# writes and a watch go on: the watch resumes from the last revision it
# saw, without gap or repeat, and no acknowledged write is lost.
. "$KCORE_SRCDIR/tests/tap.sh"
. "$KCORE_SRCDIR/tests/etcd/etcd-lib.sh"
etcd_require
etcd_cluster 1 || { echo "1..1"; echo "not ok 1 - etcd did not start"; exit 1; }

"$KCORE_BUILDDIR/tests/etcd/etcd-chaos" \
  --plugin "$KCORE_BUILDDIR/plugins/store/etcd/.libs/store-etcd.so" \
  --option "endpoints=$ETCD_ENDPOINTS" --option "prefix=/restart-$$" \
  --option request-timeout-ms=15000 \
  --ready-file "$etcd_tmp/ready" --resume-file "$etcd_tmp/resume" \
  >"$etcd_tmp/chaos.out" 2>"$etcd_tmp/chaos.err" &
chaos=$!
wait_for 30 test -e "$etcd_tmp/ready"
etcd_stop_member 1
sleep 1
etcd_start_member 1
etcd_wait_healthy "$ETCD_URL_1" || echo "# etcd did not come back"
echo "# etcd restarted"
touch "$etcd_tmp/resume"
wait "$chaos"
rc=$?
cat "$etcd_tmp/chaos.out"
sed 's/^/# /' "$etcd_tmp/chaos.err" | tail -20
exit $rc
