# Starting real etcd members for the tests: source after tests/tap.sh.
#
#   etcd_require                 fail the test (not skip) without etcd
#   etcd_cluster N [EXTRA...]    start an N-member cluster on free loopback
#                                ports with temporary data dirs; sets
#                                ETCD_ENDPOINTS (';'-separated), and per
#                                member i (1..N) ETCD_URL_i, ETCD_PID_i
#   etcd_stop_member I           kill -9 member I (by its PID)
#   etcd_start_member I          start member I again on its ports/data
#   etcd_wait_healthy URL        wait until the member answers a range
#   etcd_leader                  the index of the member that leads
#
# Everything started is stopped by PID, and the directories removed, on
# exit (etcd_cleanup is the EXIT trap).

ETCD=${ETCD:-etcd}
etcd_tmp=$(mktemp -d "${TMPDIR:-/tmp}/kcore-etcd-test-XXXXXX")
etcd_n=0

etcd_cleanup () {
  _em=1
  while [ "$_em" -le "$etcd_n" ]; do
    eval "pid=\${ETCD_PID_$_em:-}"
    if [ -n "$pid" ]; then
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
    _em=$((_em + 1))
  done
  rm -rf "$etcd_tmp"
}
trap etcd_cleanup EXIT
trap 'exit 1' INT TERM

etcd_require () {
  if ! command -v "$ETCD" >/dev/null 2>&1; then
    echo "1..1"
    echo "not ok 1 - the etcd binary ($ETCD) is missing: install etcd-server (scripts/install-deps)"
    exit 1
  fi
}

# etcd_member_args I: the command line of member I.
etcd_member_args () {
  _sm=$1
  eval "cport=\$etcd_cport_$_sm pport=\$etcd_pport_$_sm scheme=\$etcd_scheme"
  echo --name "m$_sm" --data-dir "$etcd_tmp/m$_sm" \
    --listen-client-urls "$scheme://127.0.0.1:$cport" \
    --advertise-client-urls "$scheme://127.0.0.1:$cport" \
    --listen-peer-urls "http://127.0.0.1:$pport" \
    --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "$etcd_initial_cluster" \
    --initial-cluster-token "kcore-test-$$" \
    --heartbeat-interval 50 --election-timeout 500 \
    --max-request-bytes 4194304 \
    --logger zap --log-outputs "$etcd_tmp/m$_sm.log" $etcd_extra
}

etcd_start_member () {
  _sm=$1
  # shellcheck disable=SC2046
  "$ETCD" $(etcd_member_args "$_sm") >>"$etcd_tmp/m$_sm.out" 2>&1 &
  eval "ETCD_PID_$_sm=$!"
}

etcd_stop_member () {
  eval "pid=\$ETCD_PID_$1"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  eval "ETCD_PID_$1="
}

# curl options for the members (TLS tests set ETCD_CURL_OPTS).
etcd_curl () {
  # shellcheck disable=SC2086
  curl -sf -m 2 $ETCD_CURL_OPTS "$@"
}

etcd_wait_healthy () {
  wait_for 20 etcd_curl "$1/v3/kv/range" -d '{"key":"AA=="}'
}

etcd_cluster () {
  etcd_n=$1; shift
  etcd_extra="$*"
  etcd_scheme=${ETCD_SCHEME:-http}
  etcd_initial_cluster=""
  ETCD_ENDPOINTS=""
  _em=1
  while [ "$_em" -le "$etcd_n" ]; do
    cport=$(free_port); pport=$(free_port)
    while [ "$pport" = "$cport" ]; do pport=$(free_port); done
    eval "etcd_cport_$_em=$cport etcd_pport_$_em=$pport"
    eval "ETCD_URL_$_em=$etcd_scheme://127.0.0.1:$cport"
    etcd_initial_cluster="$etcd_initial_cluster${etcd_initial_cluster:+,}m$_em=http://127.0.0.1:$pport"
    ETCD_ENDPOINTS="$ETCD_ENDPOINTS${ETCD_ENDPOINTS:+;}$etcd_scheme://127.0.0.1:$cport"
    _em=$((_em + 1))
  done
  _em=1
  while [ "$_em" -le "$etcd_n" ]; do
    etcd_start_member "$_em"
    _em=$((_em + 1))
  done
  _em=1
  while [ "$_em" -le "$etcd_n" ]; do
    eval "url=\$ETCD_URL_$_em"
    if ! etcd_wait_healthy "$url"; then
      echo "# etcd member $_em did not come up; its log:" >&2
      tail -20 "$etcd_tmp/m$_em.log" >&2
      return 1
    fi
    _em=$((_em + 1))
  done
}

# The index of the leading member, from /v3/maintenance/status.
etcd_leader () {
  _em=1
  while [ "$_em" -le "$etcd_n" ]; do
    eval "url=\$ETCD_URL_$_em pid=\${ETCD_PID_$_em:-}"
    if [ -n "$pid" ]; then
      st=$(etcd_curl "$url/v3/maintenance/status" -d '{}') || st=""
      member=$(echo "$st" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["header"]["member_id"])' 2>/dev/null)
      leader=$(echo "$st" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("leader",""))' 2>/dev/null)
      if [ -n "$member" ] && [ "$member" = "$leader" ]; then
        echo "$_em"; return 0
      fi
    fi
    _em=$((_em + 1))
  done
  return 1
}
