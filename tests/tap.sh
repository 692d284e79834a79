# TAP helpers for shell tests: source it, call ok/fail/skip, then tap_done.
# Also: free_port, wait_for (poll a command), and the kcore binary's path.
tap_n=0
tap_failed=0

tap_result () {
  tap_n=$((tap_n + 1))
  echo "$1 $tap_n - $2"
}
ok () { tap_result ok "$1"; }
fail () { tap_result "not ok" "$1"; tap_failed=$((tap_failed + 1)); }
skip () { tap_result ok "$1 # SKIP ${2:-}"; }
diag () { echo "# $*"; }

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check () {
  desc=$1; shift
  if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq () {
  if [ "$2" = "$3" ]; then ok "$1"
  else fail "$1"; diag "expected: $2"; diag "actual:   $3"; fi
}

tap_done () {
  echo "1..$tap_n"
  [ "$tap_failed" -eq 0 ]
}

# A TCP port on loopback that nothing listens on now.
free_port () {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_apiserver CONF LOG [KCORE-ARG...]: writes CONF for a kcore
# apiserver on the memory store on a free loopback port (data beside CONF)
# and starts it in the background, output in LOG; any further arguments go
# to kcore (e.g. --set apiserver.tls-cert-file=FILE).  Sets $port and
# $apiserver_pid; the caller stops it by that PID.
start_apiserver () {
  port=$(free_port)
  cat > "$1" <<CONF
[kcore]
components=apiserver
plugin-path=$KCORE_BUILDDIR/plugins
data-dir=$(dirname "$1")/data
[apiserver]
listen=127.0.0.1:$port
[store]
plugin=memory
CONF
  _sa_conf=$1; _sa_log=$2; shift 2
  "$KCORE" --config "$_sa_conf" --component apiserver "$@" >"$_sa_log" 2>&1 &
  apiserver_pid=$!
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for () {
  limit=$(( $1 * 10 )); shift
  i=0
  while [ $i -lt $limit ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

: "${KCORE_BUILDDIR:=$(pwd)}"
: "${KCORE_SRCDIR:=$KCORE_BUILDDIR}"
KCORE="$KCORE_BUILDDIR/kcore"
