#!/usr/bin/env bash
# What strict mode costs on the hello path: hse4j built without strict mode (BASE_JAR), this tree with
# strict mode off (the default), and this tree with --strict, side by side on GET /ext/hello.
#
#   BASE_JAR=/path/to/older/server/target/hse4j-server.jar bench/strict/run.sh
#
# Environment (defaults in brackets): ROUNDS [5] rounds, each running every server once in a rotating
# order; DURATION [10] seconds per wrk run; WARMUP [5]; THREADS [2]; CONNECTIONS [50];
# HSE_JAR [this tree's server jar]; EXT_DIR [this tree's sample jars]; PORT [18180] (and the next two).
# Prints req/s and server CPU µs per request (user+system time of the server process over the run, from
# /proc/PID/stat, divided by the requests), each server's median, and the ratios to the base.
# Everything listens on and connects to 127.0.0.1; the servers started here are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
PORT=${PORT:-18180}
HSE_JAR=${HSE_JAR:-$ROOT/server/target/hse4j-server.jar}
EXT_DIR=${EXT_DIR:-$ROOT/sample-extensions/target/jars}
: "${BASE_JAR:?set BASE_JAR to a server jar built without strict mode}"
WORK=$(mktemp -d -t hse4j-strict-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat > "$WORK/summary.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout))
end
LUA
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)

NAMES=(base off strict)
JARS=("$BASE_JAR" "$HSE_JAR" "$HSE_JAR")
FLAGS=("" "" "--strict")
declare -A PID_OF PORT_OF
for i in 0 1 2; do
    n=${NAMES[$i]}
    p=$((PORT + i))
    mkdir -p "$WORK/$n"
    cp "$EXT_DIR/hello.jar" "$WORK/$n/"
    java -jar "${JARS[$i]}" --host 127.0.0.1 -p "$p" --no-https --access-log none --no-watch \
        --extensions "$WORK/$n" --work-dir "$WORK/$n-work" ${FLAGS[$i]} > "$WORK/$n.log" 2>&1 &
    PID_OF[$n]=$!
    PORT_OF[$n]=$p
    PIDS+=($!)
done
for n in "${NAMES[@]}"; do
    for _ in $(seq 1 300); do
        curl -fs "http://127.0.0.1:${PORT_OF[$n]}/ext/hello" >/dev/null && break
        sleep 0.1   # waiting for the server process to listen
    done
    curl -fs "http://127.0.0.1:${PORT_OF[$n]}/ext/hello" >/dev/null || { echo "$n did not start"; cat "$WORK/$n.log"; exit 1; }
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:${PORT_OF[$n]}/ext/hello" >/dev/null
done

declare -A RPS CPU
for r in $(seq 1 "$ROUNDS"); do
    for k in 0 1 2; do
        n=${NAMES[$(( (k + r) % 3 ))]}
        before=$(cpu_ticks "${PID_OF[$n]}")
        out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$WORK/summary.lua" "http://127.0.0.1:${PORT_OF[$n]}/ext/hello")
        after=$(cpu_ticks "${PID_OF[$n]}")
        line=$(grep RESULT <<<"$out")
        req=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line")
        us=$(sed 's/.*duration_us=\([0-9]*\).*/\1/' <<<"$line")
        err=$(sed 's/.*errors=\([0-9]*\).*/\1/' <<<"$line")
        rps=$(awk -v q="$req" -v d="$us" 'BEGIN{printf "%.0f", q / (d / 1e6)}')
        cpu=$(awk -v t=$((after - before)) -v hz="$TICK" -v q="$req" 'BEGIN{printf "%.2f", t / hz * 1e6 / q}')
        printf 'round %d %-6s %8s req/s %6s µs CPU/req (errors %s)\n' "$r" "$n" "$rps" "$cpu" "$err"
        RPS[$n]="${RPS[$n]:-} $rps"
        CPU[$n]="${CPU[$n]:-} $cpu"
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "== medians over $ROUNDS rounds (wrk -t$THREADS -c$CONNECTIONS, ${DURATION}s)"
B_RPS=$(median <<<"${RPS[base]}"); B_CPU=$(median <<<"${CPU[base]}")
for n in "${NAMES[@]}"; do
    m=$(median <<<"${RPS[$n]}"); c=$(median <<<"${CPU[$n]}")
    printf '%-6s %8s req/s (x%s)  %6s µs CPU/req (x%s)\n' "$n" "$m" \
        "$(awk -v a="$m" -v b="$B_RPS" 'BEGIN{printf "%.3f", a/b}')" "$c" \
        "$(awk -v a="$c" -v b="$B_CPU" 'BEGIN{printf "%.3f", a/b}')"
done
