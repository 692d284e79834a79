#!/bin/bash
# sim-scale.sh: how far one kcore-sim process goes.  Starts a fresh API
# server and kcore-sim with NODES hollow nodes, creates PODS pods already
# bound to them (spec.nodeName set, as if scheduled) over keep-alive
# connections, waits until kcore-sim has made every one Running (counted
# through the API), and prints the figures.  Builds nothing.
#
#   bench/sim-scale.sh [BUILD_DIR]
#
# Environment: NODES (5000), PODS (150000), STORE (memory or sqlite),
# CLIENTS (connections creating pods, 8), TIMEOUT (seconds to wait for
# Running, 1800).  Each figure is printed as "sim-scale <metric> <value>
# <unit>".  The data directory goes under $TMPDIR (default /tmp) and is
# removed at the end.
set -u

build=${1:-.}
NODES=${NODES:-5000}
PODS=${PODS:-150000}
STORE=${STORE:-memory}
CLIENTS=${CLIENTS:-8}
TIMEOUT=${TIMEOUT:-1800}
kcore=$build/kcore
sim=$build/kcore-sim
for f in "$kcore" "$sim"; do
  if [ ! -x "$f" ]; then
    echo "sim-scale.sh: $f not found: pass the build directory (make it first)" >&2
    exit 2
  fi
done
case $STORE in
  memory|sqlite) ;;
  *) echo "sim-scale.sh: STORE=$STORE: expected memory or sqlite" >&2; exit 2 ;;
esac
ulimit -n "$(ulimit -Hn)" 2>/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/sim-scale.XXXXXX")
server_pid=
sim_pid=
cleanup () {
  for pid in $sim_pid $server_pid; do
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
url=http://127.0.0.1:$port
{
  printf '[kcore]\ncomponents=apiserver\nplugin-path=%s/plugins\n' "$build"
  printf 'data-dir=%s/data\n[apiserver]\nlisten=127.0.0.1:%s\n' "$work" "$port"
  printf '[store]\nplugin=%s\n' "$STORE"
  [ "$STORE" = sqlite ] && printf 'path=%s/store.db\n' "$work"
} > "$work/api.conf"
"$kcore" --config "$work/api.conf" --component apiserver >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -sf "$url/api/v1/namespaces/default" >/dev/null 2>&1 && break
  sleep 0.1
done
if ! curl -sf "$url/api/v1/namespaces/default" >/dev/null 2>&1; then
  echo "sim-scale.sh: the API server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi

now () { date +%s.%N; }
# cpu_seconds PID: user + system time.
cpu_seconds () {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"
}
mem_kb () { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

echo "sim-scale store $STORE"
echo "sim-scale nodes $NODES"
echo "sim-scale pods $PODS"

# ---- nodes ----
t0=$(now)
"$sim" --server "$url" --nodes "$NODES" --log-level info \
  >"$work/sim.out" 2>"$work/sim.log" &
sim_pid=$!
for _ in $(seq 6000); do
  grep -q 'nodes ready' "$work/sim.out" && break
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q 'nodes ready' "$work/sim.out"; then
  echo "sim-scale.sh: kcore-sim did not register its nodes:" >&2
  tail -20 "$work/sim.log" >&2
  exit 1
fi
t1=$(now)
echo "sim-scale register-nodes $(echo "$t1 - $t0" | bc -l | xargs printf '%.2f') s"
echo "sim-scale sim-rss-after-nodes $(( $(mem_kb $sim_pid VmRSS) / 1024 )) MiB"

# ---- pods: created bound, CLIENTS keep-alive connections ----
cat > "$work/create.py" <<'EOF'
import http.client, json, sys, threading
host, port, pods, nodes, clients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
errors = []
def work(k):
    c = http.client.HTTPConnection(host, port)
    for i in range(k, pods, clients):
        body = json.dumps({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p-%d" % i, "namespace": "default",
                         "labels": {"app": "sim-scale"}},
            "spec": {"nodeName": "hollow-node-%d" % (i % nodes),
                     "containers": [{"name": "app", "image": "registry.example/app:1"}]}})
        c.request("POST", "/api/v1/namespaces/default/pods", body,
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        if r.status != 201 and len(errors) < 5:
            errors.append("%d %s" % (r.status, data[:200]))
threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
if errors:
    print("sim-scale.sh: create errors: %s" % errors, file=sys.stderr)
    sys.exit(1)
EOF
t2=$(now)
python3 "$work/create.py" 127.0.0.1 "$port" "$PODS" "$NODES" "$CLIENTS" || exit 1
t3=$(now)
echo "sim-scale create-pods $(echo "$t3 - $t2" | bc -l | xargs printf '%.1f') s"
echo "sim-scale create-rate $(echo "$PODS / ($t3 - $t2)" | bc -l | xargs printf '%.0f') pods/s"

# ---- wait until every pod is Running (one page of not-Running pods) ----
not_running () {
  curl -s "$url/api/v1/namespaces/default/pods?fieldSelector=status.phase%21%3DRunning&limit=1" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("items", [1])))'
}
deadline=$(( $(date +%s) + TIMEOUT ))
while [ "$(not_running)" != 0 ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "sim-scale.sh: not all pods Running after ${TIMEOUT}s" >&2
    break
  fi
  kill -0 "$sim_pid" 2>/dev/null || { echo "sim-scale.sh: kcore-sim died" >&2; tail "$work/sim.log" >&2; exit 1; }
  sleep 2
done
t4=$(now)
running=$(curl -s "$url/api/v1/namespaces/default/pods?fieldSelector=status.phase%3DRunning" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
echo "sim-scale pods-running $running"
echo "sim-scale all-running-after $(echo "$t4 - $t2" | bc -l | xargs printf '%.1f') s (from the first create)"
echo "sim-scale running-rate $(echo "$running / ($t4 - $t2)" | bc -l | xargs printf '%.0f') pods/s"
echo "sim-scale sim-rss $(( $(mem_kb $sim_pid VmRSS) / 1024 )) MiB"
echo "sim-scale sim-hwm $(( $(mem_kb $sim_pid VmHWM) / 1024 )) MiB"
echo "sim-scale sim-cpu $(cpu_seconds $sim_pid) s"
echo "sim-scale apiserver-rss $(( $(mem_kb $server_pid VmRSS) / 1024 )) MiB"
echo "sim-scale apiserver-hwm $(( $(mem_kb $server_pid VmHWM) / 1024 )) MiB"
echo "sim-scale apiserver-cpu $(cpu_seconds $server_pid) s"
# Leases keep being renewed under the load: the newest renewTime of all.
echo "sim-scale leases $(curl -s "$url/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')"
grep -c WARNING "$work/sim.log" | xargs echo "sim-scale sim-warnings"
