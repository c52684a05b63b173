#!/usr/bin/env bash
# A/B of hse4j builds on the hello: each build given, and raw Jetty with the non-blocking handler, side by side,
# the rounds alternating between them (every server sees the same machine within a round), wrk -t2 -c50
# keep-alive. Prints every run, then per server the medians of req/s and of server CPU µs per request, and
# each build's median per-round CPU ratio to the first build and to raw Jetty. For comparing two builds of a
# change on a shared machine; bench/per-request/run.sh gives the full table (nginx, HTTPS bulk, workers).
#
#   bench/per-request/ab.sh /path/a/hse4j-server.jar /path/b/hse4j-server.jar [...]
#
# Environment: ROUNDS [6], DURATION [8] s per run, WARMUP [10] s per warm-up run (until the JIT is quiet:
#   lib.sh warm_up, at most WARMUP_RUNS [8]), HTTPS=1 (the hello over TLS 1.3,
#   Conscrypt), EXT_DIR [sample-extensions/target/jars] (its hello.jar is deployed on every build),
#   JAVA [java], JAVA_OPTS [-Xms1g -Xmx1g]. Builds nothing: run `mvn -DskipTests package` first (bench/ too).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$ROOT/bench/lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 hse4j-server.jar [hse4j-server.jar ...]" >&2; exit 2; }
ROUNDS=${ROUNDS:-6}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-10}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xms1g -Xmx1g}
EXT_DIR=${EXT_DIR:-$ROOT/sample-extensions/target/jars}
BENCH_JAR=$ROOT/bench/target/hse4j-bench.jar
for tool in "$JAVA" wrk curl openssl; do
    command -v "$tool" >/dev/null || { echo "bench/per-request/ab.sh: $tool is missing" >&2; exit 1; }
done
for f in "$@" "$EXT_DIR/hello.jar" "$BENCH_JAR"; do
    [ -f "$f" ] || { echo "bench/per-request/ab.sh: $f not found" >&2; exit 1; }
done

bench_init
start_bg watchdog bash -c "trap 'kill \$! 2>/dev/null; exit 0' TERM; sleep ${MAX_SECONDS:-900} & wait \$!;
    echo 'bench/per-request/ab.sh: MAX_SECONDS reached' >&2; kill -TERM $$"
log "hse4j A/B: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average $(loadavg)"
names=(); pids=(); urls=()
i=0
for jar in "$@"; do
    d=$WORK/b$i; mkdir -p "$d/ext" "$d/tls"
    cp "$EXT_DIR/hello.jar" "$d/ext/"
    [ $i -gt 0 ] && cp "$WORK/b0/tls/"dev-*.pem "$d/tls/" # one certificate for everyone
    p=$(free_port); ps=$(free_port)
    # shellcheck disable=SC2086
    start_bg "b$i" "$JAVA" $JAVA_OPTS -jar "$jar" --host 127.0.0.1 --port "$p" --https-port "$ps" \
        --tls-provider conscrypt --tls-dir "$d/tls" --work-dir "$d/work" --extensions "$d/ext" \
        --webroot "$ROOT/webroot" --access-log none --no-watch --max-connections 0 --max-connections-per-ip 0
    pids+=("$BG_PID"); names+=("b$i")
    if [ "${HTTPS:-0}" = 1 ]; then urls+=("https://127.0.0.1:$ps/ext/hello"); else urls+=("http://127.0.0.1:$p/ext/hello"); fi
    wait_url "https://127.0.0.1:$ps/ext/hello" 60 "$BG_PID" || { cat "$WORK/b$i.log" >&2; exit 1; }
    log "b$i = $jar"
    i=$((i + 1))
done
openssl pkcs12 -export -in "$WORK/b0/tls/dev-cert.pem" -inkey "$WORK/b0/tls/dev-key.pem" -out "$WORK/dev.p12" \
    -passout pass:bench -name dev 2>/dev/null
p=$(free_port); ps=$(free_port)
# shellcheck disable=SC2086
start_bg raw "$JAVA" $JAVA_OPTS -cp "$BENCH_JAR" dev.hse4j.bench.RawJettyNonBlocking "$p" "$ps" "$WORK/dev.p12" bench
pids+=("$BG_PID"); names+=(raw)
if [ "${HTTPS:-0}" = 1 ]; then urls+=("https://127.0.0.1:$ps/hello"); else urls+=("http://127.0.0.1:$p/hello"); fi
wait_url "${urls[-1]}" 60 "$BG_PID" || { cat "$WORK/raw.log" >&2; exit 1; }

for k in "${!urls[@]}"; do
    read -r wr wcpu wjit <<< "$(warm_up "${pids[$k]}" "${urls[$k]}" 2 50 "$WARMUP" "${WARMUP_RUNS:-8}")"
    log "-- warm-up ${names[$k]}: $wr run(s) of ${WARMUP}s, last $wcpu us/request, JIT $wjit % of its CPU"
done
: > "$WORK/runs"
n=${#urls[@]}
for r in $(seq "$ROUNDS"); do
    line="round $r:"
    for j in $(seq 0 $((n - 1))); do
        k=$(( (j + r) % n )) # the order rotates every round
        read -r rps _ cpu err <<< "$(run_wrk "${pids[$k]}" "${urls[$k]}" 2 50 "$DURATION")"
        echo "$r ${names[$k]} $rps $cpu" >> "$WORK/runs"
        line="$line ${names[$k]} $rps req/s ${cpu} us/req (errors $err);"
    done
    log "$line load $(loadavg | cut -d' ' -f1)"
done
log "== medians (req/s, CPU us/request, median per-round CPU ratio to b0 and to raw Jetty)"
for k in "${!names[@]}"; do
    nm=${names[$k]}
    rps=$(awk -v n="$nm" '$2 == n {print $3}' "$WORK/runs" | median)
    cpu=$(awk -v n="$nm" '$2 == n {print $4}' "$WORK/runs" | median)
    to_b0=$(awk -v n="$nm" '$2 == n {c[$1] = $4} $2 == "b0" {b[$1] = $4} END {for (r in c) print c[r] / b[r]}' "$WORK/runs" | median)
    to_raw=$(awk -v n="$nm" '$2 == n {c[$1] = $4} $2 == "raw" {b[$1] = $4} END {for (r in c) print c[r] / b[r]}' "$WORK/runs" | median)
    log "$nm: $rps req/s, $cpu us/req; CPU x$to_b0 of b0, x$to_raw of raw Jetty"
done
