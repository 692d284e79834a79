#!/bin/sh
# kcorectl against a real kcore apiserver (memory store) on loopback:
# every command, the manifest loader's errors, and kubectl-style errors.
. "$KCORE_SRCDIR/tests/tap.sh"
KCTL="$KCORE_BUILDDIR/kcorectl"
tmp=$(mktemp -d)
server_pid=
cleanup () {
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
# expect_match DESCRIPTION PATTERN TEXT: TEXT has a line matching PATTERN.
expect_match () {
  if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"
  else fail "$1"; diag "no line matches: $2"; printf '%s\n' "$3" | sed 's/^/# /'; fi
}
# http METHOD PATH [BODY]: a raw request (to simulate controllers).
http () {
  curl -sf -X "$1" -H 'Content-Type: application/merge-patch+json' \
    ${3:+--data "$3"} "$url$2" >/dev/null
}

if ! wait_for 10 "$KCTL" version; then
  fail "the apiserver starts"; cat "$tmp/server.log"; tap_done; exit 1
fi

# ---- version, server from the environment, the config file, the flag ----
run version version
expect_eq "version exits 0" 0 "$rc"
expect_match "version: client" '^Client Version: v[0-9]' "$(out version)"
expect_match "version: server" '^Server Version: v1\.' "$(out version)"

mkdir -p "$tmp/config/kcore"
printf '[kcorectl]\nserver=%s\n' "$url" > "$tmp/config/kcore/kcorectl.conf"
KCORE_SERVER= run version-conf version
expect_match "server= from ~/.config/kcore/kcorectl.conf" '^Server Version:' "$(out version-conf)"
printf '[kcorectl]\nserver=http://127.0.0.1:1\n' > "$tmp/config/kcore/kcorectl.conf"
KCORE_SERVER= run version-flag --server "$url" version
expect_match "--server wins over the config file" '^Server Version:' "$(out version-flag)"
run version-env version
expect_match "KCORE_SERVER wins over the config file" '^Server Version:' "$(out version-env)"
KCORE_SERVER= run version-down version
expect_eq "unreachable server exits 1" 1 "$rc"
expect_match "unreachable server says where" '^error: .*127\.0\.0\.1.*--server' "$(err version-down)"
rm "$tmp/config/kcore/kcorectl.conf"

# ---- api-resources and plugins ----
run ar api-resources
expect_match "api-resources header" '^NAME +SHORTNAMES +APIVERSION +NAMESPACED +KIND$' "$(out ar)"
expect_match "api-resources: deployments" '^deployments +deploy +apps/v1 +true +Deployment$' "$(out ar)"
expect_match "api-resources: nodes" '^nodes +no +v1 +false +Node$' "$(out ar)"

run plugins plugins
expect_eq "plugins exits 0" 0 "$rc"
expect_match "plugins header" '^COMPONENT +ROLE +PLUGIN +KIND +INTERFACE +VERSION$' "$(out plugins)"
expect_match "plugins: the apiserver's store (its own report)" '^apiserver +store +memory +store +1 +[0-9]' "$(out plugins)"

# ---- apply: multi-document YAML, created / unchanged / configured ----
cat > "$tmp/app.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: shop
  labels:
    app: web
    tier: front
data:
  color: blue
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.25
YAML
run apply1 apply -f "$tmp/app.yaml"
expect_eq "apply: exit 0" 0 "$rc"
expect_eq "apply: created" "namespace/shop created
configmap/cfg created
deployment.apps/web created" "$(out apply1)"
run apply2 apply -f "$tmp/app.yaml"
expect_eq "apply again: unchanged" "namespace/shop unchanged
configmap/cfg unchanged
deployment.apps/web unchanged" "$(out apply2)"
sed -i 's/color: blue/color: red/; /tier: front/d' "$tmp/app.yaml"
run apply3 apply -f "$tmp/app.yaml"
expect_eq "apply changed: configured" "namespace/shop unchanged
configmap/cfg configured
deployment.apps/web unchanged" "$(out apply3)"
run cfg get cm cfg -n shop -o json
expect_match "configured: new value" '"color" : "red"' "$(out cfg)"
if grep -q '"tier"' "$tmp/cfg.out"; then fail "a label removed from the manifest is removed"
else ok "a label removed from the manifest is removed"; fi
expect_match "last-applied-configuration recorded" 'kubectl.kubernetes.io/last-applied-configuration' "$(out cfg)"

# JSON on stdin, a directory.
mkdir "$tmp/dir"
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j1"},"data":{"a":"1"}}\n' > "$tmp/dir/a.json"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y1\n' > "$tmp/dir/b.yaml"
"$KCTL" apply -f - < "$tmp/dir/a.json" >"$tmp/stdin.out" 2>&1
expect_eq "apply -f - (JSON on stdin)" "configmap/j1 created" "$(cat "$tmp/stdin.out")"
run dir apply -f "$tmp/dir"
expect_eq "apply -f DIR" "configmap/j1 unchanged
configmap/y1 created" "$(out dir)"

# create -f: AlreadyExists printed as kubectl prints it.
run create create -f "$tmp/dir/b.yaml"
expect_eq "create existing exits 1" 1 "$rc"
expect_eq "create existing: kubectl-style error" \
  'Error from server (AlreadyExists): configmaps "y1" already exists' "$(err create)"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c2\n' | "$KCTL" create -f - >"$tmp/c2.out" 2>&1
expect_eq "create -f -" "configmap/c2 created" "$(cat "$tmp/c2.out")"

# ---- malformed manifests: file, document and line ----
cat > "$tmp/bad.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: fine
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
    labels: x
YAML
run bad apply -f "$tmp/bad.yaml"
expect_eq "malformed YAML exits 1" 1 "$rc"
expect_eq "malformed YAML names file, document 2 and line 10" \
  "error: $tmp/bad.yaml: document 2, line 10, column 11: mapping values are not allowed in this context" \
  "$(err bad)"
run bad-nothing get cm fine
expect_eq "nothing of a malformed file is applied" 1 "$rc"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: q\n' > "$tmp/bad2.yaml"
run bad2 apply -f "$tmp/bad2.yaml"
expect_match "unterminated flow mapping: line and where it starts" \
  "^error: $tmp/bad2.yaml: document 1, line 4, column 1: did not find expected ',' or '}' while parsing a flow mapping that starts at line 3$" "$(err bad2)"
printf '{"apiVersion": "v1",\n "kind": }\n' > "$tmp/bad.json"
run badjson apply -f "$tmp/bad.json"
expect_match "malformed JSON: file and line" "^error: $tmp/bad.json: document 1, line 2, column" "$(err badjson)"
printf 'kind: ConfigMap\nmetadata:\n  name: z\n' > "$tmp/noapi.yaml"
run noapi apply -f "$tmp/noapi.yaml"
expect_eq "a document without apiVersion" \
  "error: $tmp/noapi.yaml: document 1: the object has no apiVersion; every object needs apiVersion and kind" "$(err noapi)"
run missing apply -f "$tmp/none.yaml"
expect_eq "missing file exits 1" 1 "$rc"

# ---- get ----
run get get deploy -n shop
expect_match "get: table header" '^NAME +READY +UP-TO-DATE +AVAILABLE +AGE$' "$(out get)"
expect_match "get: row" '^web +0/2 +0 +0 +[0-9]+s$' "$(out get)"
run getA get cm -A
expect_match "get -A: namespace column" '^NAMESPACE +NAME +AGE$' "$(out getA)"
expect_match "get -A: rows of every namespace" '^shop +cfg ' "$(out getA)"
run getl get cm -l app=web -n shop -o name
expect_eq "get -l -o name" "configmap/cfg" "$(out getl)"
run getf get ns --field-selector metadata.name=shop -o name
expect_eq "get --field-selector" "namespace/shop" "$(out getf)"
run gety get deployment.apps/web -n shop -o yaml
expect_match "get -o yaml" '^  replicas: 2$' "$(out gety)"
expect_match "get -o yaml: kind" '^kind: Deployment$' "$(out gety)"
run gets get deployments -n shop --show-labels
expect_match "get --show-labels" '^web +.* +app=web$' "$(out gets)"
run getnf get pods nope
expect_eq "get missing exits 1" 1 "$rc"
expect_eq "get missing: kubectl-style NotFound" 'Error from server (NotFound): pods "nope" not found' "$(err getnf)"
run gettype get frobs
expect_eq "unknown type exits 1" 1 "$rc"
expect_match "unknown type message" "doesn't have a resource type \"frobs\"" "$(err gettype)"
run getempty get pods
expect_eq "no pods: message" "No resources found in default namespace." "$(err getempty)"

# ---- get with several types: TYPE,TYPE and TYPE/NAME ----
run multi get deploy,cm -n shop
expect_eq "get deploy,cm exits 0" 0 "$rc"
expect_match "get deploy,cm: deployment table" '^NAME +READY +UP-TO-DATE +AVAILABLE +AGE$' "$(out multi)"
expect_match "get deploy,cm: TYPE/NAME rows" '^deployment\.apps/web +0/2 ' "$(out multi)"
expect_match "get deploy,cm: configmap table" '^NAME +(DATA +)?AGE$' "$(out multi)"
expect_match "get deploy,cm: configmap row" '^configmap/cfg +[0-9]+' "$(out multi)"
expect_eq "get deploy,cm: one blank line between the tables" 1 "$(grep -c '^$' "$tmp/multi.out")"
run multiname get deploy,cm,ns -n shop -o name -l app=web
expect_eq "get deploy,cm,ns -o name" "deployment.apps/web
configmap/cfg" "$(out multiname)"
run multinamed get deployment/web cm/cfg -n shop
expect_match "get TYPE/NAME TYPE/NAME: deployment" '^deployment\.apps/web ' "$(out multinamed)"
expect_match "get TYPE/NAME TYPE/NAME: configmap" '^configmap/cfg ' "$(out multinamed)"
run multijson get deploy/web cm/cfg -n shop -o json
expect_eq "get -o json of several types: one List" "List 2 Deployment ConfigMap" \
  "$(python3 -c 'import json,sys; l=json.load(sys.stdin); print(l["kind"], len(l["items"]), *[i["kind"] for i in l["items"]])' <"$tmp/multijson.out")"
run multiyaml get deploy,cm -n shop -o yaml
expect_match "get -o yaml of several types: a List" '^kind: List$' "$(out multiyaml)"
expect_eq "get -o yaml of several types: both items" 2 "$(grep -Ec '^  kind: (Deployment|ConfigMap)$' "$tmp/multiyaml.out")"
run multisame get po,pods -o name
expect_eq "the same type twice is listed once" 0 "$rc"
run multiempty get pods,svc
expect_eq "several types, none found" "No resources found in default namespace." "$(err multiempty)"
run multiw get deploy,cm -w
expect_eq "-w with several types exits 1" 1 "$rc"
expect_match "-w with several types: why" '^error: watch is only supported on individual resources' "$(err multiw)"
run multimissing get deploy/web cm/nope -n shop -o name
expect_eq "a missing TYPE/NAME exits 1" 1 "$rc"
expect_eq "a missing TYPE/NAME: the others print" "deployment.apps/web" "$(out multimissing)"
expect_eq "a missing TYPE/NAME: NotFound" 'Error from server (NotFound): configmaps "nope" not found' "$(err multimissing)"
run multimixed get deploy cm/cfg
expect_match "a type then TYPE/NAME is refused" 'resource/name form' "$(err multimixed)"
run multibad get deploy,,cm
expect_match "an empty type in the list" 'an empty resource type' "$(err multibad)"

# get -w: rows as changes happen.
"$KCTL" get pods -w --timeout=20s >"$tmp/watch.out" 2>&1 &
watch_pid=$!
sleep 0.5
cat > "$tmp/pods.yaml" <<'YAML'
apiVersion: v1
kind: Node
metadata:
  name: n1
---
apiVersion: v1
kind: Pod
metadata:
  name: p1
spec:
  nodeName: n1
  containers:
  - name: c
    image: busybox
---
apiVersion: v1
kind: Pod
metadata:
  name: p2
spec:
  nodeName: n1
  containers:
  - name: c
    image: busybox
YAML
run pods apply -f "$tmp/pods.yaml"
check "get -w sees the new pods" wait_for 10 grep -q '^p2 ' "$tmp/watch.out"
expect_match "get -w prints its header" '^NAME +READY +STATUS +RESTARTS +AGE$' "$(cat "$tmp/watch.out")"
kill "$watch_pid"; wait "$watch_pid" 2>/dev/null
expect_match "get -w: p1 row" '^p1 +0/1 +Pending +0 ' "$(cat "$tmp/watch.out")"

# ---- describe, with events ----
cat > "$tmp/event.yaml" <<'YAML'
apiVersion: v1
kind: Event
metadata:
  name: web.1
  namespace: shop
involvedObject:
  apiVersion: apps/v1
  kind: Deployment
  name: web
  namespace: shop
type: Normal
reason: ScalingReplicaSet
message: Scaled up replica set web-5d to 2
source:
  component: deployment-controller
YAML
run ev create -f "$tmp/event.yaml"
http PATCH /apis/apps/v1/namespaces/shop/deployments/web/status \
  '{"status":{"conditions":[{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable","message":"Deployment does not have minimum availability."}]}}'
run desc describe deploy web -n shop
expect_eq "describe exits 0" 0 "$rc"
expect_match "describe: name" '^Name: +web$' "$(out desc)"
expect_match "describe: labels" '^Labels: +app=web$' "$(out desc)"
expect_match "describe: spec" '^  replicas: 2$' "$(out desc)"
expect_match "describe: conditions" '^  Available +False +MinimumReplicasUnavailable +Deployment does not have minimum availability\.$' "$(out desc)"
expect_match "describe: events" '^  Normal +ScalingReplicaSet +[0-9]+s +deployment-controller +Scaled up replica set web-5d to 2$' "$(out desc)"
run descnf describe pod ghost
expect_eq "describe missing: NotFound" 'Error from server (NotFound): pods "ghost" not found' "$(err descnf)"

# ---- logs: no agent answers yet: the server's Status, kubectl style ----
run logs logs p1 --tail 5 -c c
expect_eq "logs exits 1" 1 "$rc"
expect_match "logs: the server's error" '^Error from server \((ServiceUnavailable|BadRequest)\): ' "$(err logs)"

# ---- scale and rollout status ----
run scale scale deploy/web -n shop --replicas=3
expect_eq "scale" "deployment.apps/web scaled" "$(out scale)"
run scaled get deploy web -n shop -o json
expect_match "scale sets spec.replicas" '"replicas" : 3' "$(out scaled)"

run rotimeout rollout status deploy/web -n shop --timeout=1s
expect_eq "rollout status times out: exit 1" 1 "$rc"
expect_eq "rollout status timeout message" "error: timed out waiting for the condition" "$(err rotimeout)"

"$KCTL" rollout status deployment web -n shop --timeout=20s >"$tmp/ro.out" 2>&1 &
ro_pid=$!
sleep 0.5
http PATCH /apis/apps/v1/namespaces/shop/deployments/web/status \
  '{"status":{"observedGeneration":100,"replicas":3,"updatedReplicas":3,"availableReplicas":1}}'
wait_for 10 grep -q 'available' "$tmp/ro.out"
http PATCH /apis/apps/v1/namespaces/shop/deployments/web/status \
  '{"status":{"availableReplicas":3}}'
wait "$ro_pid"; rc=$?
expect_eq "rollout status: exit 0 once rolled out" 0 "$rc"
expect_match "rollout status: progress line" '^Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available\.\.\.$' "$(cat "$tmp/ro.out")"
expect_match "rollout status: done line" '^deployment "web" successfully rolled out$' "$(cat "$tmp/ro.out")"

http PATCH /apis/apps/v1/namespaces/shop/deployments/web/status \
  '{"status":{"availableReplicas":1,"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded"}]}}'
run rodead rollout status deploy/web -n shop --timeout=10s
expect_eq "ProgressDeadlineExceeded: exit 1" 1 "$rc"
expect_eq "ProgressDeadlineExceeded message" 'error: deployment "web" exceeded its progress deadline' "$(err rodead)"

# ---- cordon, uncordon, drain ----
run cordon cordon n1
expect_eq "cordon" "node/n1 cordoned" "$(out cordon)"
run cordon2 cordon n1
expect_eq "cordon again" "node/n1 already cordoned" "$(out cordon2)"
run nodes get nodes
expect_match "cordoned node shows SchedulingDisabled" '^n1 +[A-Za-z]+,SchedulingDisabled ' "$(out nodes)"
run uncordon uncordon node/n1
expect_eq "uncordon" "node/n1 uncordoned" "$(out uncordon)"
run drain drain n1 --grace-period=0 --timeout=10s
expect_eq "drain exits 0" 0 "$rc"
expect_match "drain evicts p1" '^pod/p1 evicted$' "$(out drain)"
expect_match "drain evicts p2" '^pod/p2 evicted$' "$(out drain)"
expect_match "drain ends drained" '^node/n1 drained$' "$(out drain)"
run afterdrain get pods -o name
expect_eq "no pods left on the node" "" "$(out afterdrain)"
run nodes2 get node n1 -o json
expect_match "drain cordons" '"unschedulable" : true' "$(out nodes2)"
run cordonnf cordon ghost
expect_eq "cordon missing node" 'Error from server (NotFound): nodes "ghost" not found' "$(err cordonnf)"

# ---- delete ----
run del delete cm y1 j1
expect_eq "delete names" 'configmap "y1" deleted
configmap "j1" deleted' "$(out del)"
run delnf delete cm y1
expect_eq "delete missing exits 1" 1 "$rc"
expect_eq "delete missing: NotFound" 'Error from server (NotFound): configmaps "y1" not found' "$(err delnf)"
run dell delete cm -l app=web -n shop --cascade=orphan
expect_eq "delete -l --cascade=orphan" 'configmap "cfg" deleted' "$(out dell)"
run delbad delete cm c2 --cascade=sideways
expect_eq "bad --cascade exits 1" 1 "$rc"
run delf delete -f "$tmp/app.yaml" --cascade=background --ignore-not-found
expect_eq "delete -f" 'namespace "shop" deleted
deployment.apps "web" deleted' "$(out delf)"
run gone get deploy web -n shop
expect_eq "deleted deployment is gone" 1 "$rc"

tap_done
