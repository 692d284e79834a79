#!/bin/sh
# A 3-member etcd cluster on loopback; the member leading it is killed
# (kill -9) in the middle of a stream of writes and a watch.  The plugin,
# talking to the leader first, must carry on through the others: no
# acknowledged write lost, the watch resumes without gap or repeat.
. "$KCORE_SRCDIR/tests/tap.sh"
. "$KCORE_SRCDIR/tests/etcd/etcd-lib.sh"
etcd_require
etcd_cluster 3 || { echo "1..1"; echo "not ok 1 - etcd did not start"; exit 1; }
wait_for 10 etcd_leader || { echo "1..1"; echo "not ok 1 - no leader"; exit 1; }
leader=$(etcd_leader)
eval "first=\$ETCD_URL_$leader"
others=""
for m in 1 2 3; do
  [ "$m" = "$leader" ] && continue
  eval "others=\"\$others;\$ETCD_URL_$m\""
done
echo "# leader is member $leader ($first); it goes first in endpoints"

"$KCORE_BUILDDIR/tests/etcd/etcd-chaos" \
  --plugin "$KCORE_BUILDDIR/plugins/store/etcd/.libs/store-etcd.so" \
  --option "endpoints=$first$others" --option "prefix=/chaos-$$" \
  --ready-file "$etcd_tmp/ready" --resume-file "$etcd_tmp/resume" \
  >"$etcd_tmp/chaos.out" 2>"$etcd_tmp/chaos.err" &
chaos=$!
wait_for 30 test -e "$etcd_tmp/ready"
etcd_stop_member "$leader"
echo "# killed member $leader"
touch "$etcd_tmp/resume"
wait "$chaos"
rc=$?
cat "$etcd_tmp/chaos.out"
sed 's/^/# /' "$etcd_tmp/chaos.err" | tail -20
exit $rc
