#!/usr/bin/env bash
# Per-request cost (issue 9): hse4j, raw Jetty 12.1 with a NON-BLOCKING core handler, and nginx, side by
# side in one run, in alternating rounds, all on 127.0.0.1 with the same certificate:
#   hello-http   GET hello (18 bytes) over HTTP/1.1 keep-alive         wrk -t$THREADS -c$CONNECTIONS
#   hello-https  the same over HTTPS (TLS 1.3; Conscrypt for the JVMs) wrk -t$THREADS -c$CONNECTIONS
#   bulk-https   100 MiB (byte i = i mod 251) over HTTPS/1.1, 1 MiB async writes on the JVMs, a file on
#                nginx, downloaded back to back on $BULK_CONNECTIONS connection(s)
# and, as a second line on hello-http, raw Jetty with the BLOCKING handler of bench/run.sh; and on both hellos
# hse4j-workers: a second hse4j run with --ignore-non-blocking, so the same hello (which declares nonBlocking)
# takes the path of an extension that may block: handed to a worker thread.
# Prints every run, then per workload the medians of req/s (MiB/s), of server CPU µs per request (the
# process's user+system time over the run ÷ requests; nginx: master + workers) and the ratios
# hse4j/raw-Jetty and hse4j/nginx (ratio of medians, and median of the per-round ratios).
#
#   bench/per-request/run.sh [hello-http,hello-https,bulk-https]     (default: all three)
#
# Environment: ROUNDS [5], DURATION [7] s per run, WARMUP [8] s (per server
#   before the first workload, half of it before the others; repeated until the JIT compiler threads took
#   under 2 % of the server's CPU in a run and two runs in a row agree within 15 %, at most WARMUP_RUNS [6]),
#   THREADS [2], CONNECTIONS [50], BULK_CONNECTIONS [1], BLOCKING [1] (0: leave the blocking line out),
#   WORKERS [1] (0: leave hse4j-workers out),
#   JAVA [java], JAVA_OPTS [-Xms1g -Xmx1g], SKIP_BUILD=1 (use the jars already built),
#   HSE_JAR / EXT_DIR (another hse4j build), HSE_OPTS (extra hse4j flags), KEEP_WORK=1,
#   MAX_SECONDS [900] (a watchdog ends the run, stopping everything, if it takes longer).
# Needs java 17+, mvn, wrk, nginx, curl, openssl, python3. A default run (five servers: hse4j, hse4j-workers, raw Jetty non-blocking and blocking, nginx) takes 10-11 minutes (at most 15: the watchdog).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$ROOT/bench/lib.sh"

WHAT=${1:-hello-http,hello-https,bulk-https}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-7}
WARMUP=${WARMUP:-8}
WARM=$WARMUP
WARMUP_RUNS=${WARMUP_RUNS:-6}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
BULK_CONNECTIONS=${BULK_CONNECTIONS:-1}
BLOCKING=${BLOCKING:-1}
WORKERS=${WORKERS:-1}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xms1g -Xmx1g}
BYTES=$((100 * 1024 * 1024))
HSE_JAR=${HSE_JAR:-$ROOT/server/target/hse4j-server.jar}
EXT_DIR=${EXT_DIR:-$ROOT/sample-extensions/target/jars}
BENCH_JAR=$ROOT/bench/target/hse4j-bench.jar

for tool in "$JAVA" mvn curl wrk nginx openssl python3; do
    command -v "$tool" >/dev/null || { echo "bench/per-request: $tool is missing" >&2; exit 1; }
done
for w in ${WHAT//,/ }; do
    case "$w" in hello-http|hello-https|bulk-https) ;; *) echo "usage: $0 [hello-http,hello-https,bulk-https]" >&2; exit 2 ;; esac
done
wants() { [[ ",$WHAT," == *",$1,"* ]]; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "== building (package at the root, then bench/)"
    (cd "$ROOT" && { mvn -q -B -o -DskipTests package 2>/dev/null || mvn -q -B -DskipTests package; })
    (cd "$ROOT/bench" && { mvn -q -B -o package 2>/dev/null || mvn -q -B package; })
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

bench_init
# A watchdog: whatever hangs, the run ends (and stops everything it started) after MAX_SECONDS.
start_bg watchdog bash -c "trap 'kill \$! 2>/dev/null; exit 0' TERM; sleep ${MAX_SECONDS:-900} & wait \$!;
    echo 'bench/per-request: MAX_SECONDS reached' >&2; kill -TERM $$"
LOAD0=$(loadavg)
log "hse4j per-request bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average $LOAD0," \
    "$("$JAVA" -version 2>&1 | head -1), $(nginx -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"

# ---------------------------------------------------------------- servers
mkdir -p "$WORK/ext" "$WORK/tls" "$WORK/www"
cp "$EXT_DIR"/hello.jar "$EXT_DIR"/stream.jar "$WORK/ext/"

H_HTTP=$(free_port); H_HTTPS=$(free_port)
# --max-connections(-per-ip) 0: all load comes from one address, past the admission defaults.
# shellcheck disable=SC2086
start_bg hse4j "$JAVA" $JAVA_OPTS -jar "$HSE_JAR" --host 127.0.0.1 --port "$H_HTTP" --https-port "$H_HTTPS" \
    --tls-provider conscrypt --tls-dir "$WORK/tls" --work-dir "$WORK/hse-work" --extensions "$WORK/ext" \
    --webroot "$ROOT/webroot" --access-log none --no-watch --max-connections 0 --max-connections-per-ip 0 ${HSE_OPTS:-}
HSE_PID=$BG_PID
wait_url "https://127.0.0.1:$H_HTTPS/ext/hello" 60 "$HSE_PID" || { cat "$WORK/hse4j.log" >&2; exit 1; }

# The raw servers and nginx use hse4j's development certificate (EC P-256), written by the run above.
openssl pkcs12 -export -in "$WORK/tls/dev-cert.pem" -inkey "$WORK/tls/dev-key.pem" -out "$WORK/tls/dev.p12" \
    -passout pass:bench -name dev 2>/dev/null
R_HTTP=$(free_port); R_HTTPS=$(free_port)
# shellcheck disable=SC2086
start_bg raw-nb "$JAVA" $JAVA_OPTS -cp "$BENCH_JAR" dev.hse4j.bench.RawJettyNonBlocking "$R_HTTP" "$R_HTTPS" \
    "$WORK/tls/dev.p12" bench
RAW_PID=$BG_PID
wait_url "https://127.0.0.1:$R_HTTPS/hello" 60 "$RAW_PID" || { cat "$WORK/raw-nb.log" >&2; exit 1; }

BLK_PID=""
if [ "$BLOCKING" = 1 ] && wants hello-http; then
    B_HTTP=$(free_port)
    # shellcheck disable=SC2086
    start_bg raw-blocking "$JAVA" $JAVA_OPTS -jar "$BENCH_JAR" "$B_HTTP"
    BLK_PID=$BG_PID
    wait_url "http://127.0.0.1:$B_HTTP/hello" 60 "$BLK_PID" || { cat "$WORK/raw-blocking.log" >&2; exit 1; }
fi

WRK_PID=""
if [ "$WORKERS" = 1 ] && { wants hello-http || wants hello-https; }; then
    W_HTTP=$(free_port); W_HTTPS=$(free_port)
    mkdir -p "$WORK/ext-w" && cp "$EXT_DIR"/hello.jar "$WORK/ext-w/"
    # shellcheck disable=SC2086
    start_bg hse4j-workers "$JAVA" $JAVA_OPTS -jar "$HSE_JAR" --host 127.0.0.1 --port "$W_HTTP" --https-port "$W_HTTPS" \
        --tls-provider conscrypt --tls-dir "$WORK/tls" --work-dir "$WORK/hse-work-w" --extensions "$WORK/ext-w" \
        --webroot "$ROOT/webroot" --access-log none --no-watch --max-connections 0 --max-connections-per-ip 0 \
        --ignore-non-blocking ${HSE_OPTS:-}
    WRK_PID=$BG_PID
    wait_url "https://127.0.0.1:$W_HTTPS/ext/hello" 60 "$WRK_PID" || { cat "$WORK/hse4j-workers.log" >&2; exit 1; }
fi

python3 - "$WORK/www/stream.bin" "$BYTES" <<'PY'
import sys
block = bytes(i % 251 for i in range(251 * 4096))
n = int(sys.argv[2])
with open(sys.argv[1], 'wb') as f:
    while n > 0:
        k = min(n, len(block)); f.write(block[:k]); n -= k
PY
N_HTTP=$(free_port); N_HTTPS=$(free_port)
# nginx as one would tune it for this: 2 workers (one per core), epoll, long keep-alive, no access log,
# the hello from memory (return 200), the file read in 1 MiB buffers (no sendfile: TLS encrypts in user
# space without kTLS), TLS 1.3 preferred with the same certificate, HTTP/2 offered by ALPN as on the JVMs.
cat > "$WORK/nginx.conf" <<NGX
worker_processes 2;
daemon off;
user root;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; use epoll; multi_accept on; }
http {
  access_log off;
  server_tokens off;
  tcp_nodelay on;
  keepalive_timeout 120s;
  keepalive_requests 10000000;
  open_file_cache max=16 inactive=600s;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_prefer_server_ciphers on;
  ssl_session_cache shared:SSL:1m;
  ssl_buffer_size 16k;
  server {
    listen 127.0.0.1:$N_HTTP;
    listen 127.0.0.1:$N_HTTPS ssl http2;
    ssl_certificate $WORK/tls/dev-cert.pem;
    ssl_certificate_key $WORK/tls/dev-key.pem;
    root $WORK/www;
    location = /hello { sendfile off; default_type "text/plain; charset=us-ascii"; return 200 "Hello from hse4j!\n"; }
    location = /stream.bin { default_type application/octet-stream; sendfile off; output_buffers 2 1m; }
  }
}
NGX
start_bg nginx nginx -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log"
NGX_PID=$BG_PID
wait_url "https://127.0.0.1:$N_HTTPS/hello" 30 "$NGX_PID" || { cat "$WORK/nginx.log" "$WORK/nginx-error.log" >&2; exit 1; }
grep -h "listening\|HTTPS on" "$WORK"/hse4j.log "$WORK"/raw-nb.log | cut -c1-160 | sed 's/^/  /'

# ---------------------------------------------------------------- checks: the same bytes everywhere
same_body() { # name url...: every URL answers 200 with the same body
    local u sums=()
    for u in "${@:2}"; do
        sums+=("$(curl -sk --http1.1 "$u" | sha256sum | cut -c1-16)")
    done
    if [ "$(printf '%s\n' "${sums[@]}" | sort -u | wc -l)" != 1 ]; then
        echo "bench/per-request: $1 bodies differ: ${sums[*]}" >&2; exit 1
    fi
    log "-- $1: the same body from all (sha256 ${sums[0]})"
}
HELLO_HTTP=("http://127.0.0.1:$H_HTTP/ext/hello" "http://127.0.0.1:$R_HTTP/hello" "http://127.0.0.1:$N_HTTP/hello")
HELLO_HTTPS=("https://127.0.0.1:$H_HTTPS/ext/hello" "https://127.0.0.1:$R_HTTPS/hello" "https://127.0.0.1:$N_HTTPS/hello")
Q="bytes=$BYTES&chunk=1048576"
BULK=("https://127.0.0.1:$H_HTTPS/ext/stream?$Q" "https://127.0.0.1:$R_HTTPS/stream?$Q" "https://127.0.0.1:$N_HTTPS/stream.bin")
wants hello-http && same_body hello "${HELLO_HTTP[@]}" ${BLK_PID:+"http://127.0.0.1:$B_HTTP/hello"}
wants bulk-https && same_body "100 MiB" "${BULK[@]}"

# ---------------------------------------------------------------- rounds
NAMES=(hse4j raw-nb nginx)
declare -A PIDOF=([hse4j]=$HSE_PID [raw-nb]=$RAW_PID [nginx]=$NGX_PID [raw-blocking]=$BLK_PID [hse4j-workers]=$WRK_PID)
declare -A RES  # RES[workload,name] = newline-separated "rps bps cpu errors" per round
SUMMARY=()

print_run() { # workload round name unit rps bps cpu errors
    if [ "$4" = MiB/s ]; then
        printf '%-11s round %d  %-12s %9.1f MiB/s  (server CPU %7.0f us per 100 MiB response, errors %d)\n' \
            "$1" "$2" "$3" "$(awk -v b="$6" 'BEGIN{print b / 1048576}')" "$7" "$8"
    else
        printf '%-11s round %d  %-12s %9.0f req/s   (server CPU %5.1f us/request, errors %d)\n' "$1" "$2" "$3" "$5" "$7" "$8"
    fi
}

workload() { # name unit threads connections names... -- urls...
    local wl=$1 unit=$2 t=$3 c=$4 r i k n res
    shift 4
    local names=() urls=() seen=0 x
    for x in "$@"; do
        if [ "$x" = -- ]; then seen=1; elif [ $seen = 0 ]; then names+=("$x"); else urls+=("$x"); fi
    done
    log ""
    log "=== $wl: ${ROUNDS} rounds x ${DURATION}s, wrk -t$t -c$c, order rotating each round (load average $(loadavg))"
    # Warm-up per server until the JIT has settled the path (lib.sh warm_up: its compiler threads under 2 % of
    # the CPU of a run, and two runs in a row within 15 %; hse4j's path takes longer to compile than raw
    # Jetty's); later workloads reuse most of it.
    local wr wcpu wjit
    for i in "${!names[@]}"; do
        read -r wr wcpu wjit <<< "$(warm_up "${PIDOF[${names[$i]}]}" "${urls[$i]}" "$t" "$c" "$WARM" "$WARMUP_RUNS")"
        log "-- warm-up ${names[$i]}: $wr run(s) of ${WARM}s, last ${wcpu} us/request, JIT ${wjit} % of its CPU"
    done
    WARM=$(( (WARMUP + 1) / 2 ))
    n=${#names[@]}
    for ((r = 1; r <= ROUNDS; r++)); do
        for ((k = 0; k < n; k++)); do
            i=$(((k + r - 1) % n))
            res=$(run_wrk "${PIDOF[${names[$i]}]}" "${urls[$i]}" "$t" "$c" "$DURATION")
            RES[$wl,${names[$i]}]+="$res"$'\n'
            # shellcheck disable=SC2086
            print_run "$wl" "$r" "${names[$i]}" "$unit" $res
        done
    done
    summarize "$wl" "$unit" "${names[@]}"
}

col_median() { # workload name column
    printf '%s' "${RES[$1,$2]}" | awk -v c="$3" 'NF {print $c}' | median
}
round_ratio() { # workload a b column: median over rounds of a/b
    paste -d' ' <(printf '%s' "${RES[$1,$2]}" | awk -v c="$4" 'NF {print $c}') \
        <(printf '%s' "${RES[$1,$3]}" | awk -v c="$4" 'NF {print $c}') | awk '$2 > 0 {print $1 / $2}' | median | awk '{printf "%.3f", $1}'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.3f", a / b; else print "nan" }'; }

summarize() { # workload unit names...
    local wl=$1 unit=$2 col name line
    shift 2
    col=$([ "$unit" = MiB/s ] && echo 2 || echo 1)
    declare -A TH CPU
    for name in "$@"; do
        TH[$name]=$(col_median "$wl" "$name" "$col")
        CPU[$name]=$(col_median "$wl" "$name" 3)
        [ "$unit" = MiB/s ] && TH[$name]=$(awk -v v="${TH[$name]}" 'BEGIN{printf "%.1f", v / 1048576}')
        [ "$unit" = MiB/s ] && CPU[$name]=$(awk -v v="${CPU[$name]}" 'BEGIN{printf "%.1f ms/response", v / 1000}') \
            || CPU[$name]="${CPU[$name]} us/req"
    done
    log "== $wl medians: $(for name in "$@"; do printf '%s %s %s (CPU %s); ' "$name" "${TH[$name]}" "$unit" "${CPU[$name]}"; done)"
    local pair a b
    for pair in hse4j:raw-nb hse4j:nginx hse4j:raw-blocking hse4j-workers:raw-nb hse4j:hse4j-workers; do
        a=${pair%%:*}; b=${pair#*:}
        [ -n "${TH[$a]:-}" ] && [ -n "${TH[$b]:-}" ] || continue
        line=$(printf '== %s %s/%s: %s ratio %s (median per-round %s); CPU us/request ratio %s (per-round %s)' "$wl" "$a" "$b" \
            "$unit" "$(div "${TH[$a]}" "${TH[$b]}")" "$(round_ratio "$wl" "$a" "$b" "$col")" \
            "$(div "$(col_median "$wl" "$a" 3)" "$(col_median "$wl" "$b" 3)")" "$(round_ratio "$wl" "$a" "$b" 3)")
        log "$line"
        SUMMARY+=("$line")
    done
}

wants hello-http && workload hello-http req/s "$THREADS" "$CONNECTIONS" "${NAMES[@]}" ${BLK_PID:+raw-blocking} \
    ${WRK_PID:+hse4j-workers} -- "${HELLO_HTTP[@]}" ${BLK_PID:+"http://127.0.0.1:$B_HTTP/hello"} \
    ${WRK_PID:+"http://127.0.0.1:$W_HTTP/ext/hello"}
wants hello-https && workload hello-https req/s "$THREADS" "$CONNECTIONS" "${NAMES[@]}" ${WRK_PID:+hse4j-workers} \
    -- "${HELLO_HTTPS[@]}" ${WRK_PID:+"https://127.0.0.1:$W_HTTPS/ext/hello"}
wants bulk-https && workload bulk-https MiB/s "$BULK_CONNECTIONS" "$BULK_CONNECTIONS" "${NAMES[@]}" -- "${BULK[@]}"

log ""
log "=== summary (load average at the start $LOAD0, at the end $(loadavg); $(nproc) CPUs)"
printf '%s\n' "${SUMMARY[@]}"
for p in "$HSE_PID" "$RAW_PID" "$NGX_PID" $BLK_PID $WRK_PID; do stop "$p"; done
exit 0
