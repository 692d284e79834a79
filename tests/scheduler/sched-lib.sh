# Shared by the scheduler tests: a real kcore (apiserver + scheduler on the
# memory store) and kcore-sim hollow nodes on loopback.  Source tests/tap.sh
# first.  Everything started here is stopped by sched_cleanup (registered
# as the EXIT trap by sched_cluster_start).
#
#   sched_cluster_start EXTRA_CONFIG   config text appended to the file:
#                                      profiles, [scheduler NAME] groups,
#                                      [scheduler] options
#   sim_start ARGS...                  kcore-sim --server $SERVER ARGS
#   kc ARGS...                         kcorectl --server $SERVER ARGS
#   pod_node NS NAME [SECONDS]         waits until the pod is bound, prints
#                                      its node ("" on timeout)
#   pod_json NS NAME                   the pod as JSON
#   all_policy_groups                  one [scheduler NAME] group per policy
#                                      plugin of the tree
#
# Sets $SERVER, $sched_dir (temporary folder), $kcore_pid, $sim_pids.

KCORECTL="$KCORE_BUILDDIR/kcorectl"
KCORE_SIM="$KCORE_BUILDDIR/kcore-sim"
sim_pids=""
kcore_pid=""

sched_cleanup () {
  for p in $sim_pids; do kill "$p" 2>/dev/null; done
  for p in $sim_pids; do wait "$p" 2>/dev/null; done
  if [ -n "$kcore_pid" ]; then
    kill "$kcore_pid" 2>/dev/null
    wait "$kcore_pid" 2>/dev/null
  fi
  [ -n "$sched_dir" ] && rm -rf "$sched_dir"
}

# The policy plugins built in this tree, each under its own name.
all_policy_groups () {
  for p in node-unschedulable node-name taint-toleration node-affinity \
           node-resources-fit inter-pod-affinity pod-topology-spread \
           spread binpack balanced-allocation; do
    printf '[scheduler %s]\nplugin=%s\n' "$p" "$p"
  done
}

# sched_write_config FILE PORT EXTRA: the cluster config.
sched_write_config () {
  cat > "$1" <<CONF
[kcore]
components=apiserver;scheduler
plugin-path=$KCORE_BUILDDIR/plugins
data-dir=$sched_dir/data
# No api-servers: the scheduler finds this node's API server by its listen.
[apiserver]
listen=127.0.0.1:$2
[store]
plugin=memory
$3
CONF
}

sched_cluster_start () {
  sched_dir=$(mktemp -d /tmp/kcore-sched-test.XXXXXX)
  trap sched_cleanup EXIT
  sched_port=$(free_port)
  SERVER=http://127.0.0.1:$sched_port
  sched_write_config "$sched_dir/cluster.conf" "$sched_port" "$1"
  "$KCORE" --config "$sched_dir/cluster.conf" >"$sched_dir/kcore.log" 2>&1 &
  kcore_pid=$!
  if ! wait_for 20 curl -sf "$SERVER/readyz"; then
    diag "kcore did not become ready:"; sed 's/^/# /' "$sched_dir/kcore.log"
    return 1
  fi
}

sim_start () {
  log="$sched_dir/sim.$(echo "$sim_pids" | wc -w).log"
  "$KCORE_SIM" --server "$SERVER" "$@" >"$log" 2>&1 &
  sim_pids="$sim_pids $!"
  if ! wait_for 30 grep -q "nodes ready" "$log"; then
    diag "kcore-sim did not get ready:"; sed 's/^/# /' "$log"
    return 1
  fi
}

kc () { "$KCORECTL" --server "$SERVER" "$@"; }

pod_json () {
  curl -sf "$SERVER/api/v1/namespaces/$1/pods/$2"
}

# Looks at least once, also with SECONDS 0.
pod_node () {
  limit=$(( ${3:-20} * 10 ))
  i=0
  while :; do
    node=$(pod_json "$1" "$2" | python3 -c \
      'import json,sys; print(json.load(sys.stdin)["spec"].get("nodeName",""))' \
      2>/dev/null)
    if [ -n "$node" ]; then echo "$node"; return 0; fi
    i=$((i + 1))
    [ $i -ge $limit ] && break
    sleep 0.1
  done
  echo ""
}
