#!/bin/sh
# The built-in scheduling policies end to end: a real kcore (apiserver +
# scheduler, memory store) with kcore-sim hollow nodes on loopback.  Each
# case has its own node group, selected by the label case=NAME, so that the
# cases do not disturb one another without having to wait for deletions.
. "$KCORE_SRCDIR/tests/tap.sh"
. "$KCORE_SRCDIR/tests/scheduler/sched-lib.sh"

NS=policies
COMMON="node-unschedulable;node-name;taint-toleration;node-affinity;node-resources-fit"

groups=""
for p in node-unschedulable node-name taint-toleration node-affinity \
         node-resources-fit spread binpack balanced-allocation; do
  groups="$groups
[scheduler $p]
plugin=$p"
done

if ! sched_cluster_start "[scheduler]
profiles=default-scheduler;binpack-scheduler
[profile default-scheduler]
plugins=$COMMON;spread;balanced-allocation
weights=taint-toleration=3;node-affinity=2
[profile binpack-scheduler]
plugins=$COMMON;binpack;balanced-allocation
weights=taint-toleration=3;node-affinity=2
$groups"; then
  fail "kcore with the scheduler starts"; tap_done; exit 1
fi
ok "kcore with the scheduler starts"

# Node groups: NAME-0, NAME-1, ... (kcore-sim names nodes PREFIX + index).
if ! sim_start \
    --nodes 2,prefix=res-,cpu=2,memory=4Gi,labels=case=res \
    --nodes 1,prefix=tiny-,cpu=4,memory=4Gi,pods=2,labels=case=tiny \
    --nodes 2,prefix=ssd-,cpu=4,memory=4Gi,labels=case=sel\;disk=ssd\;tier=3\;fast=yes \
    --nodes 2,prefix=hdd-,cpu=4,memory=4Gi,labels=case=sel\;disk=hdd\;tier=1 \
    --nodes 1,prefix=gpu-,cpu=4,memory=4Gi,labels=case=taint\;kind=gpu,taints=dedicated=gpu:NoSchedule \
    --nodes 1,prefix=soft-,cpu=4,memory=4Gi,labels=case=taint,taints=lowprio=yes:PreferNoSchedule \
    --nodes 1,prefix=clean-,cpu=4,memory=4Gi,labels=case=taint \
    --nodes 2,prefix=cor-,cpu=4,memory=4Gi,labels=case=cordon \
    --nodes 4,prefix=spr-,cpu=4,memory=4Gi,labels=case=spread \
    --nodes 4,prefix=bin-,cpu=4,memory=4Gi,labels=case=binpack \
    --nodes 2,prefix=bal-,cpu=4,memory=4Gi,labels=case=bal; then
  fail "kcore-sim registers the nodes"; tap_done; exit 1
fi
N_NODES=22
ok "kcore-sim registers the nodes"

curl -sf -X POST -H 'Content-Type: application/json' \
  --data "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$NS\"}}" \
  "$SERVER/api/v1/namespaces" >/dev/null

# mkpod NAME REQUESTS [SPEC_MEMBERS]: creates pod NAME whose one container
# requests REQUESTS (JSON members, e.g. '"cpu":"1"'), with SPEC_MEMBERS
# (JSON members of spec, e.g. '"nodeSelector":{"case":"res"}') added.
mkpod () {
  cat > "$sched_dir/pod.json" <<JSON
{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "$1", "namespace": "$NS"},
 "spec": {"containers": [{"name": "c", "image": "pause",
                          "resources": {"requests": {$2}}}]${3:+, $3}}}
JSON
  if ! curl -sf -X POST -H 'Content-Type: application/json' \
       --data @"$sched_dir/pod.json" "$SERVER/api/v1/namespaces/$NS/pods" \
       >/dev/null; then
    diag "could not create pod $1:"; sed 's/^/# /' "$sched_dir/pod.json"
  fi
}

# pod_unschedulable NAME: waits until the pod has the condition
# PodScheduled=False reason Unschedulable and prints its message.
pod_unschedulable () {
  i=0
  while [ $i -lt 100 ]; do
    msg=$(pod_json "$NS" "$1" | python3 -c '
import json, sys
pod = json.load(sys.stdin)
for c in pod.get("status", {}).get("conditions", []):
    if (c.get("type") == "PodScheduled" and c.get("status") == "False"
            and c.get("reason") == "Unschedulable"):
        print(c.get("message", "")); break
' 2>/dev/null)
    if [ -n "$msg" ]; then echo "$msg"; return 0; fi
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

# expect_match DESCRIPTION PATTERN TEXT (grep -E)
expect_match () {
  if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"
  else fail "$1"; diag "expected to match: $2"; diag "actual: $3"; fi
}

# expect_pending DESCRIPTION NAME PATTERN: the pod stays unscheduled, its
# condition message matches PATTERN, and it has no node.
expect_pending () {
  m=$(pod_unschedulable "$2")
  node=$(pod_json "$NS" "$2" | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["spec"].get("nodeName",""))')
  if [ -n "$node" ]; then fail "$1"; diag "$2 was bound to $node"; return; fi
  expect_match "$1" "$3" "$m"
  diag "$2: $m"
}

# nodes_of NAME...: the nodes of the pods, one per line (waits for each).
nodes_of () {
  for p in "$@"; do pod_node "$NS" "$p" 10; done
}

# all_in PREFIX NODES: every line of NODES starts with PREFIX.
all_in () {
  [ -n "$2" ] && ! printf '%s\n' "$2" | grep -qv "^$1"
}

# expect_all_in DESCRIPTION PREFIX NODES
expect_all_in () {
  if all_in "$2" "$3"; then ok "$1"
  else fail "$1"; diag "expected every node to start with $2, got:"
    printf '%s\n' "$3" | sed 's/^/#   /'; fi
}

sel () { printf '"nodeSelector": {"case": "%s"}' "$1"; }

# ---- node-resources-fit ----------------------------------------------------
mkpod huge '"cpu": "100", "memory": "1Ti"'
msg=$(pod_unschedulable huge)
diag "huge: $msg"
expect_match "too much cpu: Pending, PodScheduled=False Unschedulable" \
  "^0/$N_NODES nodes are available: " "$msg"
expect_match "too much cpu: the message counts Insufficient cpu" \
  "(: |, )[0-9]+ Insufficient cpu" "$msg"
expect_match "every short resource is a reason: Insufficient memory too" \
  "(: |, )[0-9]+ Insufficient memory" "$msg"

# The effective request is the larger of the containers' sum and the
# largest init container: 1500m here (not 100m), so on its 2-cpu node there
# is room for 400m more, and then not for 200m more.
init='"initContainers": [{"name": "init", "image": "pause",
  "resources": {"requests": {"cpu": "1500m"}}}]'
mkpod init-a '"cpu": "100m"' "$(sel res), $init"
node_a=$(pod_node "$NS" init-a 10)
expect_all_in "a pod with a big init container fits on a 2-cpu node" res- "$node_a"
pin_a='"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["'$node_a'"]}]}]}}}'
mkpod pin-fit '"cpu": "400m"' "$pin_a"
expect_eq "init container counting: 400m more still fits beside it" \
  "$node_a" "$(pod_node "$NS" pin-fit 10)"
mkpod pin-over '"cpu": "200m"' "$pin_a"
expect_pending "init container counting: 200m more does not (1500m counted)" \
  pin-over "(: |, )1 Insufficient cpu"
init3='"initContainers": [{"name": "init", "image": "pause",
  "resources": {"requests": {"cpu": "3"}}}]'
mkpod init-big '"cpu": "100m"' "$(sel res), $init3"
expect_pending "an init container larger than every node: Insufficient cpu" \
  init-big "[0-9]+ Insufficient cpu"

mkpod tiny-1 '"cpu": "10m"' "$(sel tiny)"
mkpod tiny-2 '"cpu": "10m"' "$(sel tiny)"
expect_all_in "a pods=2 node takes two pods" tiny-0 "$(nodes_of tiny-1 tiny-2)"
mkpod tiny-3 '"cpu": "10m"' "$(sel tiny)"
expect_pending "the third pod on a pods=2 node: Too many pods" tiny-3 \
  "(: |, )1 Too many pods"

# ---- node-affinity -----------------------------------------------------------
mkpod sel-1 '"cpu": "10m"' '"nodeSelector": {"case": "sel", "disk": "ssd"}'
mkpod sel-2 '"cpu": "10m"' '"nodeSelector": {"case": "sel", "disk": "ssd"}'
mkpod sel-3 '"cpu": "10m"' '"nodeSelector": {"case": "sel", "disk": "ssd"}'
expect_all_in "nodeSelector: pods land only on labelled nodes" ssd- \
  "$(nodes_of sel-1 sel-2 sel-3)"
mkpod sel-none '"cpu": "10m"' '"nodeSelector": {"disk": "nvme"}'
expect_pending "nodeSelector matching no node: Pending, says why" sel-none \
  "node\\(s\\) didn't match Pod's node affinity/selector"

# required node affinity: one expression of each operator under test, ANDed
# with case In [sel].
required () {
  printf '"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "case", "operator": "In", "values": ["sel"]}, %s]}]}}}' "$1"
}
for i in 1 2; do
  mkpod in-$i '"cpu": "10m"' "$(required '{"key": "disk", "operator": "In", "values": ["hdd"]}')"
  mkpod notin-$i '"cpu": "10m"' "$(required '{"key": "disk", "operator": "NotIn", "values": ["ssd"]}')"
  mkpod exists-$i '"cpu": "10m"' "$(required '{"key": "fast", "operator": "Exists"}')"
  mkpod gt-$i '"cpu": "10m"' "$(required '{"key": "tier", "operator": "Gt", "values": ["2"]}')"
done
expect_all_in "required node affinity In" hdd- "$(nodes_of in-1 in-2)"
expect_all_in "required node affinity NotIn" hdd- "$(nodes_of notin-1 notin-2)"
expect_all_in "required node affinity Exists" ssd- "$(nodes_of exists-1 exists-2)"
expect_all_in "required node affinity Gt" ssd- "$(nodes_of gt-1 gt-2)"

# preferred: ssd nodes now hold more pods than hdd ones (7 to 4, so
# spread prefers hdd), yet the preference (weight 2 in the profile) wins.
preferred='"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 50, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}}]}}'
for i in 1 2 3; do
  mkpod pref-$i '"cpu": "10m"' "$(sel sel), $preferred"
done
expect_all_in "preferred node affinity: pods land on preferred nodes" ssd- \
  "$(nodes_of pref-1 pref-2 pref-3)"

# ---- taint-toleration -------------------------------------------------------
for i in 1 2 3; do mkpod taint-$i '"cpu": "10m"' "$(sel taint)"; done
taint_nodes=$(nodes_of taint-1 taint-2 taint-3)
if [ -n "$taint_nodes" ] && ! printf '%s\n' "$taint_nodes" | grep -q '^gpu-'; then
  ok "a NoSchedule taint keeps pods without a toleration off"
else
  fail "a NoSchedule taint keeps pods without a toleration off"
  printf '%s\n' "$taint_nodes" | sed 's/^/#   /'
fi
expect_all_in "a PreferNoSchedule taint is avoided when other nodes fit" \
  clean- "$taint_nodes"
mkpod gpu-no '"cpu": "10m"' '"nodeSelector": {"kind": "gpu"}'
expect_pending "an untolerated taint is named in the message" gpu-no \
  "(: |, )1 node\\(s\\) had untolerated taint \\{dedicated: gpu\\}"
mkpod gpu-yes '"cpu": "10m"' '"nodeSelector": {"kind": "gpu"},
  "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu",
                   "effect": "NoSchedule"}]'
expect_all_in "a tolerated NoSchedule taint lets the pod in" gpu-0 \
  "$(pod_node "$NS" gpu-yes 10)"

# ---- node-unschedulable --------------------------------------------------------
kc cordon cor-0 >/dev/null
# The scheduler learns of the cordon through its node watch, which is not
# ordered with the pod watch: give it a moment.
sleep 1
for i in 1 2 3 4; do mkpod cordon-$i '"cpu": "10m"' "$(sel cordon)"; done
expect_all_in "kc cordon keeps new pods off the node" cor-1 \
  "$(nodes_of cordon-1 cordon-2 cordon-3 cordon-4)"
mkpod cordon-sel '"cpu": "10m"' '"nodeSelector": {"case": "cordon"},
  "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["cor-0"]}]}]}}}'
expect_pending "a pod that can only go to a cordoned node: Pending" \
  cordon-sel "(: |, )1 node\\(s\\) were unschedulable"

# ---- spread vs binpack -------------------------------------------------------
for i in 1 2 3 4 5 6 7 8; do
  mkpod spread-$i '"cpu": "100m", "memory": "100Mi"' "$(sel spread)"
  mkpod binpack-$i '"cpu": "100m", "memory": "100Mi"' \
    "$(sel binpack), \"schedulerName\": \"binpack-scheduler\""
done
spread_nodes=$(nodes_of spread-1 spread-2 spread-3 spread-4 spread-5 \
                        spread-6 spread-7 spread-8)
binpack_nodes=$(nodes_of binpack-1 binpack-2 binpack-3 binpack-4 binpack-5 \
                         binpack-6 binpack-7 binpack-8)
counts=$(printf '%s\n' "$spread_nodes" | grep -v '^$' | sort | uniq -c \
         | awk '{print $1}' | tr '\n' ' ')
expect_eq "spread: 8 pods on 4 equal nodes go 2 to each node" "2 2 2 2 " "$counts"
distinct=$(printf '%s\n' "$binpack_nodes" | grep -v '^$' | sort -u | wc -l)
placed=$(printf '%s\n' "$binpack_nodes" | grep -c '^bin-')
expect_eq "binpack-scheduler: all 8 pods bound" 8 "$placed"
expect_eq "binpack-scheduler: 8 pods pile onto one node" 1 "$distinct"

# ---- balanced-allocation ------------------------------------------------------
# bal-0 already uses 50% cpu / 25% memory, bal-1 25% cpu / 50% memory.  With
# 1 cpu and 256Mi more, the least-allocated scores tie (46 each) but bal-1
# ends balanced (50% / 56%) and bal-0 not (75% / 31%): bal-1 must win.
mkpod bal-load-0 '"cpu": "2", "memory": "1Gi"' '"nodeName": "bal-0"'
mkpod bal-load-1 '"cpu": "1", "memory": "2Gi"' '"nodeName": "bal-1"'
mkpod balanced '"cpu": "1", "memory": "256Mi"' "$(sel bal)"
expect_eq "balanced-allocation: the node left balanced wins" bal-1 \
  "$(pod_node "$NS" balanced 10)"

tap_done
