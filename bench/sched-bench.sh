#!/bin/bash
# sched-bench.sh: end-to-end scheduling benchmark.  For each configuration
# it starts a fresh kcore (apiserver + scheduler, fresh data directory),
# kcore-sim with the hollow nodes, runs bench/sched-bench against it, reads
# the CPU time and peak RSS (VmHWM) of every process it started, and prints
# one results row.  Builds nothing.
#
#   bench/sched-bench.sh [BUILD_DIR] [-- SCHED-BENCH-OPTIONS...]
#
# Environment (each a list, separated by spaces or commas; the runs are
# their cross product):
#   NODES    hollow nodes                  (default 5000)
#   PODS     pods created                  (default 10000)
#   SCORER   spread or binpack             (default spread)
#   STORE    memory or sqlite              (default sqlite)
#   RATE     creates per second, 0 = unlimited (default 0)
# FULL=1 runs the whole matrix: NODES="1000 5000" PODS="10000 50000"
# SCORER="spread binpack" STORE="memory sqlite".  Other settings:
#   CONCURRENCY (creates in flight, 64), NAMESPACES (1), TIMEOUT (seconds
#   to wait for bindings after the last create, 120), LEASE_RENEW (kcore-sim
#   --lease-renew-seconds, 40), SIM_READY_TIMEOUT (seconds, 900),
#   KEEP=1 (keep the work directory with every log), SAMPLE (seconds
#   between CPU samples printed during a run, 5; 0: none),
#   KCORE (the kcore binary, default BUILD_DIR/kcore: to compare two
#   builds with the same kcore-sim and sched-bench; the plugins still come
#   from BUILD_DIR/plugins), SCHEDULER_OPTS (extra lines for the
#   [scheduler] group, separated by ';', e.g.
#   "record-scheduled-events=false;parallelism=1").
# The work directory goes under $TMPDIR (default /tmp).
set -u

build=.
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  build=$1
  shift
fi
[ "${1:-}" = "--" ] && shift
build=$(cd "$build" 2>/dev/null && pwd) || { echo "sched-bench.sh: no build directory" >&2; exit 2; }

if [ "${FULL:-0}" = 1 ]; then
  : "${NODES:=1000 5000}" "${PODS:=10000 50000}" "${SCORER:=spread binpack}"
  : "${STORE:=memory sqlite}"
fi
NODES=${NODES:-5000}
PODS=${PODS:-10000}
SCORER=${SCORER:-spread}
STORE=${STORE:-sqlite}
RATE=${RATE:-0}
CONCURRENCY=${CONCURRENCY:-64}
NAMESPACES=${NAMESPACES:-1}
TIMEOUT=${TIMEOUT:-120}
LEASE_RENEW=${LEASE_RENEW:-40}
SIM_READY_TIMEOUT=${SIM_READY_TIMEOUT:-900}
SAMPLE=${SAMPLE:-5}
KEEP=${KEEP:-0}
SCHEDULER_OPTS=${SCHEDULER_OPTS:-}

kcore=${KCORE:-$build/kcore}
sim=$build/kcore-sim
bench=$build/bench/sched-bench
for f in "$kcore" "$sim" "$bench"; do
  if [ ! -x "$f" ]; then
    echo "sched-bench.sh: $f not found: pass the build directory (make kcore kcore-sim bench/sched-bench first)" >&2
    exit 2
  fi
done
list () { echo "$1" | tr ',' ' '; }
for s in $(list "$SCORER"); do
  case $s in spread|binpack) ;; *)
    echo "sched-bench.sh: SCORER=$s: expected spread or binpack" >&2; exit 2 ;;
  esac
done
for s in $(list "$STORE"); do
  case $s in memory|sqlite) ;; *)
    echo "sched-bench.sh: STORE=$s: expected memory or sqlite" >&2; exit 2 ;;
  esac
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/sched-bench.XXXXXX")
kcore_pid=
sim_pid=
bench_pid=
sampler_pid=
stop_all () {
  # Only the processes started here, by PID; the supervisor stops its
  # components itself.
  for pid in $sampler_pid $bench_pid $sim_pid $kcore_pid; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in $sampler_pid $bench_pid $sim_pid $kcore_pid; do
    wait "$pid" 2>/dev/null
  done
  sampler_pid= bench_pid= sim_pid= kcore_pid=
}
cleanup () {
  stop_all
  if [ "$KEEP" = 1 ]; then
    echo "# logs kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port () {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
# CPU ticks (user + system) of PID; 0 when it is gone.
ticks () { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)
# Busy ticks of the whole machine (all CPUs, every process).
machine_ticks () { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
# kB -> MiB, "-" when unknown.
mib () { if [ -n "$1" ]; then echo $(( $1 / 1024 )); else echo -; fi; }
# A field of /proc/PID/status in kB ("" when gone).
status_kb () { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
# The component child of supervisor $1 named $2: a child whose command line
# has "--component NAME".
component_pid () {
  local stat pid ppid
  for stat in /proc/[0-9]*/stat; do
    pid=${stat#/proc/}; pid=${pid%/stat}
    ppid=$(awk '{ print $4 }' "$stat" 2>/dev/null) || continue
    [ "$ppid" = "$1" ] || continue
    if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null \
         | grep -q -- "--component $2\( \|$\)"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}
wait_for () {
  local seconds=$1; shift
  local i
  for i in $(seq $((seconds * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# Succeeds when the server is ready, or when PID is gone (nothing to wait for).
ready_or_dead () { curl -sf "$1/readyz" || ! kill -0 "$2" 2>/dev/null; }

write_config () {
  local file=$1 port=$2 store=$3 scorer=$4 dir=$5
  {
    cat <<EOF
[kcore]
components=apiserver;scheduler
plugin-path=$build/plugins
data-dir=$dir/data
api-servers=http://127.0.0.1:$port
log-level=info
[apiserver]
listen=127.0.0.1:$port
[store]
plugin=$store
EOF
    [ "$store" = sqlite ] && echo "path=$dir/store.db"
    cat <<EOF
[scheduler]
profiles=default-scheduler
$(echo "$SCHEDULER_OPTS" | tr ';' '\n')
[profile default-scheduler]
plugins=node-unschedulable;node-name;taint-toleration;node-affinity;node-resources-fit;inter-pod-affinity;pod-topology-spread;$scorer;balanced-allocation
weights=taint-toleration=3;node-affinity=2;inter-pod-affinity=2;pod-topology-spread=2
EOF
    for p in node-unschedulable node-name taint-toleration node-affinity \
             node-resources-fit inter-pod-affinity pod-topology-spread \
             spread binpack balanced-allocation; do
      printf '[scheduler %s]\nplugin=%s\n' "$p" "$p"
    done
  } > "$file"
}

# sample_cpu NAME=PID...: every $SAMPLE s, one comment line with each
# process's share of a core over the interval.
sample_cpu () {
  local prev=() cur=() line i
  for i in "$@"; do prev+=("$(ticks "${i#*=}")"); done
  local mprev; mprev=$(machine_ticks)
  while sleep "$SAMPLE"; do
    line="# cpu over ${SAMPLE}s (% of one core): machine $(( ($(machine_ticks) - mprev) * 100 / (hz * SAMPLE) ))"
    mprev=$(machine_ticks)
    cur=()
    for i in "$@"; do cur+=("$(ticks "${i#*=}")"); done
    for idx in "${!cur[@]}"; do
      local name=${*:idx+1:1}
      if [ "${cur[idx]}" -lt "${prev[idx]}" ] || [ "${cur[idx]}" = 0 ]; then
        line="$line ${name%%=*} gone"   # exited (a restarted scheduler)
      else
        line="$line ${name%%=*} $(( (cur[idx] - prev[idx]) * 100 / (hz * SAMPLE) ))"
      fi
    done
    # Open descriptors (mostly connections) of the first two: the API
    # server and the scheduler.
    line="$line fds $(ls "/proc/${1#*=}/fd" 2>/dev/null | wc -l)/$(ls "/proc/${2#*=}/fd" 2>/dev/null | wc -l)"
    echo "$line load $(cut -d' ' -f1 /proc/loadavg)"
    prev=("${cur[@]}")
  done
}

rows=()
status=0
run_one () {
  local nodes=$1 pods=$2 scorer=$3 store=$4 rate=$5
  local tag="n${nodes}-p${pods}-${scorer}-${store}-r${rate}"
  local dir=$work/$tag
  mkdir -p "$dir"
  local port; port=$(free_port)
  local url=http://127.0.0.1:$port
  write_config "$dir/kcore.conf" "$port" "$store" "$scorer" "$dir"
  echo "# === $tag: nodes $nodes, pods $pods, scorer $scorer, store $store, rate $rate"
  local load_start; load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "# load average at start: $load_start (nproc $(nproc))"

  "$kcore" --config "$dir/kcore.conf" > "$dir/kcore.log" 2>&1 &
  kcore_pid=$!
  if ! wait_for 30 ready_or_dead "$url" "$kcore_pid" \
       || ! kill -0 "$kcore_pid" 2>/dev/null; then
    echo "# ERROR $tag: kcore did not become ready; its log:"
    sed 's/^/#   /' "$dir/kcore.log" | tail -n 30
    stop_all; status=1; return
  fi
  local api_pid sched_pid
  wait_for 10 component_pid "$kcore_pid" scheduler
  api_pid=$(component_pid "$kcore_pid" apiserver)
  sched_pid=$(component_pid "$kcore_pid" scheduler)
  if [ -z "$api_pid" ] || [ -z "$sched_pid" ]; then
    echo "# ERROR $tag: cannot find the apiserver/scheduler children of pid $kcore_pid"
    stop_all; status=1; return
  fi
  echo "# kcore pid $kcore_pid: apiserver pid $api_pid, scheduler pid $sched_pid, $url"

  local t0=$SECONDS
  "$sim" --server "$url" --nodes "$nodes,cpu=32,memory=256Gi,pods=110" \
    --lease-renew-seconds "$LEASE_RENEW" > "$dir/sim.out" 2> "$dir/sim.log" &
  sim_pid=$!
  if ! wait_for "$SIM_READY_TIMEOUT" grep -q "nodes ready" "$dir/sim.out"; then
    echo "# ERROR $tag: kcore-sim did not get ready; its log:"
    tail -n 20 "$dir/sim.log" | sed 's/^/#   /'
    stop_all; status=1; return
  fi
  echo "# $(cat "$dir/sim.out") after $((SECONDS - t0)) s; load $(cut -d' ' -f1-3 /proc/loadavg)"
  # Let the scheduler's node informer and the heartbeats settle.
  sleep 3

  local a0 s0 m0 w0
  a0=$(ticks "$api_pid"); s0=$(ticks "$sched_pid"); m0=$(ticks "$sim_pid")
  w0=$(machine_ticks)
  local load_bench; load_bench=$(cut -d' ' -f1-3 /proc/loadavg)
  "$bench" --server "$url" --pods "$pods" --rate "$rate" \
    --concurrency "$CONCURRENCY" --namespaces "$NAMESPACES" \
    --timeout "$TIMEOUT" "$@" > "$dir/bench.out" 2>&1 &
  bench_pid=$!
  if [ "$SAMPLE" -gt 0 ] 2>/dev/null; then
    sample_cpu api="$api_pid" sched="$sched_pid" sim="$sim_pid" \
      bench="$bench_pid" > "$dir/cpu.log" &
    sampler_pid=$!
  fi
  wait "$bench_pid"
  local rc=$?
  bench_pid=
  if [ -n "$sampler_pid" ]; then
    kill -TERM "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null
    sampler_pid=
  fi
  local a1 s1 m1 w1
  a1=$(ticks "$api_pid"); s1=$(ticks "$sched_pid"); m1=$(ticks "$sim_pid")
  w1=$(machine_ticks)
  cat "$dir/bench.out"
  [ -f "$dir/cpu.log" ] && cat "$dir/cpu.log"
  [ $rc -ne 0 ] && status=1
  echo "# scheduler log (last 'bound' lines):"
  grep -E "bound [0-9]+ pod" "$dir/kcore.log" | tail -n 4 | sed 's/^/#   /'
  if grep -q "component scheduler .* exited" "$dir/kcore.log"; then
    echo "# WARNING: the scheduler exited during the run:"
    grep -E "lost the leader|component scheduler .* exited" "$dir/kcore.log" \
      | tail -n 4 | sed 's/^/#   /'
  fi
  if grep -qiE 'critical|error' "$dir/kcore.log"; then
    echo "# kcore log has errors:"
    grep -iE 'critical|error' "$dir/kcore.log" | tail -n 5 | sed 's/^/#   /'
  fi

  local hwm_api hwm_sched hwm_sim
  hwm_api=$(status_kb "$api_pid" VmHWM)
  hwm_sched=$(status_kb "$sched_pid" VmHWM)
  hwm_sim=$(status_kb "$sim_pid" VmHWM)
  local line; line=$(grep '^sched-bench ' "$dir/bench.out" | tail -n 1)
  get () { echo "$line" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
  local cpu_api cpu_sched cpu_sim cpu_machine
  cpu_machine=$(awk -v a="$w0" -v b="$w1" -v h="$hz" 'BEGIN { printf "%.1f", (b - a) / h }')
  cpu_api=$(awk -v a="$a0" -v b="$a1" -v h="$hz" 'BEGIN { printf "%.1f", (b - a) / h }')
  cpu_sched=$(awk -v a="$s0" -v b="$s1" -v h="$hz" 'BEGIN { printf "%.1f", (b - a) / h }')
  # A scheduler that lost its Lease exited; its successor is another PID.
  if ! kill -0 "$sched_pid" 2>/dev/null; then
    cpu_sched=-
    hwm_sched=
  fi
  cpu_sim=$(awk -v a="$m0" -v b="$m1" -v h="$hz" 'BEGIN { printf "%.1f", (b - a) / h }')
  echo "# cpu seconds during the run: apiserver $cpu_api, scheduler $cpu_sched, kcore-sim $cpu_sim, sched-bench $(get bench_cpu_s); whole machine $cpu_machine of $(awk -v e="$(get elapsed_s)" -v n="$(nproc)" 'BEGIN { printf "%.1f", e * n }') (elapsed $(get elapsed_s) s x $(nproc) CPUs)"
  echo "# peak RSS (VmHWM): apiserver $hwm_api kB, scheduler $hwm_sched kB, kcore-sim $hwm_sim kB"
  rows+=("$(printf '%-5s %-6s %-7s %-6s %-5s | %8s %7s %7s %7s %8s %5s | %6s %6s %6s %6s | %7s %7s %7s | %s' \
    "$nodes" "$pods" "$scorer" "$store" "$rate" \
    "$(get pods_per_s)" "$(get p50_ms)" "$(get p90_ms)" "$(get p99_ms)" \
    "$(get max_ms)" "$(get unbound)" \
    "$cpu_api" "$cpu_sched" "$cpu_sim" "$(get bench_cpu_s)" \
    "$(mib "$hwm_api")" "$(mib "$hwm_sched")" "$(mib "$hwm_sim")" \
    "$load_bench")")
  stop_all
}

for nodes in $(list "$NODES"); do
  for pods in $(list "$PODS"); do
    for scorer in $(list "$SCORER"); do
      for store in $(list "$STORE"); do
        for rate in $(list "$RATE"); do
          run_one "$nodes" "$pods" "$scorer" "$store" "$rate" "$@"
        done
      done
    done
  done
done

echo "# results (pods/s end to end: first create sent -> last binding seen;"
echo "#   latency = create sent -> binding seen, ms; cpu = seconds during the"
echo "#   run; hwm = peak RSS, MiB; load = 1/5/15-min load average when the bench started)"
printf '# %-5s %-6s %-7s %-6s %-5s | %8s %7s %7s %7s %8s %5s | %6s %6s %6s %6s | %7s %7s %7s | %s\n' \
  nodes pods scorer store rate pods/s p50 p90 p99 max unbnd \
  cpuApi cpuSch cpuSim cpuBen hwmApi hwmSch hwmSim load
for r in "${rows[@]}"; do echo "row $r"; done
exit $status
