#!/bin/bash
# api-bench.sh: run bench/api-bench against a fresh API server, first with
# the memory store, then with the SQLite store.  Builds nothing.
#
#   bench/api-bench.sh [BUILD_DIR] [-- API-BENCH-OPTIONS...]
#
# BUILD_DIR is the build tree holding kcore and bench/api-bench (default:
# the current directory).  Each figure is printed as
# "<store> <metric> <value> <unit>".  The data directories go under
# $TMPDIR (default /tmp) and are removed at the end.
set -u

build=.
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  build=$1
  shift
fi
[ "${1:-}" = "--" ] && shift

kcore=$build/kcore
bench=$build/bench/api-bench
for f in "$kcore" "$bench"; do
  if [ ! -x "$f" ]; then
    echo "api-bench.sh: $f not found: pass the build directory (make it first)" >&2
    exit 2
  fi
done

# The server needs an fd per watcher; raise the soft limit for both.
ulimit -n "$(ulimit -Hn)" 2>/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/api-bench.XXXXXX")
server_pid=
cleanup () {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A loopback port nobody listens on, below the kernel's ephemeral range
# (32768-60999): the 1,000 watchers of the memory run leave their client
# ports behind, and the next server could not bind one of them.
free_port () {
  local port
  for _ in $(seq 50); do
    port=$((10000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

status=0
for store in memory sqlite; do
  port=$(free_port) || { echo "api-bench.sh: no free port" >&2; exit 1; }
  mkdir -p "$work/$store"
  cat > "$work/$store.conf" <<EOF
[kcore]
components=apiserver
data-dir=$work/$store
[apiserver]
listen=127.0.0.1:$port
[store]
plugin=$store
EOF
  "$kcore" --config "$work/$store.conf" --component apiserver \
    > "$work/$store.log" 2>&1 &
  server_pid=$!
  echo "# $store: kcore --config $store.conf --component apiserver (pid $server_pid, port $port)"
  echo "# $store: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  # api-bench waits for /readyz itself.
  "$bench" --server "http://127.0.0.1:$port" --pid "$server_pid" "$@" \
    > "$work/$store.out"
  rc=$?
  echo "# $store: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  sed "s/^\([^#]\)/$store \1/" "$work/$store.out"
  [ $rc -ne 0 ] && status=1
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "# $store: the API server died during the run; its log:"
    status=1
  else
    kill -TERM "$server_pid"
    wait "$server_pid"
    src=$?
    [ $src -ne 0 ] && echo "# $store: the API server exited with status $src"
  fi
  server_pid=
  if [ $rc -ne 0 ] || grep -qiE 'critical|error|warning' "$work/$store.log"; then
    echo "# $store: server log (last 20 lines):"
    tail -n 20 "$work/$store.log" | sed 's/^/#   /'
  fi
done
exit $status
