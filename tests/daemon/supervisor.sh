#!/bin/sh
# The supervisor runs each component as its own process, restarts one that
# is killed, and stops them all on SIGTERM, exiting 0.
. "$KCORE_SRCDIR/tests/tap.sh"
tmp=$(mktemp -d)
sup=
cleanup () {
  # End only what this test started, by PID.
  if [ -n "$sup" ] && kill -0 "$sup" 2>/dev/null; then
    for c in $(pgrep -P "$sup"); do kill -9 "$c" 2>/dev/null; done
    kill -9 "$sup" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

port=$(free_port)
cat > "$tmp/kcore.conf" <<CONF
[kcore]
components=apiserver
data-dir=$tmp/data
stop-timeout-seconds=5
[apiserver]
listen=127.0.0.1:$port
[store]
plugin=memory
CONF

healthy () { [ "$(curl -s -m 2 "http://127.0.0.1:$port/healthz")" = ok ]; }
component_pid () { pgrep -P "$sup" | head -n 1; }

"$KCORE" --config "$tmp/kcore.conf" 2>"$tmp/log" &
sup=$!
check "apiserver answers /healthz" wait_for 20 healthy
check "apiserver is ready (its store answers)" \
  sh -c "[ \"\$(curl -s -m 2 http://127.0.0.1:$port/readyz)\" = ok ]"
# The API server reports the plugins it loaded (for `kcorectl plugins`).
report () {
  curl -s -m 2 "http://127.0.0.1:$port/api/v1/namespaces/kube-system/configmaps/kcore-plugins" |
    python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]["apiserver"]; p=json.loads(d)[0]; print(p["role"], p["name"], p["kind"], p["interface"])'
}
wait_for 10 report
expect_eq "the API server reports its store plugin" "store memory store 1" "$(report 2>&1)"

# The README's sample workload applies through the supervised API server.
kubectl=${KCORE_KUBECTL:-/opt/kcore-tools/kubectl-1.20/usr/bin/kubectl}
out=$(KUBECONFIG=/dev/null "$kubectl" --server "http://127.0.0.1:$port" \
        --cache-dir "$tmp/kcache" apply -f "$KCORE_SRCDIR/conf/samples/hello.yaml" 2>&1)
expect_eq "the sample workload applies" \
  "namespace/demo created
configmap/hello-config created
deployment.apps/hello created
service/hello created" "$out"

first=$(component_pid)
check "the component runs as a child process" test -n "$first"
case $(tr '\0' ' ' < "/proc/$first/cmdline") in
  *"--component apiserver"*) ok "the child is 'kcore --component apiserver'" ;;
  *) fail "the child is 'kcore --component apiserver'" ;; esac

kill -9 "$first"
restarted () { p=$(component_pid); [ -n "$p" ] && [ "$p" != "$first" ] && healthy; }
check "a killed component is restarted" wait_for 20 restarted
check "the restart is logged with the signal" \
  grep -q "component apiserver (pid $first) was killed by signal 9" "$tmp/log"
second=$(component_pid)

kill -TERM "$sup"
wait "$sup"; rc=$?
expect_eq "SIGTERM stops the supervisor with status 0" 0 "$rc"
check "the component is gone" sh -c "! kill -0 $second 2>/dev/null"
check "the stop is logged" grep -q "all components stopped" "$tmp/log"
grep -q "ERROR\|AddressSanitizer\|runtime error" "$tmp/log" && { fail "no errors in the log"; diag "$(cat "$tmp/log")"; } || ok "no errors in the log"
sup=

tap_done
