#!/bin/sh
# A scheduling policy written out of tree: kcore is installed into a staging
# root (make install DESTDIR=..., as tests/daemon/sdk.sh does), the example
# docs/examples/scheduler-policy is built there with nothing but
# `pkg-config kcore-plugin` and installed into kcore's plugin folder with its
# own `make install`, and the installed kcore runs a cluster whose profiles
# use it: pods then land on the hollow nodes that carry the label.
. "$KCORE_SRCDIR/tests/tap.sh"
. "$KCORE_SRCDIR/tests/scheduler/sched-lib.sh"
tmp=$(mktemp -d)
trap 'sched_cleanup; rm -rf "$tmp"' EXIT
root="$tmp/root"

if ! make -C "$KCORE_BUILDDIR" install DESTDIR="$root" >"$tmp/install.log" 2>&1; then
  fail "make install DESTDIR"; diag "$(tail -n 20 "$tmp/install.log")"; tap_done; exit 1
fi
ok "make install DESTDIR"

# Where `make install` puts things, from the Makefile (AM_TESTS_ENVIRONMENT).
libdir=$KCORE_LIBDIR bindir=$KCORE_BINDIR
export PKG_CONFIG_PATH="$root$libdir/pkgconfig"
# kcore-plugin.pc is relocatable: found under the staging root, its
# plugindir is the staged plugin folder.
plugindir=$(cd "$(pkg-config --variable=plugindir kcore-plugin)" && pwd)
check "kcore/scheduler.h installed" test -f "$root$KCORE_INCLUDEDIR/kcore/scheduler.h"

cp -r "$KCORE_SRCDIR/docs/examples/scheduler-policy" "$tmp/policy"
chmod -R u+w "$tmp/policy"
if make -C "$tmp/policy" >"$tmp/build.log" 2>&1 &&
   make -C "$tmp/policy" install >>"$tmp/build.log" 2>&1; then
  ok "the example policy builds and installs out of tree with pkg-config"
else
  fail "the example policy builds and installs out of tree with pkg-config"
  diag "$(cat "$tmp/build.log")"; tap_done; exit 1
fi
check "installed as scheduler-prefer-label.so in the plugin folder" \
  test -f "$plugindir/scheduler-prefer-label.so"
exported=$(nm -D --defined-only "$plugindir/scheduler-prefer-label.so" | awk '$2 == "T" {print $3}')
expect_eq "it exports only its entry point" kcore_plugin_entry "$exported"

# The installed kcore, looking for plugins in the installed folder only.
cat > "$tmp/kcore" <<SH
#!/bin/sh
LD_LIBRARY_PATH="$root$libdir" exec "$root$bindir/kcore" "\$@" --set "kcore.plugin-path=$plugindir"
SH
chmod +x "$tmp/kcore"
KCORE="$tmp/kcore"

out=$("$KCORE" --config "$KCORE_SRCDIR/docs/examples/scheduler-policy/example.conf" --check 2>&1); rc=$?
expect_eq "example.conf passes kcore --check" 0 "$rc"
line=$(echo "$out" | grep '^\[scheduler prefer-label\]')
expect_eq "--check lists the example policy" \
  "[scheduler prefer-label] plugin=prefer-label kind=scheduler interface=1 version=1.0.0 path=$plugindir/scheduler-prefer-label.so" \
  "$line"
[ "$rc" = 0 ] || diag "$out"

COMMON="node-unschedulable;node-name;taint-toleration;node-affinity;node-resources-fit"

# cluster REQUIRED: the installed kcore with the policy (option required=
# REQUIRED) in the profile default-scheduler, which counts its score five
# times, and a profile plain-scheduler without it; 4 plain hollow nodes
# (slow-N) and 2 labelled tier=fast (fast-N).  A cluster running before is
# stopped first: one plugin serves one [scheduler NAME] group, so the two
# settings of the option need a cluster each.
cluster () {
  sched_cleanup; sim_pids=""; kcore_pid=""
  if ! sched_cluster_start "[scheduler]
profiles=default-scheduler;plain-scheduler
[profile default-scheduler]
plugins=$COMMON;prefer-label;spread
weights=prefer-label=5
[profile plain-scheduler]
plugins=$COMMON;spread
$(all_policy_groups)
[scheduler prefer-label]
plugin=prefer-label
label-key=tier
label-value=fast
required=$1"; then
    fail "the installed kcore runs a scheduler with the policy (required=$1)"
    tap_done; exit 1
  fi
  # sched_cluster_start set its own EXIT trap.
  trap 'sched_cleanup; rm -rf "$tmp"' EXIT
  ok "the installed kcore runs a scheduler with the policy (required=$1)"
  if ! sim_start --nodes 4,prefix=slow-,cpu=8,memory=16Gi \
       --nodes 2,prefix=fast-,cpu=8,memory=16Gi,labels=tier=fast; then
    fail "kcore-sim registers 4 plain and 2 labelled nodes"; tap_done; exit 1
  fi
}

# mkpod NAME SCHEDULER [SPEC_MEMBERS]
mkpod () {
  cat > "$tmp/pod.json" <<JSON
{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "$1", "namespace": "default"},
 "spec": {"schedulerName": "$2",
          "containers": [{"name": "c", "image": "pause",
                          "resources": {"requests": {"cpu": "500m"}}}]${3:+, $3}}}
JSON
  curl -sf -X POST -H 'Content-Type: application/json' --data @"$tmp/pod.json" \
    "$SERVER/api/v1/namespaces/default/pods" >/dev/null ||
    diag "could not create pod $1"
}

# expect_on DESCRIPTION NODE_PREFIX POD_PREFIX: pods POD_PREFIX-0..3 are
# all bound to nodes whose names start with NODE_PREFIX.
expect_on () {
  nodes=$(for i in 0 1 2 3; do pod_node default "$3-$i" 20; done)
  if [ "$(printf '%s\n' "$nodes" | grep -c "^$2")" = 4 ]; then ok "$1"
  else fail "$1"; diag "nodes: $(echo $nodes)"; fi
}

cluster false
for i in 0 1 2 3; do mkpod pref-$i default-scheduler; done
expect_on "prefer-label (weight 5): 4 pods on the labelled nodes" fast- pref
# Without the policy, spreading sends the next pods to the idle nodes.
for i in 0 1 2 3; do mkpod plain-$i plain-scheduler; done
expect_on "a profile without it places them on the plain nodes" slow- plain

cluster true
for i in 0 1 2 3; do mkpod strict-$i default-scheduler; done
expect_on "required=true: 4 pods on the labelled nodes" fast- strict
mkpod strict-pinned default-scheduler '"nodeSelector": {"kubernetes.io/hostname": "slow-0"}'
msg=""
i=0
while [ $i -lt 100 ] && [ -z "$msg" ]; do
  msg=$(pod_json default strict-pinned | python3 -c '
import json, sys
for c in json.load(sys.stdin).get("status", {}).get("conditions", []):
    if c.get("type") == "PodScheduled" and c.get("reason") == "Unschedulable":
        print(c.get("message", ""))' 2>/dev/null)
  sleep 0.1; i=$((i + 1))
done
case "$msg" in
  *"1 node(s) didn't have label tier=fast"*)
    ok "required=true: a pod pinned to a plain node stays Pending with the policy's reason"
    diag "$msg" ;;
  *) fail "required=true: a pod pinned to a plain node stays Pending with the policy's reason"
     diag "message: $msg" ;;
esac

tap_done
