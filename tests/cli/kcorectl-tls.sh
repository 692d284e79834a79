#!/bin/sh
# kcorectl and kubectl against a real kcore apiserver serving HTTPS with
# bearer tokens: a throwaway CA and server certificate made with openssl,
# a static token file, and what each client says when the token or the CA
# is wrong.  Also the apiserver's own errors for bad TLS and token files.
. "$KCORE_SRCDIR/tests/tap.sh"
KCTL="$KCORE_BUILDDIR/kcorectl"
KUBECTL=${KCORE_KUBECTL:-/opt/kcore-tools/kubectl-1.20/usr/bin/kubectl}
tmp=$(mktemp -d)
server_pid=
watch_pid=
cleanup () {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
unset KCORE_SERVER KCORE_TOKEN KCORE_CA_FILE KCORECTL_CONFIG
HOME=$tmp; export HOME; XDG_CONFIG_HOME=$tmp/config; export XDG_CONFIG_HOME

run () {
  name=$1; shift
  "$KCTL" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; rc=$?
}
out () { cat "$tmp/$1.out"; }
err () { cat "$tmp/$1.err"; }
expect_match () {
  if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"
  else fail "$1"; diag "no line matches: $2"; printf '%s\n' "$3" | sed 's/^/# /'; fi
}

# ---- a CA, a certificate for 127.0.0.1 it signs, and the token file ----
if ! command -v openssl >/dev/null 2>&1; then
  skip "openssl makes the test certificates" "no openssl"; tap_done; exit 0
fi
(
  cd "$tmp" &&
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem \
    -days 1 -subj /CN=kcore-test-ca &&
  openssl req -newkey rsa:2048 -nodes -keyout server-key.pem \
    -out server.csr -subj /CN=kcore-apiserver &&
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >ext.cnf &&
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem \
    -CAcreateserial -out server.pem -days 1 -extfile ext.cnf
) >"$tmp/openssl.log" 2>&1
check "openssl makes a CA and a server certificate" test -s "$tmp/server.pem"
cat >"$tmp/tokens.csv" <<'CSV'
# token,user,uid,"groups"
GOOD-0123456789abcdef,alice,1000,"system:masters,dev"

other-token,bob,1001
CSV
GOOD=GOOD-0123456789abcdef
ca=$tmp/ca.pem

start_apiserver "$tmp/api.conf" "$tmp/server.log" \
  --set "apiserver.tls-cert-file=$tmp/server.pem" \
  --set "apiserver.tls-key-file=$tmp/server-key.pem" \
  --set "apiserver.token-auth-file=$tmp/tokens.csv"
server_pid=$apiserver_pid
url="https://127.0.0.1:$port"
if ! wait_for 15 curl -sf --cacert "$ca" "$url/healthz"; then
  fail "the apiserver serves HTTPS"; cat "$tmp/server.log"; tap_done; exit 1
fi
ok "the apiserver serves HTTPS"
expect_match "it says so" "serving on https://127\.0\.0\.1:$port" "$(cat "$tmp/server.log")"

# ---- kcorectl with the CA and a token ----
S="--server $url"
run version $S --certificate-authority "$ca" --token "$GOOD" version
expect_eq "version over TLS with a token" 0 "$rc"
expect_match "version: the server's" '^Server Version: v1\.' "$(out version)"
cat >"$tmp/app.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  color: blue
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
YAML
run apply $S --certificate-authority "$ca" --token "$GOOD" apply -f "$tmp/app.yaml"
expect_eq "apply over TLS" "configmap/cfg created
service/web created" "$(out apply)"
run get $S --certificate-authority "$ca" --token "$GOOD" get cm,svc -o name
expect_eq "get over TLS" "configmap/cfg
service/web" "$(out get)"
KCORE_SERVER=$url KCORE_TOKEN=$GOOD KCORE_CA_FILE=$ca run env get cm cfg -o name
expect_eq "KCORE_SERVER, KCORE_TOKEN, KCORE_CA_FILE" "configmap/cfg" "$(out env)"
mkdir -p "$tmp/config/kcore"
printf '[kcorectl]\nserver=%s\ntoken=%s\ncertificate-authority=../../ca.pem\n' \
  "$url" "$GOOD" >"$tmp/config/kcore/kcorectl.conf"
run conf get cm cfg -o name
expect_eq "the config file: server=, token=, certificate-authority= (relative to it)" \
  "configmap/cfg" "$(out conf)"
rm "$tmp/config/kcore/kcorectl.conf"

# ---- no token, a wrong token ----
run notoken $S --certificate-authority "$ca" get cm
expect_eq "no token: exit 1" 1 "$rc"
expect_eq "no token: kubectl's message" \
  "error: You must be logged in to the server (Unauthorized)" "$(err notoken)"
run badtoken $S --certificate-authority "$ca" --token "GOOD-0123456789abcdeX" get cm
expect_eq "wrong token: exit 1" 1 "$rc"
expect_eq "wrong token: kubectl's message" \
  "error: You must be logged in to the server (Unauthorized)" "$(err badtoken)"
run badapply $S --certificate-authority "$ca" --token nope apply -f "$tmp/app.yaml"
expect_eq "wrong token: apply exit 1" 1 "$rc"
expect_match "wrong token: apply's message" "^error: You must be logged in to the server \(Unauthorized\)$" "$(err badapply)"

# ---- the CA ----
run noca $S --token "$GOOD" get cm
expect_eq "without the CA: exit 1" 1 "$rc"
expect_match "without the CA: a TLS error naming the server" \
  "^error: cannot make a TLS connection to $url: .*certificate" "$(err noca)"
expect_eq "without the CA: one line" 1 "$(wc -l <"$tmp/noca.err")"
run missingca $S --token "$GOOD" --certificate-authority "$tmp/nope.pem" get cm
expect_eq "a CA file that is not there: exit 1" 1 "$rc"
expect_match "a CA file that is not there: named" "nope\.pem: cannot read it" "$(err missingca)"
run insecure $S --token "$GOOD" --insecure-skip-tls-verify get cm cfg -o name
expect_eq "--insecure-skip-tls-verify" "configmap/cfg" "$(out insecure)"

# ---- plain HTTP to the TLS port ----
run plain --server "http://127.0.0.1:$port" --token "$GOOD" get cm
expect_eq "plain http to the TLS port: exit 1" 1 "$rc"
expect_match "plain http to the TLS port: a clear error" '^error: .*https://' "$(err plain)"
check "the server is still up after a plain HTTP request" kill -0 "$server_pid"

# ---- what needs no token, and the 401 itself ----
expect_eq "/healthz without a token" "ok" "$(curl -s --cacert "$ca" "$url/healthz")"
expect_eq "/readyz without a token" "ok" "$(curl -s --cacert "$ca" "$url/readyz")"
expect_match "/version without a token" '"gitVersion"' "$(curl -s --cacert "$ca" "$url/version")"
status=$(curl -s -o "$tmp/401.json" -w '%{http_code}' --cacert "$ca" "$url/api/v1/namespaces")
expect_eq "/api without a token: 401" 401 "$status"
expect_eq "/api without a token: a Kubernetes Status" "Status v1 Failure Unauthorized Unauthorized 401" \
  "$(python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["kind"], s["apiVersion"], s["status"], s["message"], s["reason"], s["code"])' <"$tmp/401.json")"
status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" -H "Authorization: Bearer other-token" "$url/api/v1/namespaces")
expect_eq "the second token of the file works" 200 "$status"
status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" -H "Authorization: Basic Zm9vOmJhcg==" "$url/apis")
expect_eq "other schemes are refused" 401 "$status"

# ---- a watch over TLS with the token ----
"$KCTL" $S --certificate-authority "$ca" --token "$GOOD" get pods -w --timeout=20s \
  >"$tmp/watch.out" 2>&1 &
watch_pid=$!
sleep 0.5
cat >"$tmp/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: p1
spec:
  containers:
  - name: c
    image: busybox
YAML
run pod $S --certificate-authority "$ca" --token "$GOOD" apply -f "$tmp/pod.yaml"
check "get -w over TLS sees the new pod" wait_for 10 grep -q '^p1 ' "$tmp/watch.out"
kill "$watch_pid"; wait "$watch_pid" 2>/dev/null; watch_pid=
run watchnotoken $S --certificate-authority "$ca" get pods -w --watch-only --timeout=5s
expect_eq "a watch without a token: exit 1" 1 "$rc"
expect_eq "a watch without a token: Unauthorized" \
  "error: You must be logged in to the server (Unauthorized)" "$(err watchnotoken)"

# ---- kubectl 1.20 ----
if [ -x "$KUBECTL" ]; then
  k () { KUBECONFIG=/dev/null "$KUBECTL" --server "$url" --cache-dir "$tmp/cache" \
           --request-timeout 20s "$@"; }
  kout=$(k --token "$GOOD" --certificate-authority "$ca" get namespaces -o name 2>&1)
  expect_match "kubectl --token --certificate-authority lists namespaces" '^namespace/default$' "$kout"
  kout=$(k --token wrong --certificate-authority "$ca" get namespaces 2>&1); krc=$?
  expect_eq "kubectl with a wrong token: exit 1" 1 "$krc"
  expect_match "kubectl with a wrong token: Unauthorized" 'Unauthorized' "$kout"
else
  skip "kubectl lists namespaces over TLS" "no kubectl at $KUBECTL"
fi

# ---- the apiserver refuses bad TLS and token files ----
# apiserver_fails DESC PATTERN --set...: exits non-zero at once, saying PATTERN.
apiserver_fails () {
  desc=$1; pattern=$2; shift 2
  timeout 20 "$KCORE" --config "$tmp/api.conf" --component apiserver "$@" \
    >"$tmp/bad.log" 2>&1
  brc=$?
  if [ "$brc" -ne 0 ] && [ "$brc" -ne 124 ]; then ok "$desc: exits non-zero"
  else fail "$desc: exits non-zero"; diag "exit status $brc"; fi
  expect_match "$desc: says why" "$pattern" "$(cat "$tmp/bad.log")"
  if grep -q 'Sanitizer' "$tmp/bad.log"; then
    fail "$desc: no sanitizer report"; sed 's/^/# /' "$tmp/bad.log"
  fi
}
printf 'GOOD,alice,1000\n# fine so far\nbroken-line,bob\n' >"$tmp/bad-tokens.csv"
apiserver_fails "a malformed token file" \
  "token-auth-file=$tmp/bad-tokens\.csv:3: 2 fields" \
  --set "apiserver.token-auth-file=$tmp/bad-tokens.csv"
apiserver_fails "a missing token file" \
  "token-auth-file=$tmp/none\.csv: cannot read it" \
  --set "apiserver.token-auth-file=$tmp/none.csv"
apiserver_fails "a missing certificate file" \
  "tls-cert-file=$tmp/missing\.pem: cannot read it" \
  --set "apiserver.tls-cert-file=$tmp/missing.pem" \
  --set "apiserver.tls-key-file=$tmp/server-key.pem"
apiserver_fails "a key that is not a key" \
  "tls-key-file=$tmp/ca\.pem: expected a PEM certificate and its PEM private key" \
  --set "apiserver.tls-cert-file=$tmp/server.pem" \
  --set "apiserver.tls-key-file=$tmp/ca.pem"
apiserver_fails "a certificate without its key" \
  "tls-cert-file and tls-key-file: set both" \
  --set "apiserver.tls-cert-file=$tmp/server.pem"

# Stopped here so that a leak report at exit lands in its log.
kill "$server_pid"; wait "$server_pid"; src=$?; server_pid=
expect_eq "the server stops cleanly on SIGTERM" 0 "$src"
check "the server logged no warning nor sanitizer report" \
  sh -c "! grep -Eq 'WARNING|CRITICAL|Sanitizer|runtime error' '$tmp/server.log'"
tap_done
