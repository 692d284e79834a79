#!/bin/sh
# kcore-sim against a real kcore apiserver (memory store) on loopback:
# node registration, leases, the pod lifecycle (Running, run time and exit
# codes, restarts, graceful deletion), adoption after a restart, deleting
# the nodes on exit, and command line errors.
. "$KCORE_SRCDIR/tests/tap.sh"
SIM="$KCORE_BUILDDIR/kcore-sim"
tmp=$(mktemp -d)
server_pid=
sim_pid=
cleanup () {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

start_apiserver "$tmp/api.conf" "$tmp/server.log"
server_pid=$apiserver_pid
url="http://127.0.0.1:$port"
unset KCORE_SERVER KCORE_TOKEN

# jget PATH EXPR: EXPR (python, the object is o) of GET PATH; "404" when
# the object does not exist.
jget () {
  curl -s "$url$1" | python3 -c "
import json, sys
o = json.load(sys.stdin)
if o.get('kind') == 'Status' and o.get('code') == 404:
    print(404)
else:
    print($2)" 2>/dev/null
}
# jtrue PATH EXPR: succeeds when EXPR of GET PATH is True.
jtrue () { [ "$(jget "$1" "$2")" = True ]; }
pods=/api/v1/namespaces/default/pods
# make_pod NAME NODE POLICY [RUN_SECONDS [EXIT_CODE]]
make_pod () {
  body=$(python3 - "$@" <<'EOF'
import json, sys
name, node, policy = sys.argv[1:4]
ann = {}
if len(sys.argv) > 4: ann["kcore.io/sim-run-seconds"] = sys.argv[4]
if len(sys.argv) > 5: ann["kcore.io/sim-exit-code"] = sys.argv[5]
print(json.dumps({"apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": name, "namespace": "default", "annotations": ann},
  "spec": {"nodeName": node, "restartPolicy": policy,
           "initContainers": [{"name": "setup", "image": "busybox:1"}],
           "containers": [{"name": "app", "image": "nginx:1"},
                          {"name": "log", "image": "fluent:2"}]}}))
EOF
)
  curl -sf -X POST -H 'Content-Type: application/json' --data "$body" \
    "$url$pods" >/dev/null
}
# start_sim EXTRA_ARGS...: the simulator of this test, output in sim.out/.err.
start_sim () {
  "$SIM" --server "$url" \
    --nodes '2,prefix=sim-a-,cpu=4,memory=8Gi,labels=disk=ssd;tier=web' \
    --nodes 1,prefix=sim-b-,taints=dedicated=gpu:NoSchedule,zones=2 \
    --lease-renew-seconds 1 "$@" >"$tmp/sim.out" 2>"$tmp/sim.err" &
  sim_pid=$!
}

if ! wait_for 10 curl -sf "$url/api/v1/namespaces/default"; then
  fail "the apiserver starts"; cat "$tmp/server.log"; tap_done; exit 1
fi

# ---- command line errors ----
"$SIM" --server "$url" --nodes '3,cpu=lots' >"$tmp/bad.out" 2>"$tmp/bad.err"
expect_eq "bad --nodes exits 2" 2 "$?"
check "bad --nodes names the option and the bad part" \
  grep -q -- '--nodes "3,cpu=lots": cpu=lots is not a quantity' "$tmp/bad.err"
"$SIM" --server "$url" --nodes '2,taints=k=v:Sometimes' 2>"$tmp/bad.err"
expect_eq "bad taint effect exits 2" 2 "$?"
check "bad taint effect is named" grep -q 'effect "Sometimes"' "$tmp/bad.err"
"$SIM" --server "$url" --nodes 2 --nodes 2 2>"$tmp/bad.err"
expect_eq "two groups with one prefix exit 2" 2 "$?"
check "duplicate names are explained" grep -q 'prefix=' "$tmp/bad.err"
"$SIM" --nodes 2 2>"$tmp/bad.err"
expect_eq "no --server exits 2" 2 "$?"
"$SIM" --server "$url" --nodes 1 --kubelet-listen 0.0.0.0:0 2>"$tmp/bad.err"
expect_eq "a wildcard --kubelet-listen exits 2" 2 "$?"
check "a wildcard --kubelet-listen is explained" grep -q 'not a wildcard' "$tmp/bad.err"
"$SIM" --help >"$tmp/help.out"
expect_eq "--help exits 0" 0 "$?"
check "--help shows SPEC" grep -q '^SPEC = COUNT' "$tmp/help.out"

# ---- registration ----
start_sim
check "prints 'N nodes ready'" wait_for 10 grep -qx 'kcore-sim: 3 nodes ready' "$tmp/sim.out"
n=/api/v1/nodes
expect_eq "sim-a-0 capacity" "4 8Gi 100Gi 110" \
  "$(jget $n/sim-a-0 "' '.join(o['status']['capacity'][k] for k in ('cpu','memory','ephemeral-storage','pods'))")"
expect_eq "sim-a-1 allocatable" "4 8Gi" \
  "$(jget $n/sim-a-1 "o['status']['allocatable']['cpu'] + ' ' + o['status']['allocatable']['memory']")"
expect_eq "sim-b-0 default capacity" "32 256Gi" \
  "$(jget $n/sim-b-0 "o['status']['capacity']['cpu'] + ' ' + o['status']['capacity']['memory']")"
expect_eq "labels from the spec and the standard ones" "ssd web sim-a-0 linux amd64 true" \
  "$(jget $n/sim-a-0 "' '.join(o['metadata']['labels'][k] for k in ('disk','tier','kubernetes.io/hostname','kubernetes.io/os','kubernetes.io/arch','kcore.io/hollow'))")"
expect_eq "zones=2: the zone label" "zone-0" \
  "$(jget $n/sim-b-0 "o['metadata']['labels']['topology.kubernetes.io/zone']")"
expect_eq "taints" "[{'key': 'dedicated', 'value': 'gpu', 'effect': 'NoSchedule'}]" \
  "$(jget $n/sim-b-0 "o['spec']['taints']")"
expect_eq "Ready=True KubeletReady" "True KubeletReady kcore-sim hollow node" \
  "$(jget $n/sim-a-0 "[c['status'] + ' ' + c['reason'] + ' ' + c['message'] for c in o['status']['conditions'] if c['type'] == 'Ready'][0]")"
expect_eq "pressure conditions False" "False False False" \
  "$(jget $n/sim-a-0 "' '.join(c['status'] for c in o['status']['conditions'] if c['type'].endswith('Pressure'))")"
expect_eq "addresses: InternalIP is the kubelet endpoint's host" "InternalIP=127.0.0.1 Hostname=sim-a-1" \
  "$(jget $n/sim-a-1 "' '.join(a['type'] + '=' + a['address'] for a in o['status']['addresses'])")"
expect_eq "podCIDR" "10.64.2.0/24" "$(jget $n/sim-b-0 "o['spec']['podCIDR']")"
expect_eq "nodeInfo" "kcore-sim linux amd64 sim://1" \
  "$(jget $n/sim-a-0 "' '.join(o['status']['nodeInfo'][k] for k in ('kubeletVersion','operatingSystem','architecture','containerRuntimeVersion'))")"
uid_before=$(jget $n/sim-a-0 "o['metadata']['uid']")

# ---- leases ----
l=/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases
expect_eq "a lease per node, held by it" "sim-a-0 40" \
  "$(jget $l/sim-a-0 "o['spec']['holderIdentity'] + ' ' + str(o['spec']['leaseDurationSeconds'])")"
renew1=$(jget $l/sim-b-0 "o['spec']['renewTime']")
is_micro_time () { expr "$1" : '[0-9-]*T[0-9:]*\.[0-9]\{6\}Z$' >/dev/null; }
check "renewTime is a MicroTime" is_micro_time "$renew1"
check "renewTime advances" wait_for 5 sh -c "[ \"\$(curl -s $url$l/sim-b-0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"spec\"][\"renewTime\"])')\" != '$renew1' ]"

# ---- pods ----
make_pod web sim-a-0 Always
make_pod done-ok sim-a-1 Never 0.5 0
make_pod done-bad sim-a-1 Never 0.5 3
make_pod crash sim-b-0 Always 0.3 1
make_pod retry sim-b-0 OnFailure 0.3 0
make_pod elsewhere not-simulated-0 Always
check "a bound pod becomes Running" wait_for 10 jtrue $pods/web "o['status']['phase'] == 'Running'"
expect_eq "hostIP and podIP" "127.0.0.1 10.64.0.2 10.64.0.2" \
  "$(jget $pods/web "o['status']['hostIP'] + ' ' + o['status']['podIP'] + ' ' + o['status']['podIPs'][0]['ip']")"
expect_eq "container statuses" "app:nginx:1:True:True:0:running:sim://$(jget $pods/web "o['metadata']['uid']")/app log:fluent:2:True:True:0:running" \
  "$(jget $pods/web "' '.join(':'.join([c['name'], c['image'], str(c['ready']), str(c['started']), str(c['restartCount']), list(c['state'])[0]] + ([c['containerID']] if c['name'] == 'app' else [])) for c in o['status']['containerStatuses'])")"
expect_eq "init container completed" "setup terminated 0 Completed" \
  "$(jget $pods/web "' '.join(str(x) for c in o['status']['initContainerStatuses'] for x in (c['name'], list(c['state'])[0], c['state']['terminated']['exitCode'], c['state']['terminated']['reason']))")"
expect_eq "conditions True" "PodScheduled=True Initialized=True ContainersReady=True Ready=True" \
  "$(jget $pods/web "' '.join(c['type'] + '=' + c['status'] for c in o['status']['conditions'])")"
check "startTime and startedAt are set" jtrue $pods/web "o['status']['startTime'].endswith('Z') and o['status']['containerStatuses'][0]['state']['running']['startedAt'].endswith('Z')"

check "run 0.5 s, exit 0, Never: Succeeded" wait_for 10 jtrue $pods/done-ok "o['status']['phase'] == 'Succeeded'"
expect_eq "Succeeded: terminated Completed 0, not ready" "0 Completed False" \
  "$(jget $pods/done-ok "' '.join(str(x) for x in (o['status']['containerStatuses'][0]['state']['terminated']['exitCode'], o['status']['containerStatuses'][0]['state']['terminated']['reason'], o['status']['containerStatuses'][0]['ready']))")"
check "run 0.5 s, exit 3, Never: Failed" wait_for 10 jtrue $pods/done-bad "o['status']['phase'] == 'Failed'"
expect_eq "Failed: exitCode 3 reason Error" "3 Error" \
  "$(jget $pods/done-bad "str(o['status']['containerStatuses'][0]['state']['terminated']['exitCode']) + ' ' + o['status']['containerStatuses'][0]['state']['terminated']['reason']")"
check "Always: the containers restart (restartCount grows)" \
  wait_for 10 jtrue $pods/crash "o['status']['containerStatuses'][0]['restartCount'] >= 2 and o['status']['phase'] == 'Running'"
expect_eq "a restart reports lastState terminated with the exit code" "1" \
  "$(jget $pods/crash "o['status']['containerStatuses'][0]['lastState']['terminated']['exitCode']")"
check "OnFailure, exit 0: Succeeded" wait_for 10 jtrue $pods/retry "o['status']['phase'] == 'Succeeded'"
expect_eq "a pod on a node not simulated stays Pending" "Pending None" \
  "$(jget $pods/elsewhere "o['status']['phase'] + ' ' + str(o['status'].get('podIP'))")"

# ---- the kubelet endpoint: container logs ----
kport=$(jget $n/sim-a-0 "o['status']['daemonEndpoints']['kubeletEndpoint']['Port']")
check "nodes report the kubelet endpoint's port" [ "${kport:-0}" -gt 0 ]
expect_eq "every node reports the same endpoint" "$kport" \
  "$(jget $n/sim-b-0 "o['status']['daemonEndpoints']['kubeletEndpoint']['Port']")"
kl="http://127.0.0.1:$kport/containerLogs/default"
# make_log_pod NAME NODE ANNOTATIONS-JSON: one container "app", Never.
make_log_pod () {
  body=$(python3 - "$@" <<'EOF2'
import json, sys
name, node, ann = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
print(json.dumps({"apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": name, "namespace": "default", "annotations": ann},
  "spec": {"nodeName": node, "restartPolicy": "Never",
           "containers": [{"name": "app", "image": "busybox:1"}]}}))
EOF2
)
  curl -sf -X POST -H 'Content-Type: application/json' --data "$body" \
    "$url$pods" >/dev/null
}
make_log_pod hello sim-a-0 '{"kcore.io/sim-log": "hello\nworld"}'
check "the log of a running pod is served" wait_for 10 curl -sf "$kl/hello/app"
expect_eq "sim-log: its lines" "hello
world" "$(curl -s "$kl/hello/app")"
expect_eq "tailLines=1: the last line" "world" "$(curl -s "$kl/hello/app?tailLines=1")"
check "timestamps=true: RFC 3339 with nanoseconds before each line" \
  sh -c "curl -s '$kl/hello/app?timestamps=true' | grep -Eqx '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z world'"
expect_eq "text/plain" "text/plain" \
  "$(curl -s -o /dev/null -w '%{content_type}' "$kl/hello/app")"
expect_eq "a pod without log annotations has an empty log" "" "$(curl -s "$kl/web/app")"
expect_eq "an unknown container: 404" 404 \
  "$(curl -s -o /dev/null -w '%{http_code}' "$kl/hello/nope")"
check "an unknown container: the kubelet's words" \
  sh -c "curl -s '$kl/hello/nope' | grep -q 'container \"nope\" not found in pod \"hello\"'"
expect_eq "an unknown pod: 404" 404 \
  "$(curl -s -o /dev/null -w '%{http_code}' "$kl/no-such-pod/app")"
expect_eq "a pod on a node not simulated: 404" 404 \
  "$(curl -s -o /dev/null -w '%{http_code}' "$kl/elsewhere/app")"
expect_eq "previous=true without a restart: 400" 400 \
  "$(curl -s -o /dev/null -w '%{http_code}' "$kl/hello/app?previous=true")"
expect_eq "a bad tailLines: 400" 400 \
  "$(curl -s -o /dev/null -w '%{http_code}' "$kl/hello/app?tailLines=x")"

make_log_pod ticker sim-a-1 '{"kcore.io/sim-log-interval-seconds": "0.2", "kcore.io/sim-run-seconds": "1"}'
wait_for 10 curl -sf "$kl/ticker/app"
curl -sN "$kl/ticker/app?follow=true" >"$tmp/follow.out" 2>&1 &
follow_pid=$!
check "follow: a tick arrives while the container still runs" \
  wait_for 5 sh -c "grep -q ': tick 1\$' '$tmp/follow.out' && ! grep -q exited '$tmp/follow.out' && kill -0 $follow_pid"
wait "$follow_pid"; rc=$?
expect_eq "follow: the response ends when the container exits" 0 "$rc"
expect_eq "follow: the last line is the exit line" "default/ticker/app: exited with code 0" \
  "$(tail -n 1 "$tmp/follow.out")"
check "follow: ticks 1 to 4 in order before it" \
  sh -c "head -n 4 '$tmp/follow.out' | tr '\n' ' ' | grep -qx 'default/ticker/app: tick 1 default/ticker/app: tick 2 default/ticker/app: tick 3 default/ticker/app: tick 4 '"
expect_eq "after the exit, the log is the same without follow" "$(cat "$tmp/follow.out")" \
  "$(curl -s "$kl/ticker/app")"

# ---- graceful deletion ----
curl -sf -X DELETE "$url$pods/web" >/dev/null
check "deleting a bound pod completes (the simulator finishes it)" \
  wait_for 10 sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' $url$pods/web) = 404 ]"
make_pod web2 sim-a-0 Always
check "a freed pod address is reused" wait_for 10 jtrue $pods/web2 "o['status'].get('podIP') == '10.64.0.2'"

# ---- restart: nodes adopted ----
crash_ip=$(jget $pods/crash "o['status']['podIP']")
kill -9 "$sim_pid"; wait "$sim_pid" 2>/dev/null; sim_pid=
"$SIM" --server "$url" \
  --nodes '2,prefix=sim-a-,cpu=8,memory=8Gi,labels=disk=nvme' \
  --nodes 1,prefix=sim-b-,taints=dedicated=gpu:NoSchedule,zones=2 \
  --lease-renew-seconds 1 --delete-nodes-on-exit >"$tmp/sim.out" 2>"$tmp/sim.err" &
sim_pid=$!
check "restarted: 'N nodes ready' again" wait_for 10 grep -qx 'kcore-sim: 3 nodes ready' "$tmp/sim.out"
expect_eq "the node is adopted, not created again" "$uid_before" "$(jget $n/sim-a-0 "o['metadata']['uid']")"
expect_eq "adopted: spec and labels follow the new spec" "8 nvme" \
  "$(jget $n/sim-a-0 "o['status']['capacity']['cpu'] + ' ' + o['metadata']['labels']['disk']")"
check "adopted: a running pod keeps restarting, same address" \
  wait_for 10 jtrue $pods/crash "o['status']['containerStatuses'][0]['restartCount'] >= 4 and o['status']['podIP'] == '$crash_ip'"
curl -sf -X DELETE "$url$pods/crash" >/dev/null
check "deletion completes after a restart" \
  wait_for 10 sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' $url$pods/crash) = 404 ]"

# ---- SIGTERM with --delete-nodes-on-exit ----
kill -TERM "$sim_pid"; wait "$sim_pid"; rc=$?; sim_pid=
expect_eq "SIGTERM exits 0" 0 "$rc"
expect_eq "the nodes are deleted" "0" "$(jget $n "len([i for i in o['items'] if i['metadata']['name'].startswith('sim-')])")"
expect_eq "their leases are deleted" "0" "$(jget $l "len(o['items'])")"
if [ "$tap_failed" -ne 0 ]; then
  diag "kcore-sim log:"; sed 's/^/# /' "$tmp/sim.err"
fi
tap_done
