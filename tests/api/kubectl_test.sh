#!/bin/sh
# kubectl 1.20 against a kcore apiserver (memory store) this test starts:
# discovery, get in its output formats, describe, create/apply, scale,
# label, annotate, cordon, set image, rollout restart, delete, get -w.
. "$KCORE_SRCDIR/tests/tap.sh"

KUBECTL=${KCORE_KUBECTL:-/opt/kcore-tools/kubectl-1.20/usr/bin/kubectl}
if [ ! -x "$KUBECTL" ]; then
  fail "kubectl 1.20 at $KUBECTL (scripts/install-deps unpacks it there)"
  tap_done
  exit 1
fi

tmp=$(mktemp -d)
srv=
watcher=
cleanup () {
  # End only what this test started, by PID.
  [ -n "$watcher" ] && kill "$watcher" 2>/dev/null
  if [ -n "$srv" ] && kill -0 "$srv" 2>/dev/null; then
    kill "$srv"; wait "$srv" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

start_apiserver "$tmp/kcore.conf" "$tmp/log"
srv=$apiserver_pid

export KUBECONFIG=/dev/null
k () { "$KUBECTL" --server "http://127.0.0.1:$port" --cache-dir "$tmp/cache" \
         --request-timeout 20s "$@"; }
ready () { k get namespace default -o name; }
if ! wait_for 30 ready; then
  fail "kcore apiserver starts"; diag "$(cat "$tmp/log")"; tap_done; exit 1
fi
ok "kcore apiserver starts"

# expect_out DESC EXPECTED KUBECTL-ARGS...: stdout equals EXPECTED.
expect_out () {
  desc=$1 want=$2; shift 2
  got=$(k "$@" 2>"$tmp/err")
  expect_eq "$desc" "$want" "$got"
  [ "$got" = "$want" ] || diag "stderr: $(cat "$tmp/err")"
}
# expect_line DESC REGEX KUBECTL-ARGS...: some line of stdout matches.
expect_line () {
  desc=$1 re=$2; shift 2
  out=$(k "$@" 2>&1)
  if printf '%s\n' "$out" | grep -Eq "$re"; then ok "$desc"
  else fail "$desc"; diag "wanted a line matching: $re"; diag "$out"; fi
}

# ---- discovery and version ------------------------------------------------
k api-resources >"$tmp/res" 2>&1
check "api-resources runs" [ -s "$tmp/res" ]
expect_eq "api-resources header" \
  "NAME SHORTNAMES APIVERSION NAMESPACED KIND" \
  "$(head -n 1 "$tmp/res" | tr -s ' ')"
expect_eq "api-resources: pods" "pods po v1 true Pod" \
  "$(grep '^pods ' "$tmp/res" | tr -s ' ')"
expect_eq "api-resources: deployments" \
  "deployments deploy apps/v1 true Deployment" \
  "$(grep '^deployments ' "$tmp/res" | tr -s ' ')"
expect_eq "api-resources: leases" "leases coordination.k8s.io/v1 true Lease" \
  "$(grep '^leases ' "$tmp/res" | tr -s ' ')"
expect_eq "api-resources: nodes are cluster-scoped" "nodes no v1 false Node" \
  "$(grep '^nodes ' "$tmp/res" | tr -s ' ')"
expect_line "version shows the server's" '^Server Version: .*Major:"1", Minor:"20"' version

# ---- create, get ------------------------------------------------------------
cat > "$tmp/objs.yaml" <<'YAML'
apiVersion: v1
kind: Node
metadata:
  name: n1
---
apiVersion: v1
kind: Pod
metadata:
  name: p1
  labels:
    app: demo
spec:
  containers:
  - name: c
    image: busybox:1
YAML
expect_out "create -f" "node/n1 created
pod/p1 created" create -f "$tmp/objs.yaml"
expect_line "create -f again: AlreadyExists" \
  '^Error from server \(AlreadyExists\).*pods "p1" already exists' \
  create -f "$tmp/objs.yaml"

k get pods >"$tmp/get" 2>&1
expect_eq "get pods: table header" "NAME READY STATUS RESTARTS AGE" \
  "$(head -n 1 "$tmp/get" | tr -s ' ')"
expect_eq "get pods: the row" "p1 0/1 Pending 0" \
  "$(sed -n 2p "$tmp/get" | tr -s ' ' | cut -d' ' -f1-4)"
expect_eq "get pods: one row" 2 "$(wc -l < "$tmp/get")"
expect_out "get -o name" "pod/p1" get pods -o name
expect_out "get -o jsonpath" "busybox:1 Pending" get pod p1 \
  -o 'jsonpath={.spec.containers[0].image} {.status.phase}'
k get pod p1 -o json >"$tmp/json" 2>&1
check "get -o json is a Pod" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["kind"] == "Pod" and o["apiVersion"] == "v1"
assert o["metadata"]["name"] == "p1" and o["metadata"]["uid"]' "$tmp/json"
k get pod p1 -o yaml >"$tmp/yaml" 2>&1
check "get -o yaml has kind and name" \
  sh -c "grep -qx 'kind: Pod' '$tmp/yaml' && grep -qx '  name: p1' '$tmp/yaml'"
expect_line "get a missing pod: NotFound" \
  '^Error from server \(NotFound\): pods "nosuch" not found$' get pod nosuch
expect_out "get in an empty namespace" "" get pods -n kube-public
expect_line "get in an empty namespace says so" \
  '^No resources found in kube-public namespace\.$' get pods -n kube-public
expect_line "get nodes: the row" '^n1 +[A-Za-z,]+ +<none> +[0-9]+s' get nodes

k describe pod p1 >"$tmp/desc" 2>&1
check "describe pod: Name" grep -Eq '^Name: +p1$' "$tmp/desc"
check "describe pod: Namespace" grep -Eq '^Namespace: +default$' "$tmp/desc"
check "describe pod: Labels" grep -Eq '^Labels: +app=demo$' "$tmp/desc"
check "describe pod: Status" grep -Eq '^Status: +Pending$' "$tmp/desc"
check "describe pod: the image" grep -Eq '^ +Image: +busybox:1$' "$tmp/desc"

# ---- apply --------------------------------------------------------------------
deploy_yaml () {
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: c
        image: $1
YAML
}
deploy_yaml nginx:1 >"$tmp/deploy.yaml"
expect_out "apply -f a new object: created" "deployment.apps/web created" \
  apply -f "$tmp/deploy.yaml"
expect_out "apply -f the same: unchanged" "deployment.apps/web unchanged" \
  apply -f "$tmp/deploy.yaml"
deploy_yaml nginx:2 >"$tmp/deploy.yaml"
expect_out "apply -f a change: configured" "deployment.apps/web configured" \
  apply -f "$tmp/deploy.yaml"
expect_out "the applied change is stored" "nginx:2" get deploy web \
  -o 'jsonpath={.spec.template.spec.containers[0].image}'
k get deploy >"$tmp/get" 2>&1
expect_eq "get deploy: table header" "NAME READY UP-TO-DATE AVAILABLE AGE" \
  "$(head -n 1 "$tmp/get" | tr -s ' ')"
expect_eq "get deploy: the row" "web 0/1 0 0" \
  "$(sed -n 2p "$tmp/get" | tr -s ' ' | cut -d' ' -f1-4)"

# ---- scale, label, annotate, set image, rollout restart ------------------------
expect_out "scale" "deployment.apps/web scaled" scale deploy web --replicas=3
expect_out "scale is stored" "3" get deploy web -o 'jsonpath={.spec.replicas}'
expect_out "scale with a wrong --current-replicas fails" "" \
  scale deploy web --current-replicas=7 --replicas=4
expect_out "and changes nothing" "3" get deploy web \
  -o 'jsonpath={.spec.replicas}'
expect_out "label" "deployment.apps/web labeled" label deploy web tier=fe
expect_out "label is stored" "fe" get deploy web \
  -o 'jsonpath={.metadata.labels.tier}'
expect_out "get -l selects it" "deployment.apps/web" get deploy -l tier=fe \
  -o name
expect_out "label --overwrite" "deployment.apps/web labeled" \
  label deploy web tier=be --overwrite
expect_out "label removal" "deployment.apps/web labeled" label deploy web tier-
expect_out "the label is gone" "" get deploy -l tier -o name
expect_out "annotate" "deployment.apps/web annotated" annotate deploy web \
  note=hello
expect_out "annotation is stored" "hello" get deploy web \
  -o 'jsonpath={.metadata.annotations.note}'
expect_out "set image" "deployment.apps/web image updated" \
  set image deploy/web c=nginx:3
expect_out "set image is stored" "nginx:3" get deploy web \
  -o 'jsonpath={.spec.template.spec.containers[0].image}'
gen=$(k get deploy web -o 'jsonpath={.metadata.generation}')
expect_out "rollout restart" "deployment.apps/web restarted" \
  rollout restart deploy/web
restarted=$(k get deploy web \
  -o 'jsonpath={.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')
check "rollout restart stamps the pod template" \
  sh -c "echo '$restarted' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'"
expect_out "rollout restart increments generation" "$((gen + 1))" \
  get deploy web -o 'jsonpath={.metadata.generation}'

# ---- cordon, uncordon -------------------------------------------------------------
expect_out "cordon" "node/n1 cordoned" cordon n1
expect_out "cordon sets spec.unschedulable" "true" get node n1 \
  -o 'jsonpath={.spec.unschedulable}'
expect_out "cordon again: already cordoned" "node/n1 already cordoned" \
  cordon n1
expect_line "get nodes shows SchedulingDisabled" '^n1 .*SchedulingDisabled' \
  get nodes
expect_out "uncordon" "node/n1 uncordoned" uncordon n1
expect_out "uncordon clears it" "" get node n1 \
  -o 'jsonpath={.spec.unschedulable}'

# ---- get -w, delete -----------------------------------------------------------
k get pods -w --output-watch-events >"$tmp/watch" 2>&1 &
watcher=$!
seen_added () { grep -Eq '^ADDED +p1 ' "$tmp/watch"; }
check "get -w lists the pod (ADDED)" wait_for 10 seen_added
k label pod p1 watched=yes >/dev/null 2>&1
seen_modified () { grep -Eq '^MODIFIED +p1 ' "$tmp/watch"; }
check "get -w sees the change (MODIFIED)" wait_for 10 seen_modified

expect_out "delete pod (waits for it to go)" 'pod "p1" deleted' delete pod p1
seen_deleted () { grep -Eq '^DELETED +p1 ' "$tmp/watch"; }
check "get -w sees the delete (DELETED)" wait_for 10 seen_deleted
check "get -w is still running" kill -0 "$watcher"
kill "$watcher"; wait "$watcher" 2>/dev/null; watcher=
expect_line "the pod is gone" '^Error from server \(NotFound\): pods "p1" not found$' \
  get pod p1
expect_out "delete -f" 'deployment.apps "web" deleted' delete -f "$tmp/deploy.yaml"
expect_out "delete node" 'node "n1" deleted' delete node n1
expect_out "delete a missing pod fails" "" delete pod p1
expect_line "delete a missing pod: NotFound" \
  '^Error from server \(NotFound\): pods "p1" not found$' delete pod p1

kill "$srv"; wait "$srv" 2>/dev/null; srv=
if grep -q "AddressSanitizer\|runtime error\|CRITICAL" "$tmp/log"; then
  fail "the server logged no sanitizer error"; diag "$(tail -40 "$tmp/log")"
else ok "the server logged no sanitizer error"; fi

tap_done
