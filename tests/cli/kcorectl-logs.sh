#!/bin/sh
# kcorectl logs and kubectl logs end to end: a kcore apiserver (memory
# store) proxies pods/log to the kubelet endpoint of kcore-sim's hollow
# nodes, on loopback.  Pods are bound by spec.nodeName (no scheduler).
. "$KCORE_SRCDIR/tests/tap.sh"
KCTL="$KCORE_BUILDDIR/kcorectl"
SIM="$KCORE_BUILDDIR/kcore-sim"
KUBECTL=${KCORE_KUBECTL:-/opt/kcore-tools/kubectl-1.20/usr/bin/kubectl}
tmp=$(mktemp -d)
server_pid=
sim_pid=
follow_pid=
cleanup () {
  # End only what this test started, by PID.
  [ -n "$follow_pid" ] && kill "$follow_pid" 2>/dev/null
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

start_apiserver "$tmp/api.conf" "$tmp/server.log"
server_pid=$apiserver_pid
url="http://127.0.0.1:$port"
KCORE_SERVER=$url; export KCORE_SERVER
unset KCORE_TOKEN KCORECTL_CONFIG
HOME=$tmp; export HOME; XDG_CONFIG_HOME=$tmp/config; export XDG_CONFIG_HOME

# run NAME ARGS...: runs kcorectl, output in $tmp/NAME.out/.err, rc in $rc.
run () {
  name=$1; shift
  "$KCTL" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; rc=$?
}
out () { cat "$tmp/$1.out"; }
err () { cat "$tmp/$1.err"; }
pods=/api/v1/namespaces/default/pods
# make_pod NAME NODE ANNOTATIONS-JSON CONTAINER...: restartPolicy Never;
# NODE "" leaves the pod unbound.
make_pod () {
  body=$(python3 - "$@" <<'EOF'
import json, sys
name, node, ann = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
spec = {"restartPolicy": "Never",
        "containers": [{"name": c, "image": "busybox:1"} for c in sys.argv[4:]]}
if node:
    spec["nodeName"] = node
print(json.dumps({"apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": name, "namespace": "default", "annotations": ann},
  "spec": spec}))
EOF
)
  curl -sf -X POST -H 'Content-Type: application/json' --data "$body" \
    "$url$pods" >/dev/null
}
# phase_is NAME PHASE: succeeds when pod NAME is in PHASE.
phase_is () {
  curl -s "$url$pods/$1" | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin).get("status", {}).get("phase") != sys.argv[1])' "$2"
}

if ! wait_for 10 curl -sf "$url/api/v1/namespaces/default"; then
  fail "the apiserver starts"; cat "$tmp/server.log"; tap_done; exit 1
fi
"$SIM" --server "$url" --nodes 2,prefix=logs- >"$tmp/sim.out" 2>"$tmp/sim.err" &
sim_pid=$!
check "kcore-sim registers two hollow nodes" \
  wait_for 10 grep -qx 'kcore-sim: 2 nodes ready' "$tmp/sim.out"

make_pod hello logs-0 '{"kcore.io/sim-log": "hello\nworld"}' app
make_pod two logs-1 '{"kcore.io/sim-log": "two lines"}' app side
make_pod pending "" '{}' app
check "the bound pods run" wait_for 10 phase_is hello Running
wait_for 10 phase_is two Running

# ---- kcorectl logs ----
run logs logs hello
expect_eq "logs exits 0" 0 "$rc"
expect_eq "logs prints the container's lines" "hello
world" "$(out logs)"
run tail logs hello --tail 1
expect_eq "--tail 1: the last line" "world" "$(out tail)"
run ts logs pod/hello --timestamps
check "--timestamps: each line starts with its RFC 3339 time" \
  sh -c "grep -Ec '^[0-9-]{10}T[0-9:]{8}\\.[0-9]{9}Z (hello|world)\$' '$tmp/ts.out' | grep -qx 2"
run c logs two -c side
expect_eq "-c picks the container" "two lines" "$(out c)"
run c2 logs two app
expect_eq "logs POD CONTAINER" "two lines" "$(out c2)"
run noc logs two
expect_eq "two containers, no -c: exits 1" 1 "$rc"
expect_eq "two containers, no -c: kube-apiserver's words" \
  "Error from server (BadRequest): a container name must be specified for pod two, choose one of: [app side]" \
  "$(err noc)"
run badc logs two -c nope
expect_eq "unknown container: kube-apiserver's words" \
  "Error from server (BadRequest): container nope is not valid for pod two" "$(err badc)"
run unbound logs pending
expect_eq "an unbound pod: exits 1" 1 "$rc"
expect_eq "an unbound pod: no host assigned" \
  "Error from server (BadRequest): pod pending does not have a host assigned" "$(err unbound)"
run missing logs no-such-pod
expect_eq "a missing pod: NotFound" 'Error from server (NotFound): pods "no-such-pod" not found' \
  "$(err missing)"
run prev logs hello --previous
expect_eq "--previous without a restart: the kubelet's 400" \
  'Error from server (BadRequest): previous terminated container "app" in pod "hello" not found' \
  "$(err prev)"

# ---- logs -f streams until the container exits ----
# Made now: it runs 2 s, ticking every 0.2 s.
make_pod ticker logs-1 '{"kcore.io/sim-log": "starting", "kcore.io/sim-log-interval-seconds": "0.2", "kcore.io/sim-run-seconds": "2"}' app
wait_for 10 phase_is ticker Running
"$KCTL" logs -f ticker >"$tmp/follow.out" 2>"$tmp/follow.err" &
follow_pid=$!
check "logs -f: a tick is printed while kcorectl still runs, before the exit" \
  wait_for 5 sh -c "grep -q ': tick 1\$' '$tmp/follow.out' && ! grep -q exited '$tmp/follow.out' && kill -0 $follow_pid"
check "logs -f: more ticks arrive over time" \
  wait_for 5 sh -c "grep -q ': tick 5\$' '$tmp/follow.out' && ! grep -q exited '$tmp/follow.out'"
wait "$follow_pid"; rc=$?; follow_pid=
expect_eq "logs -f exits 0 when the container exits" 0 "$rc"
expect_eq "logs -f: the first line is the sim-log line" "starting" "$(head -n 1 "$tmp/follow.out")"
expect_eq "logs -f: the last line is the exit line" "default/ticker/app: exited with code 0" \
  "$(tail -n 1 "$tmp/follow.out")"
expect_eq "logs -f: nothing on stderr" "" "$(cat "$tmp/follow.err")"
check "the pod Succeeded" wait_for 5 phase_is ticker Succeeded
run after logs ticker
expect_eq "logs after the exit: the same log" "$(cat "$tmp/follow.out")" "$(out after)"

# ---- kubectl 1.20 ----
if [ -x "$KUBECTL" ]; then
  k () { "$KUBECTL" --server "$url" --cache-dir "$tmp/cache" \
           --request-timeout 20s "$@"; }
  expect_eq "kubectl logs: the same lines" "hello
world" "$(KUBECONFIG=/dev/null k logs hello 2>&1)"
  expect_eq "kubectl logs --tail 1" "world" "$(KUBECONFIG=/dev/null k logs hello --tail 1 2>&1)"
  expect_eq "kubectl logs -c" "two lines" "$(KUBECONFIG=/dev/null k logs two -c side 2>&1)"
  expect_eq "kubectl logs -f: the same lines, and it exits" "$(cat "$tmp/follow.out")" \
    "$(KUBECONFIG=/dev/null timeout 20 "$KUBECTL" --server "$url" --cache-dir "$tmp/cache" logs -f ticker 2>&1)"
  make_pod ticker2 logs-0 '{"kcore.io/sim-log-interval-seconds": "0.2", "kcore.io/sim-run-seconds": "1"}' app
  wait_for 10 phase_is ticker2 Running
  KUBECONFIG=/dev/null timeout 20 "$KUBECTL" --server "$url" --cache-dir "$tmp/cache" \
    logs -f ticker2 >"$tmp/kfollow.out" 2>&1
  expect_eq "kubectl logs -f on a running pod exits 0" 0 "$?"
  expect_eq "kubectl logs -f: ends with the exit line" "default/ticker2/app: exited with code 0" \
    "$(tail -n 1 "$tmp/kfollow.out")"
  # kubectl 1.20 reads the pod and picks the container itself.
  expect_eq "kubectl logs: the same words for two containers" \
    "error: a container name must be specified for pod two, choose one of: [app side]" \
    "$(KUBECONFIG=/dev/null k logs two 2>&1)"
else
  fail "kubectl 1.20 at $KUBECTL (scripts/install-deps unpacks it there)"
fi

# ---- a client that goes away: the apiserver drops its kubelet request ----
make_pod forever logs-0 '{"kcore.io/sim-log-interval-seconds": "0.2"}' app
wait_for 10 phase_is forever Running
kport=$(curl -s "$url/api/v1/nodes/logs-0" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"])')
"$KCTL" logs -f forever >"$tmp/forever.out" 2>&1 &
follow_pid=$!
if command -v ss >/dev/null 2>&1; then
  check "logs -f: one connection to the kubelet while it streams" \
    wait_for 5 sh -c "grep -q ': tick 2\$' '$tmp/forever.out' && [ \$(ss -Htn state established '( sport = :$kport )' | wc -l) -eq 1 ]"
  kill "$follow_pid"; wait "$follow_pid" 2>/dev/null; follow_pid=
  check "kcorectl killed: the apiserver closes its kubelet connection" \
    wait_for 5 sh -c "[ \$(ss -Htn state established '( sport = :$kport )' | wc -l) -eq 0 ]"
else
  kill "$follow_pid"; wait "$follow_pid" 2>/dev/null; follow_pid=
  skip "the kubelet connection is closed" "no ss(8)"
fi

# ---- the kubelet is gone ----
kill "$sim_pid"; wait "$sim_pid"; rc=$?; sim_pid=
expect_eq "kcore-sim exits 0 on SIGTERM (its log streams closed)" 0 "$rc"
run down logs hello
expect_eq "kcore-sim stopped: exits 1" 1 "$rc"
expect_eq "kcore-sim stopped: a 503 naming the node and its address" 1 \
  "$(grep -c '^Error from server (ServiceUnavailable): cannot reach the kubelet of node "logs-0" at 127\.0\.0\.1:[0-9]*: ' "$tmp/down.err")"

kill "$server_pid"; wait "$server_pid"; rc=$?; server_pid=
expect_eq "the apiserver exits 0 on SIGTERM" 0 "$rc"
if grep -q "Sanitizer\|runtime error\|CRITICAL" "$tmp/server.log" "$tmp/sim.err"; then
  fail "no sanitizer error or critical in the logs"
  grep "Sanitizer\|runtime error\|CRITICAL" "$tmp/server.log" "$tmp/sim.err" | sed 's/^/# /'
else
  ok "no sanitizer error or critical in the logs"
fi
if [ "$tap_failed" -ne 0 ]; then
  diag "apiserver log:"; sed 's/^/# /' "$tmp/server.log" | tail -n 30
  diag "kcore-sim log:"; sed 's/^/# /' "$tmp/sim.err" | tail -n 30
fi
tap_done
