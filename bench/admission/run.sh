#!/usr/bin/env bash
# Connection-admission benchmark, all on 127.0.0.1, side by side in one run: NEW connections per second,
# each carrying one `Connection: close` request for the 18-byte hello (wrk -H 'Connection: close' opens a
# connection per request), against three hse4j servers running at the same time:
#   none      no admission policy at all (--max-connections 0 --max-connections-per-ip 0)
#   builtin   every built-in policy on but not reached: --max-connections 100000, --max-connections-per-ip
#             100000, --accept-rate-per-ip 10000000, --deny 10.0.0.0/8, --allow 127.0.0.0/8
#   hook      no built-in policy, the sample token-bucket hook (rate and burst set out of reach)
# Rounds are interleaved round-robin so that background noise hits every server alike. Printed: median
# connections/s, the ratio to `none`, and server CPU microseconds per connection (utime+stime of the server
# process over the round, from /proc/PID/stat, divided by the requests wrk completed).
#
# Needs: java 17, mvn, curl, wrk. Usage: bench/admission/run.sh [rounds]   (SECONDS_PER_ROUND=8 by default;
# HSE_JAR, HELLO_JAR, HOOK_JAR: other builds to measure, default this tree's)
set -euo pipefail
ROUNDS=${1:-5}
SECS=${SECONDS_PER_ROUND:-8}
CONNS=${CONNS:-8}
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
for tool in java mvn curl wrk python3; do
  command -v "$tool" >/dev/null || { echo "bench/admission: $tool is missing (apt-get install wrk curl)" >&2; exit 1; }
done

HSE_JAR=${HSE_JAR:-$ROOT/server/target/hse4j-server.jar}
HELLO_JAR=${HELLO_JAR:-$ROOT/sample-extensions/target/jars/hello.jar}
HOOK_JAR=${HOOK_JAR:-$ROOT/sample-extensions/target/hooks/tokenbucket.jar}
if [ ! -f "$HSE_JAR" ] || [ ! -f "$HOOK_JAR" ]; then
  echo "== building"
  (cd "$ROOT" && mvn -q -B -o package -DskipTests 2>/dev/null || mvn -q -B package -DskipTests)
fi

WORK="$(mktemp -d /tmp/hse4j-bench-admission.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { # port
  for _ in $(seq 1 150); do
    curl -s -o /dev/null "http://127.0.0.1:$1/hse/health" && return 0
    sleep 0.2
  done
  echo "bench/admission: nothing answers on $1" >&2; exit 1
}

JAVA_OPTS=${JAVA_OPTS:--Xms512m -Xmx512m}
declare -A PORT PID
start() { # name extensions-dir java-props flags...
  local name=$1 ext=$2 props=$3; shift 3
  PORT[$name]=$(free_port)
  # shellcheck disable=SC2086
  java $JAVA_OPTS $props -jar "$HSE_JAR" --host 127.0.0.1 --port "${PORT[$name]}" \
    --no-https --extensions "$ext" --webroot "$ROOT/webroot" --work-dir "$WORK/work-$name" --access-log none \
    --no-watch "$@" > "$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  PIDS+=($!)
  wait_for "${PORT[$name]}"
}

mkdir -p "$WORK/ext" "$WORK/ext-hook"
cp "$HELLO_JAR" "$WORK/ext/hello.jar"
cp "$HELLO_JAR" "$WORK/ext-hook/hello.jar"
cp "$HOOK_JAR" "$WORK/ext-hook/tokenbucket.jar"

echo "== starting servers (work dir $WORK)"
start none "$WORK/ext" "" --max-connections 0 --max-connections-per-ip 0
start builtin "$WORK/ext" "" --max-connections 100000 --max-connections-per-ip 100000 \
  --accept-rate-per-ip 10000000 --deny 10.0.0.0/8 --allow 127.0.0.0/8
start hook "$WORK/ext-hook" "-Dhse4j.tokenbucket.rate=1e12 -Dhse4j.tokenbucket.burst=1e12" \
  --max-connections 0 --max-connections-per-ip 0
NAMES=(none builtin hook)
for n in "${NAMES[@]}"; do
  body=$(curl -s "http://127.0.0.1:${PORT[$n]}/ext/hello")
  [ -n "$body" ] || { echo "bench/admission: $n does not answer /ext/hello" >&2; exit 1; }
done
grep -q "admission hook dev.hse4j.samples.tokenbucket.TokenBucketHook" "$WORK/hook.log" \
  || { echo "bench/admission: the hook server did not deploy the hook" >&2; cat "$WORK/hook.log"; exit 1; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)
run() { # name -> "conn/s cpu_us_per_conn"
  local n=$1 t0 t1 out reqs secs
  t0=$(cpu_ticks "${PID[$n]}")
  out=$(wrk -t1 -c"$CONNS" -d"${SECS}s" -H 'Connection: close' "http://127.0.0.1:${PORT[$n]}/ext/hello")
  t1=$(cpu_ticks "${PID[$n]}")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  if echo "$out" | grep -q "Non-2xx\|Socket errors: connect [1-9]"; then echo "bench/admission: $n: errors: $out" >&2; fi
  awk -v r="$reqs" -v s="$SECS" -v a="$t0" -v b="$t1" -v tk="$TICK" \
    'BEGIN {printf "%.0f %.1f\n", r / s, (b - a) / tk * 1e6 / r}'
}

echo "== warm-up"
for n in "${NAMES[@]}"; do wrk -t1 -c"$CONNS" -d"${WARMUP:-10}s" -H 'Connection: close' "http://127.0.0.1:${PORT[$n]}/ext/hello" >/dev/null; done

echo "== $ROUNDS rounds x ${SECS}s, wrk -t1 -c$CONNS -H 'Connection: close' (a new connection per request), rotating order"
echo "   (load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores)"
declare -A R C
for r in $(seq 1 "$ROUNDS"); do
  for i in 0 1 2; do
    n=${NAMES[$(( (i + r) % 3 ))]}
    set -- $(run "$n")
    R[$n]+="$1 "
    C[$n]+="$2 "
    echo "   round $r $n: $1 conn/s, $2 µs CPU/conn"
  done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
echo
echo "== results (medians)"
printf '%-9s %12s %10s %16s\n' "policy" "conn/s" "ratio" "CPU µs/conn"
base=$(echo "${R[none]}" | median)
for n in "${NAMES[@]}"; do
  m=$(echo "${R[$n]}" | median)
  c=$(echo "${C[$n]}" | median)
  printf '%-9s %12.0f %10.3f %16.1f\n' "$n" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN {print a / b}')" "$c"
done
echo "(raw conn/s: $(for n in "${NAMES[@]}"; do echo -n "$n [${R[$n]% }] "; done))"
for n in builtin hook; do
  echo "$n status: $(curl -s "http://127.0.0.1:${PORT[$n]}/hse/status.json" | python3 -c 'import json,sys; a=json.load(sys.stdin)["admission"]; print("verdicts", a["verdicts"], "byReason", a["byReason"], "hooks", [(h["name"], h["accept"], h["slow"], h["meanMicros"]) for h in a["hooks"]])')"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
