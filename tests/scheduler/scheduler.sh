#!/bin/sh
# The scheduler component against a real kcore and kcore-sim hollow nodes:
# the unschedulable condition and its one Event, retries driven by cluster
# events (and none without), pods of other schedulers left alone, a second
# scheduler beside the first, and leader election between two scheduler
# processes.
. "$KCORE_SRCDIR/tests/tap.sh"
. "$KCORE_SRCDIR/tests/scheduler/sched-lib.sh"

# A short back-off, so a retry storm would show within seconds.
sched_cluster_start "$(all_policy_groups)
[scheduler]
pod-initial-backoff-ms=100
pod-max-backoff-ms=200
[profile default-scheduler]
plugins=node-unschedulable;taint-toleration;node-resources-fit;spread" \
  || { fail "cluster starts"; tap_done; exit 1; }
ok "kcore with the scheduler starts"
scheduler_reports_plugins () {
  kc plugins | grep -q '^scheduler  *scheduler node-resources-fit  *node-resources-fit  *scheduler  *1 '
}
wait_for 10 scheduler_reports_plugins
check "kcorectl plugins lists the scheduler's policies" scheduler_reports_plugins

sim_start --nodes 3,prefix=small-,cpu=1,memory=4Gi \
          --nodes 2,prefix=gpu-,cpu=8,memory=16Gi,taints=dedicated=gpu:NoSchedule \
          --lease-renew-seconds 1 \
  || { fail "kcore-sim starts"; tap_done; exit 1; }

# make_pod NAME CPU [EXTRA-SPEC-JSON-MEMBERS]: a one-container pod.
make_pod () {
  curl -sf -H 'Content-Type: application/json' \
    "$SERVER/api/v1/namespaces/default/pods" -d "{
      \"apiVersion\":\"v1\",\"kind\":\"Pod\",
      \"metadata\":{\"name\":\"$1\"},
      \"spec\":{${3:+$3,}\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",
        \"resources\":{\"requests\":{\"cpu\":\"$2\"}}}]}}" >/dev/null
}

pod_field () {
  pod_json default "$1" | python3 -c "import json,sys; p=json.load(sys.stdin); $2"
}

scheduled_condition () {
  pod_field "$1" 'c=[c for c in p.get("status",{}).get("conditions",[]) if c["type"]=="PodScheduled"]; print(c[0]["reason"]+": "+c[0]["message"] if c else "")'
}

# events_of POD REASON: "COUNT" of the FailedScheduling/Scheduled Events of
# the pod, one number per Event object.
events_of () {
  curl -sf "$SERVER/api/v1/namespaces/default/events" | python3 -c "
import json,sys
for e in json.load(sys.stdin)['items']:
    if e['involvedObject']['name']=='$1' and e['reason']=='$2':
        print(e.get('count',1))"
}

# Predicates for wait_for (it runs them in this shell).
condition_is () { [ "$(scheduled_condition "$1" 2>/dev/null)" = "$2" ]; }
condition_has () { scheduled_condition "$1" 2>/dev/null | grep -q "$2"; }
has_events () { [ -n "$(events_of "$1" "$2")" ]; }
phase_is () { [ "$(pod_field "$1" 'print(p["status"].get("phase"))')" = "$2" ]; }
events_name_source () {
  curl -sf "$SERVER/api/v1/namespaces/default/events" | python3 -c "
import json,sys
es=[e for e in json.load(sys.stdin)['items'] if e['involvedObject']['name']=='$1' and e['reason']=='Scheduled']
sys.exit(0 if es and es[0]['source']['component']=='$2' else 1)"
}

# ---- unschedulable: the condition, the message, one Event ------------------
make_pod big 2
expected='Unschedulable: 0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient cpu.'
wait_for 10 condition_is big "$expected"
expect_eq "a pod that fits nowhere gets PodScheduled=False with Kubernetes' message" \
  "$expected" "$(scheduled_condition big)"
wait_for 5 has_events big FailedScheduling
expect_eq "one FailedScheduling Event" "1" "$(events_of big FailedScheduling)"

# Leases renew every second and node statuses are re-reported: none of
# that may wake the pod up (with a 100 ms back-off, a storm would show).
sleep 3
expect_eq "no retry while nothing relevant changes (Event count stays 1)" \
  "1" "$(events_of big FailedScheduling)"
expect_eq "still Pending, unbound" "" "$(pod_node default big 0)"

# ---- a cluster event makes it fit --------------------------------------------
sim_start --nodes 1,prefix=large-,cpu=4,memory=8Gi \
  || fail "second kcore-sim starts"
expect_eq "a node added: the pod is retried and bound there" "large-0" \
  "$(pod_node default big 20)"
expect_eq "one Scheduled Event for it" "1" "$(events_of big Scheduled)"
wait_for 5 phase_is big Running
check "kcore-sim runs it" phase_is big Running

# large-0 has 2 CPUs left; fill them, then one more waits for a deletion.
make_pod filler 2 '"nodeSelector":{"kubernetes.io/hostname":"large-0"}'
expect_eq "a filler takes the rest of large-0" "large-0" \
  "$(pod_node default filler 20)"
make_pod waiter 2
wait_for 10 condition_has waiter 'Insufficient cpu'
check "the waiter is unschedulable while large-0 is full" \
  condition_has waiter 'Insufficient cpu' 
curl -sf -X DELETE "$SERVER/api/v1/namespaces/default/pods/filler" >/dev/null
expect_eq "a pod deleted: the waiter is retried and bound" "large-0" \
  "$(pod_node default waiter 20)"

# ---- pods of another scheduler are left alone ----------------------------------
make_pod foreign 100m '"schedulerName":"someone-else"'
sleep 1
expect_eq "a pod for a scheduler nobody runs stays unbound" "" \
  "$(pod_node default foreign 0)"
expect_eq "...with no condition written" "" "$(scheduled_condition foreign)"
expect_eq "...and no Event" "" "$(events_of foreign FailedScheduling)"

# ---- a second scheduler beside the first ---------------------------------------------
cat > "$sched_dir/other.conf" <<CONF
[kcore]
components=scheduler
plugin-path=$KCORE_BUILDDIR/plugins
data-dir=$sched_dir/other
api-servers=$SERVER
[scheduler]
profiles=someone-else
leader-lease-name=someone-else
[scheduler fit]
plugin=node-resources-fit
[scheduler pack]
plugin=binpack
# One policy may serve two groups (each with its own options).
[scheduler pack-memory]
plugin=binpack
cpu-weight=0
CONF
"$KCORE" --config "$sched_dir/other.conf" >"$sched_dir/other.log" 2>&1 &
other_pid=$!
node=$(pod_node default foreign 20)
check "a second scheduler binds the pods of its own profile ($node)" \
  test -n "$node"
wait_for 5 events_name_source foreign someone-else
check "its Events name it as their source" \
  events_name_source foreign someone-else
kill "$other_pid"; wait "$other_pid"
expect_eq "it stops cleanly on SIGTERM" "0" "$?"

# ---- leader election: two scheduler processes, one binds ---------------------------------
cat > "$sched_dir/ha.conf" <<CONF
[kcore]
components=scheduler
plugin-path=$KCORE_BUILDDIR/plugins
data-dir=$sched_dir/ha
api-servers=$SERVER
[scheduler]
profiles=ha-scheduler
leader-lease-name=ha-scheduler
lease-duration-seconds=3
renew-deadline-seconds=2
retry-period-seconds=1
[scheduler fit]
plugin=node-resources-fit
[scheduler spread]
plugin=spread
CONF
"$KCORE" --config "$sched_dir/ha.conf" --component scheduler >"$sched_dir/ha1.log" 2>&1 &
ha1=$!
"$KCORE" --config "$sched_dir/ha.conf" --component scheduler >"$sched_dir/ha2.log" 2>&1 &
ha2=$!
holder () {
  curl -sf "$SERVER/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ha-scheduler" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"].get("holderIdentity",""))'
}
has_holder () { holder 2>/dev/null | grep -q _; }
wait_for 10 has_holder
leader=$(holder); leader_pid=${leader##*_}
case "$leader_pid" in
  "$ha1") follower_pid=$ha2; follower_log=$sched_dir/ha2.log ;;
  "$ha2") follower_pid=$ha1; follower_log=$sched_dir/ha1.log ;;
  *) follower_pid="" ;;
esac
check "one of the two holds the Lease ($leader)" test -n "$follower_pid"
for i in 1 2 3 4 5; do make_pod ha-a$i 100m '"schedulerName":"ha-scheduler"'; done
for i in 1 2 3 4 5; do pod_node default ha-a$i 10 >/dev/null; done
check "the leader binds" test -n "$(pod_node default ha-a5 0)"
check "the follower does not schedule" \
  sh -c "! grep -q 'started leading' '$follower_log'"

kill -9 "$leader_pid"; wait "$leader_pid" 2>/dev/null
killed_at=$(date +%s)
for i in 1 2 3 4 5; do make_pod ha-b$i 100m '"schedulerName":"ha-scheduler"'; done
node=$(pod_node default ha-b5 15)
took=$(( $(date +%s) - killed_at ))
check "after the leader is killed the other takes over and binds (${took}s)" \
  test -n "$node"
check "...within lease duration + retry period (+1 s of slack)" test "$took" -le 5
for i in 1 2 3 4 5; do pod_node default ha-b$i 10 >/dev/null; done
doubles=0
for p in ha-a1 ha-a2 ha-a3 ha-a4 ha-a5 ha-b1 ha-b2 ha-b3 ha-b4 ha-b5; do
  [ "$(events_of $p Scheduled)" = "1" ] || doubles=$((doubles + 1))
done
expect_eq "every pod bound exactly once (one Scheduled Event, count 1)" 0 "$doubles"
check "no binding was refused as already assigned" \
  sh -c "! grep -h 'already assigned' '$sched_dir'/ha*.log"
kill "$follower_pid"; wait "$follower_pid" 2>/dev/null

# ---- configuration errors are caught by --check ----------------------------------------
cat > "$sched_dir/bad.conf" <<CONF
[kcore]
components=scheduler
plugin-path=$KCORE_BUILDDIR/plugins
data-dir=$sched_dir/bad
[scheduler]
profiles=default-scheduler
[profile default-scheduler]
plugins=fit;nosuch
[scheduler fit]
plugin=node-resources-fit
CONF
out=$("$KCORE" --config "$sched_dir/bad.conf" --check 2>&1); status=$?
expect_eq "--check refuses a profile naming a missing policy (exit 2)" 2 "$status"
case "$out" in
  *"[profile default-scheduler] plugins: 'nosuch' has no [scheduler nosuch] group"*)
    ok "...naming the group and the policy" ;;
  *) fail "...naming the group and the policy"; diag "$out" ;;
esac
sed -i 's/^plugins=fit;nosuch/plugins=fit\nweights=fit=0/' "$sched_dir/bad.conf"
out=$("$KCORE" --config "$sched_dir/bad.conf" --check 2>&1); status=$?
case "$status:$out" in
  "2:"*"[profile default-scheduler] weights: 'fit=0' is not NAME=WEIGHT"*)
    ok "--check refuses a bad weight" ;;
  *) fail "--check refuses a bad weight"; diag "$status: $out" ;;
esac

tap_done
