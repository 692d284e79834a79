#!/bin/sh
# TLS: an etcd started with a test CA and client-certificate auth works
# with the plugin's ca-file/cert-file/key-file options, and is refused
# with a clear error without them.
. "$KCORE_SRCDIR/tests/tap.sh"
. "$KCORE_SRCDIR/tests/etcd/etcd-lib.sh"
etcd_require
command -v openssl >/dev/null 2>&1 || {
  echo "1..1"; echo "not ok 1 - openssl is missing (scripts/install-deps)"; exit 1; }

pki="$etcd_tmp/pki"
mkdir -p "$pki"
(
  cd "$pki" || exit 1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kcore test CA" \
    -keyout ca.key -out ca.crt
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >ext.cnf
  for who in server client; do
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kcore-$who" \
      -keyout $who.key -out $who.csr
    openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -days 2 -extfile ext.cnf -out $who.crt
  done
) >"$etcd_tmp/openssl.log" 2>&1 || {
  echo "1..1"; echo "not ok 1 - openssl could not make the test PKI"; exit 1; }

ETCD_SCHEME=https
ETCD_CURL_OPTS="--cacert $pki/ca.crt --cert $pki/client.crt --key $pki/client.key"
etcd_cluster 1 --cert-file "$pki/server.crt" --key-file "$pki/server.key" \
  --client-cert-auth --trusted-ca-file "$pki/ca.crt" \
  || { echo "1..1"; echo "not ok 1 - etcd with TLS did not start"; exit 1; }

chaos="$KCORE_BUILDDIR/tests/etcd/etcd-chaos"
so="$KCORE_BUILDDIR/plugins/store/etcd/.libs/store-etcd.so"

out=$("$chaos" --open-only --plugin "$so" --option "endpoints=$ETCD_ENDPOINTS" \
  --option "ca-file=$pki/ca.crt" --option "cert-file=$pki/client.crt" \
  --option "key-file=$pki/client.key" --option prefix=/tls)
check "with ca-file, cert-file and key-file: works" test $? -eq 0
diag "$out"

out=$("$chaos" --open-only --plugin "$so" --option "endpoints=$ETCD_ENDPOINTS" \
  --option "ca-file=$pki/ca.crt" --option request-timeout-ms=2000)
rc=$?
check "without a client certificate: refused" test $rc -ne 0
diag "$out"
case $out in
  *"$ETCD_URL_1"*cert-file*) ok "the error names the endpoint and the cert-file option" ;;
  *) fail "the error names the endpoint and the cert-file option" ;;
esac

out=$("$chaos" --open-only --plugin "$so" --option "endpoints=$ETCD_ENDPOINTS" \
  --option request-timeout-ms=2000)
rc=$?
check "without ca-file: refused" test $rc -ne 0
diag "$out"
case $out in
  *"$ETCD_URL_1"*ca-file*) ok "the error names the endpoint and the ca-file option" ;;
  *) fail "the error names the endpoint and the ca-file option" ;;
esac

http_url=$(echo "$ETCD_URL_1" | sed 's/^https:/http:/')
out=$("$chaos" --open-only --plugin "$so" --option "endpoints=$http_url" \
  --option request-timeout-ms=2000)
rc=$?
check "plain HTTP to a TLS etcd: refused" test $rc -ne 0
diag "$out"
tap_done
