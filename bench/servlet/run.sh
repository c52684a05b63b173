#!/usr/bin/env bash
# The Servlet binding's cost (issue 16): HseServlet on Tomcat 10.1 against a plain asynchronous servlet writing
# the same bytes (WriteListener) on the same Tomcat, one process serving both contexts, alternating rounds:
#   hello   GET hello (18 bytes): /hse4j/ext/hello (the hello sample: sendResponseHeader + a synchronous
#           writeClient) vs /plain/hello; HTTP/1.1 keep-alive, wrk -t$THREADS -c$CONNECTIONS
#   bulk    100 MiB (byte i = i mod 251): /hse4j/ext/stream (the stream sample: chained 1 MiB writeClientAsync)
#           vs /plain/stream (1 MiB writes); downloaded back to back on one connection (wrk -t1 -c1)
# Prints every run, then per workload the medians of req/s (MiB/s for bulk), of server CPU µs per request
# (the Tomcat process's user+system time over the run ÷ requests) and the ratios hse4j/plain.
#
#   bench/servlet/run.sh [hello,bulk]     (default: both)
#
# Environment: ROUNDS [5], DURATION [8] s per run, WARMUP [10] s per context and workload, THREADS [2],
#   CONNECTIONS [50], JAVA [java], JAVA_OPTS [-Xms1g -Xmx1g], KEEP_WORK=1,
#   MAX_SECONDS [600] (a watchdog ends the run, stopping everything, if it takes longer).
# Needs java 17+, mvn, wrk, curl, python3. A default run takes about 4 minutes.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$ROOT/bench/lib.sh"

WHAT=${1:-hello,bulk}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-10}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xms1g -Xmx1g}
BYTES=$((100 * 1024 * 1024))
wants() { [[ ",$WHAT," == *",$1,"* ]]; }
for tool in "$JAVA" mvn curl wrk python3; do
    command -v "$tool" >/dev/null || { echo "bench/servlet: $tool is missing" >&2; exit 1; }
done

bench_init
# The servlet module and the class path of its tests (HseServlet, the bench server, Tomcat: test scope there);
# each module of the reactor writes the file, the servlet module last.
log "== building the servlet module (package) and its test class path"
(cd "$ROOT" && mvn -q -B -pl servlet -am -DskipTests -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" \
    package dependency:build-classpath >"$WORK/build.log" 2>&1) || { cat "$WORK/build.log" >&2; exit 1; }
CP="$ROOT/servlet/target/classes:$ROOT/servlet/target/test-classes:$(cat "$WORK/cp.txt")"

start_bg watchdog bash -c "trap 'kill \$! 2>/dev/null; exit 0' TERM; sleep ${MAX_SECONDS:-600} & wait \$!;
    echo 'bench/servlet: MAX_SECONDS reached' >&2; kill -TERM $$"
log "hse4j servlet bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average $(loadavg)," \
    "$("$JAVA" -version 2>&1 | head -1), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"

mkdir -p "$WORK/ext"
cp "$ROOT/sample-extensions/target/jars/hello.jar" "$ROOT/sample-extensions/target/jars/stream.jar" "$WORK/ext/"
PORT=$(free_port)
port_free "$PORT"
# shellcheck disable=SC2086
start_bg tomcat "$JAVA" $JAVA_OPTS -cp "$CP" dev.hse4j.servlet.bench.ServletBenchServer "$PORT" "$WORK/ext" "$WORK/srv"
PID=$BG_PID
wait_url "http://127.0.0.1:$PORT/hse4j/ext/hello" 60 "$PID" || { cat "$WORK/tomcat.log" >&2; exit 1; }
wait_url "http://127.0.0.1:$PORT/plain/hello" 10 "$PID"
log "Tomcat pid $PID on port $PORT: $(grep -m1 -o 'Apache Tomcat/[0-9.]*' "$WORK/tomcat.log" || echo 'Apache Tomcat')"

# The same bytes from both, checked once before measuring.
for w in hello "stream?bytes=1000000"; do
    p=${w/stream/stream}
    a=$(curl -s "http://127.0.0.1:$PORT/hse4j/ext/$w" | sha256sum)
    b=$(curl -s "http://127.0.0.1:$PORT/plain/$p" | sha256sum)
    [ "$a" = "$b" ] || { echo "bench/servlet: /hse4j/ext/$w and /plain/$p differ" >&2; exit 1; }
done

declare -A URL=(
    [hello-hse4j]="http://127.0.0.1:$PORT/hse4j/ext/hello"
    [hello-plain]="http://127.0.0.1:$PORT/plain/hello"
    [bulk-hse4j]="http://127.0.0.1:$PORT/hse4j/ext/stream?bytes=$BYTES&chunk=1048576"
    [bulk-plain]="http://127.0.0.1:$PORT/plain/stream?bytes=$BYTES"
)
run() { # workload side -> "rps bytes_per_s cpu_us errors"
    if [ "$1" = hello ]; then run_wrk "$PID" "${URL[$1-$2]}" "$THREADS" "$CONNECTIONS" "$3"
    else WRK_TIMEOUT=30 run_wrk "$PID" "${URL[$1-$2]}" 1 1 "$3"; fi
}

declare -A RES
for wl in hello bulk; do
    wants "$wl" || continue
    log "== $wl: warm-up ${WARMUP} s each"
    run "$wl" hse4j "$WARMUP" >/dev/null
    run "$wl" plain "$WARMUP" >/dev/null
    for ((r = 1; r <= ROUNDS; r++)); do
        # alternate which side goes first
        if ((r % 2)); then order="hse4j plain"; else order="plain hse4j"; fi
        for side in $order; do
            out=$(run "$wl" "$side" "$DURATION")
            read -r rps bps cpu err <<<"$out"
            RES[$wl-$side]+="$rps $bps $cpu $err"$'\n'
            if [ "$wl" = hello ]; then
                log "$(printf 'round %d %-6s %-5s %9s req/s %8s us CPU/req errors %s' "$r" "$wl" "$side" "$rps" "$cpu" "$err")"
            else
                log "$(printf 'round %d %-6s %-5s %9.1f MiB/s %8s us CPU/req errors %s' "$r" "$wl" "$side" \
                    "$(echo "$bps" | awk '{print $1/1048576}')" "$cpu" "$err")"
            fi
        done
    done
done

log ""
log "== medians ($ROUNDS rounds x ${DURATION} s; load average at the end $(loadavg))"
for wl in hello bulk; do
    wants "$wl" || continue
    for side in hse4j plain; do
        m_rps=$(printf '%s' "${RES[$wl-$side]}" | awk 'NF{print $1}' | median)
        m_bps=$(printf '%s' "${RES[$wl-$side]}" | awk 'NF{print $2/1048576}' | median)
        m_cpu=$(printf '%s' "${RES[$wl-$side]}" | awk 'NF{print $3}' | median)
        errs=$(printf '%s' "${RES[$wl-$side]}" | awk 'NF{s+=$4} END {print s+0}')
        eval "M_${wl}_${side}_rps=$m_rps M_${wl}_${side}_bps=$m_bps M_${wl}_${side}_cpu=$m_cpu"
        log "$(printf '%-6s %-5s %10s req/s %10s MiB/s %8s us CPU/req  errors %s' "$wl" "$side" "$m_rps" "$m_bps" "$m_cpu" "$errs")"
    done
    eval "h_rps=\$M_${wl}_hse4j_rps p_rps=\$M_${wl}_plain_rps h_cpu=\$M_${wl}_hse4j_cpu p_cpu=\$M_${wl}_plain_cpu"
    log "$(awk -v a="$h_rps" -v b="$p_rps" -v c="$h_cpu" -v d="$p_cpu" -v w="$wl" 'BEGIN {
        printf "%-6s hse4j/plain: throughput %.3f, CPU per request %.3f (binding cost %+.1f%% CPU)\n",
            w, a / b, c / d, (c / d - 1) * 100 }')"
done
