#!/usr/bin/env bash
# hse4j benchmarks: hse4j against a raw Jetty 12 core Handler writing the same bytes, side by side.
#
#   bench/run.sh [hello|stream|clock|all]      (default: all)
#
# Environment (defaults in brackets):
#   ROUNDS [5]        A/B rounds per throughput benchmark (the order alternates each round)
#   DURATION [10]     seconds per wrk run
#   WARMUP [5]        seconds of warm-up per server before the rounds
#   THREADS [2]       wrk threads for hello;   CONNECTIONS [50] wrk connections for hello
#   STREAM_CONNECTIONS [1]  wrk connections (and threads) for stream
#   STREAM_BYTES [104857600]  STREAM_CHUNK [65536]
#   PENDING [10000]   concurrent clock requests;  CLOCK_MS [20000] how long each waits (keep it off 30 s,
#                     Jetty's idle timeout: a write in flight when it expires is failed)
#   HSE_PORT [18080]  RAW_PORT [18090]  HISTO_ROWS [12] classes listed by live-heap growth (clock)
#   SKIP_BUILD=1      use the jars already built
#   HSE_JAR, EXT_DIR  another hse4j build to measure (default: this tree's server jar and sample jars)
#
# Everything listens on and connects to 127.0.0.1. Servers started here are stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
WHAT=${1:-all}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
STREAM_CONNECTIONS=${STREAM_CONNECTIONS:-1}
STREAM_BYTES=${STREAM_BYTES:-104857600}
STREAM_CHUNK=${STREAM_CHUNK:-65536}
PENDING=${PENDING:-10000}
CLOCK_MS=${CLOCK_MS:-20000}
HSE_PORT=${HSE_PORT:-18080}
RAW_PORT=${RAW_PORT:-18090}
HSE_JAR=${HSE_JAR:-$ROOT/server/target/hse4j-server.jar}
BENCH_JAR=$ROOT/bench/target/hse4j-bench.jar
EXT_DIR=${EXT_DIR:-$ROOT/sample-extensions/target/jars}

case "$WHAT" in hello|stream|clock|all) ;; *) echo "usage: $0 [hello|stream|clock|all]" >&2; exit 2 ;; esac

. "$ROOT/bench/lib.sh"   # log, stop/forget, median, cpu_ticks, run_wrk, ...

# ---------------------------------------------------------------- setup

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "== building (mvn -q -B -DskipTests package; bench module package)"
    mvn -q -B -DskipTests package
    (cd bench && mvn -q -B package)
fi
if ! command -v wrk >/dev/null; then
    log "== installing wrk"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
# 10,000 connections on each side need more descriptors than the usual 1024.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

bench_init
wait_http() { wait_url "$@"; } # url seconds

start_hse() { # port logfile -> sets HSE_PID
    port_free "$1"
    # --max-connections(-per-ip) 0: the 10,000 pending requests come from one address, past the admission defaults.
    java -jar "$HSE_JAR" --host 127.0.0.1 --port "$1" --extensions "$EXT_DIR" --webroot "$ROOT/webroot" \
        --work-dir "$WORK/hse-work-$1" --access-log none --max-connections 0 --max-connections-per-ip 0 >"$2" 2>&1 &
    HSE_PID=$!
    PIDS+=("$HSE_PID")
    wait_http "http://127.0.0.1:$1/hse/health" 30
}

start_raw() { # port logfile -> sets RAW_PID
    port_free "$1"
    java -jar "$BENCH_JAR" "$1" >"$2" 2>&1 &
    RAW_PID=$!
    PIDS+=("$RAW_PID")
    wait_http "http://127.0.0.1:$1/hello" 30
}

# ab NAME HSE_URL RAW_URL THREADS CONNECTIONS UNIT: warm-up, ROUNDS alternating runs, medians, ratio
ab() {
    local name=$1 hurl=$2 rurl=$3 t=$4 c=$5 unit=$6 r side res
    local hres=() rres=()
    log "-- warm-up: ${WARMUP}s each"
    run_wrk "$HSE_PID" "$hurl" "$t" "$c" "$WARMUP" >/dev/null
    run_wrk "$RAW_PID" "$rurl" "$t" "$c" "$WARMUP" >/dev/null
    run_wrk "$HSE_PID" "$hurl" "$t" "$c" "$WARMUP" >/dev/null
    run_wrk "$RAW_PID" "$rurl" "$t" "$c" "$WARMUP" >/dev/null
    log "-- $ROUNDS rounds x ${DURATION}s, wrk -t$t -c$c (keep-alive), alternating order"
    for ((r = 1; r <= ROUNDS; r++)); do
        for side in $([ $((r % 2)) = 1 ] && echo "hse raw" || echo "raw hse"); do
            if [ "$side" = hse ]; then
                res=$(run_wrk "$HSE_PID" "$hurl" "$t" "$c" "$DURATION"); hres+=("$res")
            else
                res=$(run_wrk "$RAW_PID" "$rurl" "$t" "$c" "$DURATION"); rres+=("$res")
            fi
            print_run "$name" "$r" "$side" "$unit" $res
        done
    done
    summarize "$name" "$unit" "${hres[@]}" -- "${rres[@]}"
}

print_run() { # name round side unit rps bps cpu errors
    if [ "$4" = MiB/s ]; then
        printf '%-7s round %d  %-5s %9.1f MiB/s  (%.1f responses/s, server CPU %.1f us/response, errors %d)\n' \
            "$1" "$2" "$3" "$(echo "$6" | awk '{print $1 / 1048576}')" "$5" "$7" "$8"
    else
        printf '%-7s round %d  %-5s %9.0f req/s   (server CPU %.1f us/request, errors %d)\n' "$1" "$2" "$3" "$5" "$7" "$8"
    fi
}

summarize() { # name unit hse-results... -- raw-results...
    local name=$1 unit=$2 col hm rm hc rc
    shift 2
    local h=() rr=() seen=0 x
    for x in "$@"; do
        if [ "$x" = -- ]; then seen=1; elif [ $seen = 0 ]; then h+=("$x"); else rr+=("$x"); fi
    done
    col=$([ "$unit" = MiB/s ] && echo 2 || echo 1)
    hm=$(printf '%s\n' "${h[@]}" | awk -v c="$col" '{print $c}' | median)
    rm=$(printf '%s\n' "${rr[@]}" | awk -v c="$col" '{print $c}' | median)
    hc=$(printf '%s\n' "${h[@]}" | awk '{print $3}' | median)
    rc=$(printf '%s\n' "${rr[@]}" | awk '{print $3}' | median)
    if [ "$unit" = MiB/s ]; then
        hm=$(awk -v v="$hm" 'BEGIN{printf "%.1f", v / 1048576}'); rm=$(awk -v v="$rm" 'BEGIN{printf "%.1f", v / 1048576}')
    fi
    local pr i
    pr=$(for ((i = 0; i < ${#h[@]}; i++)); do
        echo "${h[$i]} ${rr[$i]}" | awk -v c="$col" '{print $c / $(c + 4)}'
    done | median)
    log "== $name medians: hse4j $hm $unit, raw Jetty $rm $unit, ratio of medians $(awk -v a="$hm" -v b="$rm" 'BEGIN{printf "%.3f", a / b}')," \
        "median of per-round ratios $(awk -v p="$pr" 'BEGIN{printf "%.3f", p}')" \
        "(server CPU per response: hse4j $hc us, raw $rc us)"
}

# ---------------------------------------------------------------- benchmarks

bench_hello() {
    log ""
    log "=== hello: GET /ext/hello (hse4j) vs GET /hello (raw Jetty), same 18-byte body and headers"
    ab hello "http://127.0.0.1:$HSE_PORT/ext/hello" "http://127.0.0.1:$RAW_PORT/hello" "$THREADS" "$CONNECTIONS" req/s
}

bench_stream() {
    local q="bytes=$STREAM_BYTES&chunk=$STREAM_CHUNK" a b
    log ""
    log "=== stream: $STREAM_BYTES bytes in $STREAM_CHUNK-byte async writes chained from completions"
    a=$(curl -s "http://127.0.0.1:$HSE_PORT/ext/stream?$q" | sha256sum | cut -c1-16)
    b=$(curl -s "http://127.0.0.1:$RAW_PORT/stream?$q" | sha256sum | cut -c1-16)
    log "-- same bytes: hse4j $a, raw $b $([ "$a" = "$b" ] && echo "(identical)" || echo "(DIFFERENT!)")"
    ab stream "http://127.0.0.1:$HSE_PORT/ext/stream?$q" "http://127.0.0.1:$RAW_PORT/stream?$q" \
        "$STREAM_CONNECTIONS" "$STREAM_CONNECTIONS" MiB/s
}

# live_heap PID: bytes of live objects (GC.class_histogram runs a full GC first)
live_heap() { jcmd "$1" GC.class_histogram | awk '/^Total/{print $3}'; }

# pending_run NAME PID PORT PATH PENDING_URL: PENDING requests held at once; heap and threads
pending_run() {
    local name=$1 pid=$2 port=$3 path=$4 purl=$5 h0 t0 h1 t1 n i cpid start rc
    # warm-up: load the classes of the whole path, then let the answers go
    java -cp "$BENCH_JAR" dev.hse4j.bench.PendingClient 127.0.0.1 "$port" "${path/\?ms=*/?ms=10}" 500 60 >/dev/null
    jcmd "$pid" GC.class_histogram > "$WORK/$name-before.histo"
    h0=$(awk '/^Total/{print $3}' "$WORK/$name-before.histo"); t0=$(threads_of "$pid")
    start=$(date +%s.%N)
    java -Xss256k -cp "$BENCH_JAR" dev.hse4j.bench.PendingClient 127.0.0.1 "$port" "$path" "$PENDING" \
        $((CLOCK_MS / 1000 + 90)) >"$WORK/$name-client.log" 2>&1 &
    cpid=$!
    PIDS+=("$cpid")
    n=0
    for ((i = 0; i < 600; i++)); do
        n=$(curl -s "$purl" | grep -m1 -oE '"pending" *: *[0-9]+|^[0-9]+$' | tr -dc '0-9')
        [ "${n:-0}" -ge "$PENDING" ] && break
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.1
    done
    log "-- $name: $n pending after $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e - s}') s"
    if [ "${n:-0}" -lt "$PENDING" ]; then
        log "!! $name: only $n of $PENDING pending; client said:"; cat "$WORK/$name-client.log"
        return 1
    fi
    jcmd "$pid" GC.class_histogram > "$WORK/$name-during.histo"
    h1=$(awk '/^Total/{print $3}' "$WORK/$name-during.histo"); t1=$(threads_of "$pid")
    log "-- $name: live heap $h0 B before, $h1 B with $PENDING pending: $(( (h1 - h0) / PENDING )) B" \
        "= $(awk -v d=$((h1 - h0)) -v n="$PENDING" 'BEGIN{printf "%.2f", d / n / 1024}') KB per pending request"
    log "-- $name: server threads $t0 before, $t1 with $PENDING pending"
    log "-- $name: largest live-heap growth by class (bytes per pending request):"
    awk -v n="$PENDING" 'FNR == NR && /^ *[0-9]+:/ {b[$4] = $3; next}
        /^ *[0-9]+:/ {d = $3 - b[$4]; if (d > 0) printf "%10.0f  %s\n", d / n, $4}' \
        "$WORK/$name-before.histo" "$WORK/$name-during.histo" | sort -rn | head -"${HISTO_ROWS:-12}"
    rc=0; wait "$cpid" || rc=$?
    forget "$cpid"
    log "-- $name: client: $(grep -E '^(ALL_SENT|DONE)' "$WORK/$name-client.log" | tr '\n' ' ') (exit $rc)"
    grep '^FAILED' "$WORK/$name-client.log" | sed "s/^/-- $name: client: /" || true
    log "-- $name: server threads after: $(threads_of "$pid")"
    PENDING_RESULT="$(( (h1 - h0) / PENDING )) $t0 $t1"
}

bench_clock() {
    local port=$((HSE_PORT + 1)) rport=$((RAW_PORT + 1)) hres rres
    log ""
    log "=== clock: $PENDING concurrent GET /ext/clock?ms=$CLOCK_MS, all pending at once (fresh servers)"
    start_hse "$port" "$WORK/hse-clock.log"
    pending_run hse4j "$HSE_PID" "$port" "/ext/clock?ms=$CLOCK_MS" \
        "http://127.0.0.1:$port/hse/status.json" || true
    hres=${PENDING_RESULT:-}
    stop "$HSE_PID"
    PENDING_RESULT=
    log "-- baseline: raw Jetty holding $PENDING requests (GET /clock?ms=$CLOCK_MS answered from Jetty's scheduler)"
    start_raw "$rport" "$WORK/raw-clock.log"
    pending_run raw "$RAW_PID" "$rport" "/clock?ms=$CLOCK_MS" "http://127.0.0.1:$rport/pending" || true
    rres=${PENDING_RESULT:-}
    stop "$RAW_PID"
    if [ -n "$hres" ] && [ -n "$rres" ]; then
        set -- $hres; local hb=$1 ht=$3
        set -- $rres; local rb=$1 rt=$3
        log "== clock: heap per pending request: hse4j $(awk -v b="$hb" 'BEGIN{printf "%.2f", b / 1024}') KB" \
            "(raw Jetty $(awk -v b="$rb" 'BEGIN{printf "%.2f", b / 1024}') KB; hse4j's own share" \
            "$(awk -v b=$((hb - rb)) 'BEGIN{printf "%.2f", b / 1024}') KB); threads with $PENDING pending: hse4j $ht, raw Jetty $rt"
    fi
}

log "hse4j bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(java -version 2>&1 | head -1), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
if [ "$WHAT" = hello ] || [ "$WHAT" = stream ] || [ "$WHAT" = all ]; then
    start_hse "$HSE_PORT" "$WORK/hse.log"
    start_raw "$RAW_PORT" "$WORK/raw.log"
    { [ "$WHAT" = hello ] || [ "$WHAT" = all ]; } && bench_hello
    { [ "$WHAT" = stream ] || [ "$WHAT" = all ]; } && bench_stream
    stop "$HSE_PID"; stop "$RAW_PID"
fi
{ [ "$WHAT" = clock ] || [ "$WHAT" = all ]; } && bench_clock
exit 0
