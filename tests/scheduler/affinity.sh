#!/bin/sh
# inter-pod-affinity and pod-topology-spread end to end: a real kcore
# (apiserver + scheduler, memory store) with six kcore-sim hollow nodes in
# three zones (hollow-node-N is in zone-(N mod 3)).  Both policies only
# look at pods of the pod's own namespace (unless a term names others), so
# each case runs in a namespace of its own on the same nodes.
. "$KCORE_SRCDIR/tests/tap.sh"
. "$KCORE_SRCDIR/tests/scheduler/sched-lib.sh"

ZONE=topology.kubernetes.io/zone
HOST=kubernetes.io/hostname

if ! sched_cluster_start "[scheduler]
profiles=default-scheduler
[profile default-scheduler]
plugins=node-unschedulable;node-name;taint-toleration;node-affinity;node-resources-fit;inter-pod-affinity;pod-topology-spread;spread;balanced-allocation
weights=taint-toleration=3;node-affinity=2;inter-pod-affinity=5;pod-topology-spread=5
$(all_policy_groups)"; then
  fail "kcore with the scheduler starts"; tap_done; exit 1
fi
ok "kcore with the scheduler starts"

if ! sim_start --nodes 6,cpu=8,memory=16Gi,pods=110,zones=3; then
  fail "kcore-sim registers 6 nodes in 3 zones"; tap_done; exit 1
fi
ok "kcore-sim registers 6 nodes in 3 zones"

post () {
  curl -sf -X POST -H 'Content-Type: application/json' --data @"$2" \
    "$SERVER$1" >/dev/null
}

mkns () {
  printf '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%s"}}' \
    "$1" > "$sched_dir/ns.json"
  post /api/v1/namespaces "$sched_dir/ns.json"
}

# mkpod NS NAME APP [SPEC_MEMBERS]: pod NAME labelled app=APP, with
# SPEC_MEMBERS (JSON members of spec) added.
mkpod () {
  cat > "$sched_dir/pod.json" <<JSON
{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "$2", "namespace": "$1", "labels": {"app": "$3"}},
 "spec": {"schedulerName": "default-scheduler",
          "containers": [{"name": "c", "image": "pause"}]${4:+, $4}}}
JSON
  if ! post "/api/v1/namespaces/$1/pods" "$sched_dir/pod.json"; then
    diag "could not create pod $1/$2:"; sed 's/^/# /' "$sched_dir/pod.json"
  fi
}

# zone_of NODE: the zone kcore-sim gave it.
zone_of () {
  [ -n "$1" ] || { echo "none"; return; }
  echo "zone-$(( ${1##*-} % 3 ))"
}

# pod_unschedulable NS NAME: waits until the pod has the condition
# PodScheduled=False reason Unschedulable and prints its message.
pod_unschedulable () {
  i=0
  while [ $i -lt 100 ]; do
    msg=$(pod_json "$1" "$2" | python3 -c '
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

# expect_pending DESCRIPTION NS NAME TEXT: the pod stays unscheduled and
# its condition message contains TEXT.
expect_pending () {
  m=$(pod_unschedulable "$2" "$3")
  node=$(pod_json "$2" "$3" | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["spec"].get("nodeName",""))')
  if [ -n "$node" ]; then fail "$1"; diag "$3 was bound to $node"; return; fi
  case "$m" in
    *"$4"*) ok "$1"; diag "$m" ;;
    *) fail "$1"; diag "expected the message to contain: $4"
       diag "actual: $m" ;;
  esac
}

# expect_lines DESCRIPTION EXPECTED_COUNT TEXT: TEXT has that many distinct
# non-empty lines.
expect_distinct () {
  n=$(printf '%s\n' "$3" | grep -v '^$' | grep -v '^none$' | sort -u | wc -l)
  expect_eq "$1" "$2" "$n"
  [ "$n" = "$2" ] || diag "got: $(printf '%s' "$3" | tr '\n' ' ')"
}

term () { # term APP TOPOLOGY_KEY: a PodAffinityTerm selecting app=APP
  printf '{"labelSelector": {"matchLabels": {"app": "%s"}}, "topologyKey": "%s"}' \
    "$1" "$2"
}
required () { # required KIND APP KEY
  printf '"affinity": {"%s": {"requiredDuringSchedulingIgnoredDuringExecution": [%s]}}' \
    "$1" "$(term "$2" "$3")"
}
preferred () { # preferred KIND APP KEY WEIGHT
  printf '"affinity": {"%s": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": %s, "podAffinityTerm": %s}]}}' \
    "$1" "$4" "$(term "$2" "$3")"
}
spread () { # spread MAXSKEW KEY WHEN APP [EXTRA_MEMBERS]
  printf '"topologySpreadConstraints": [{"maxSkew": %s, "topologyKey": "%s", "whenUnsatisfiable": "%s", "labelSelector": {"matchLabels": {"app": "%s"}}%s}]' \
    "$1" "$2" "$3" "$4" "${5:+, $5}"
}
in_zone () { printf '"nodeSelector": {"%s": "%s"}' "$ZONE" "$1"; }
on_node () { printf '"nodeSelector": {"%s": "%s"}' "$HOST" "$1"; }

for ns in anti aff self repel tsc skew soft pref; do mkns $ns; done

# ---- required anti-affinity on the hostname --------------------------------
# Six replicas created at once: the scheduler must see the ones it has just
# placed (assumed) to keep them apart.
for i in 0 1 2 3 4 5; do mkpod anti web-$i web "$(required podAntiAffinity web $HOST)"; done
nodes=$(for i in 0 1 2 3 4 5; do pod_node anti web-$i 20; done)
expect_distinct "anti-affinity on $HOST: 6 replicas on 6 different nodes" 6 "$nodes"
mkpod anti web-6 web "$(required podAntiAffinity web $HOST)"
expect_pending "the 7th replica stays Pending: anti-affinity" anti web-6 \
  "6 node(s) didn't match pod anti-affinity rules"

# ---- required affinity to a zone --------------------------------------------
mkpod aff db db "$(on_node hollow-node-4)"
db_zone=$(zone_of "$(pod_node aff db 20)")
expect_eq "the target pod runs in zone-1" zone-1 "$db_zone"
for i in 0 1 2; do mkpod aff app-$i client "$(required podAffinity db $ZONE)"; done
zones=$(for i in 0 1 2; do zone_of "$(pod_node aff app-$i 20)"; done | sort -u)
expect_eq "affinity to app=db by zone: all 3 pods in the zone of db" \
  "$db_zone" "$zones"
mkpod aff orphan client "$(required podAffinity nosuch $ZONE)"
expect_pending "affinity to a pod that exists nowhere: Pending" aff orphan \
  "node(s) didn't match pod affinity rules"

# The first pod of a group with affinity to itself goes anywhere; the next
# ones follow it.
mkpod self cache-0 cache "$(required podAffinity cache $ZONE)"
first=$(zone_of "$(pod_node self cache-0 20)")
check "a pod with affinity to itself and no peer yet is placed" \
  test "$first" != none
for i in 1 2 3; do mkpod self cache-$i cache "$(required podAffinity cache $ZONE)"; done
zones=$(for i in 1 2 3; do zone_of "$(pod_node self cache-$i 20)"; done | sort -u)
expect_eq "its peers join it in $first" "$first" "$zones"

# ---- existing pods' anti-affinity -------------------------------------------
mkpod repel loner loner "$(required podAntiAffinity noisy $ZONE), $(on_node hollow-node-2)"
expect_eq "the pod with anti-affinity to app=noisy runs on hollow-node-2" \
  hollow-node-2 "$(pod_node repel loner 20)"
for i in 0 1 2 3; do mkpod repel noisy-$i noisy; done
zones=$(for i in 0 1 2 3; do zone_of "$(pod_node repel noisy-$i 20)"; done | sort -u)
if [ -n "$zones" ] && ! printf '%s\n' "$zones" | grep -q -e zone-2 -e none; then
  ok "app=noisy pods keep out of zone-2 (existing anti-affinity)"
else
  fail "app=noisy pods keep out of zone-2 (existing anti-affinity)"
  diag "zones: $(echo $zones)"
fi
mkpod repel noisy-pinned noisy "$(on_node hollow-node-5)"
expect_pending "an app=noisy pod pinned into zone-2: Pending" repel noisy-pinned \
  "1 node(s) didn't satisfy existing pods anti-affinity rules"

# ---- topology spread: DoNotSchedule -----------------------------------------
for i in 0 1 2 3 4 5; do mkpod tsc s-$i spread "$(spread 1 $ZONE DoNotSchedule spread)"; done
counts=$(for i in 0 1 2 3 4 5; do zone_of "$(pod_node tsc s-$i 20)"; done |
  sort | uniq -c | awk '{print $1}' | tr '\n' ' ')
expect_eq "maxSkew=1 over 3 zones: 6 pods land 2/2/2" "2 2 2 " "$counts"

# Two matching pods in zone-0; one more there would make the skew 3.
mkpod skew plain-0 skew "$(in_zone zone-0)"
mkpod skew plain-1 skew "$(in_zone zone-0)"
pod_node skew plain-0 20 >/dev/null; pod_node skew plain-1 20 >/dev/null
mkpod skew tight skew "$(spread 1 $ZONE DoNotSchedule skew '"nodeAffinityPolicy": "Ignore"'), $(in_zone zone-0)"
expect_pending "DoNotSchedule with the skew exceeded: Pending" skew tight \
  "node(s) didn't match pod topology spread constraints"
mkpod skew norack skew "$(spread 1 example.com/rack DoNotSchedule skew)"
expect_pending "DoNotSchedule on a key no node has: Pending" skew norack \
  "6 node(s) didn't match pod topology spread constraints (missing required label)"

# ---- topology spread: ScheduleAnyway ----------------------------------------
mkpod soft f-0 soft "$(in_zone zone-0)"
mkpod soft f-1 soft "$(in_zone zone-0)"
mkpod soft f-2 soft "$(in_zone zone-1)"
for i in 0 1 2; do pod_node soft f-$i 20 >/dev/null; done
mkpod soft flexible soft "$(spread 1 $ZONE ScheduleAnyway soft)"
expect_eq "ScheduleAnyway: the pod goes to the emptier zone" zone-2 \
  "$(zone_of "$(pod_node soft flexible 20)")"

# ---- preferred anti-affinity --------------------------------------------------
# One at a time: each sees the ones before it.
zones=""
for i in 0 1 2; do
  mkpod pref p-$i pref "$(preferred podAntiAffinity pref $ZONE 100)"
  zones="$zones
$(zone_of "$(pod_node pref p-$i 20)")"
done
expect_distinct "preferred anti-affinity by zone: 3 pods in 3 zones" 3 "$zones"
mkpod pref p-3 pref "$(preferred podAntiAffinity pref $ZONE 100)"
check "a 4th pod is still placed (a preference, not a rule)" \
  test -n "$(pod_node pref p-3 20)"

tap_done
