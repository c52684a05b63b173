#!/usr/bin/env bash
# PROXY protocol cost: hello through HAProxy -> hse4j WITH send-proxy-v2 (hse4j --proxy-protocol http)
# against HAProxy -> hse4j WITHOUT it, side by side, with keep-alive and with Connection: close; then the
# same keep-alive load straight at each hse4j (DirectLoad.java sends the v2 header itself), which shows the
# server's own cost of the header apart from what HAProxy does with its backend connections.
#
#   bench/proxy-protocol/run.sh
#
# Environment (defaults in brackets):
#   ROUNDS [5]  DURATION [10] seconds per wrk run  WARMUP [5]  THREADS [2]  CONNECTIONS [50]
#   PORT_BASE [19080]: hse4j on +0 (PROXY) and +1 (plain), HAProxy on +10 (-> PROXY) and +11 (-> plain)
#   TLVS [crc32c]: proxy-v2-options HAProxy adds to each header ("" for a bare header). With unique-id,
#              HAProxy (HTTP mode) makes the id per request, so it cannot reuse a backend connection: one
#              connection per request, which is what the Connection: close rows measure anyway.
#   SKIP_BUILD=1  use the jars already built (server/target/hse4j-server.jar, sample-extensions/target/jars)
#
# One HAProxy (nbthread 1) serves both paths, so the balancer's own cost is the same on both sides; the two
# hse4j processes are the same build with the same flags but the PROXY ones. "server CPU" is the hse4j
# process's user+system time (/proc/PID/stat) over the run divided by the requests. Everything is on
# 127.0.0.1; every process started here is stopped on exit (by PID).
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
PORT_BASE=${PORT_BASE:-19080}
TLVS=${TLVS-crc32c}
HSE_JAR=$ROOT/server/target/hse4j-server.jar
EXT_DIR=$ROOT/sample-extensions/target/jars
WORK=$(mktemp -d -t hse4j-proxy-bench.XXXXXX)
PP_PORT=$PORT_BASE; PLAIN_PORT=$((PORT_BASE + 1)); HA_PP=$((PORT_BASE + 10)); HA_PLAIN=$((PORT_BASE + 11))

PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && { kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; }
    done
    [ "${KEEP_WORK:-0}" = 1 ] && echo "work dir kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "== building (mvn -q -B -DskipTests package)"
    mvn -q -B -DskipTests package
fi
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x /usr/sbin/haproxy ] || { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }

cat > "$WORK/summary.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d\n", summary.requests,
    summary.duration, e.connect + e.read + e.write + e.timeout, e.status))
end
LUA

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}'; }
hz=$(getconf CLK_TCK)

wait_for() { # command... : up to 90 s (JVM start on a busy machine)
    local i
    for ((i = 0; i < 900; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "not ready: $*" >&2; return 1
}

start_hse() { # port extra-flags... -> echo pid
    local port=$1; shift
    java -jar "$HSE_JAR" --host 127.0.0.1 --port "$port" --no-https --extensions "$EXT_DIR" \
        --webroot "$ROOT/webroot" --work-dir "$WORK/work-$port" --access-log none "$@" >"$WORK/hse-$port.log" 2>&1 &
    echo $!
}

PP_PID=$(start_hse "$PP_PORT" --proxy-protocol http --trusted-proxies 127.0.0.1)
PIDS+=("$PP_PID")
PLAIN_PID=$(start_hse "$PLAIN_PORT")
PIDS+=("$PLAIN_PID")
wait_for curl -sf "http://127.0.0.1:$PLAIN_PORT/hse/health"
wait_for grep -q "listening on" "$WORK/hse-$PP_PORT.log"

OPTS=""
[ -n "$TLVS" ] && OPTS="proxy-v2-options $TLVS"
cat > "$WORK/haproxy.cfg" <<CFG
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe_pp
  bind 127.0.0.1:$HA_PP
  unique-id-format %{+X}o\ %ci:%cp_%fi:%fp_%Ts_%rt
  default_backend be_pp
backend be_pp
  server hse4j 127.0.0.1:$PP_PORT send-proxy-v2 $OPTS
frontend fe_plain
  bind 127.0.0.1:$HA_PLAIN
  unique-id-format %{+X}o\ %ci:%cp_%fi:%fp_%Ts_%rt
  default_backend be_plain
backend be_plain
  server hse4j 127.0.0.1:$PLAIN_PORT
CFG
# A fresh HAProxy for every run: HAProxy 2.6 reuses its private (PROXY) backend connections for the whole
# first load run after it starts, but after such a run it opens a new backend connection for nearly every
# request (seen with nginx as the PROXY backend too: HAProxy's behaviour, not the server's), which would
# measure TCP connection set-up instead of the header.
HA_PID=
haproxy_fresh() {
    if [ -n "$HA_PID" ]; then
        kill "$HA_PID" 2>/dev/null || true
        wait "$HA_PID" 2>/dev/null || true
    fi
    /usr/sbin/haproxy -db -f "$WORK/haproxy.cfg" >>"$WORK/haproxy.log" 2>&1 &
    HA_PID=$!
    PIDS+=("$HA_PID")
    wait_for curl -sf "http://127.0.0.1:$HA_PP/ext/hello"
    wait_for curl -sf "http://127.0.0.1:$HA_PLAIN/ext/hello"
}
haproxy_fresh
# The PROXY side really carries headers: its counters say so.
curl -s "http://127.0.0.1:$HA_PP/hse/status.json" | tr -d ' \n' | grep -o '"acceptedV2":[0-9]*' | grep -qv ':0$' \
    || { echo "hse4j on $PP_PORT counted no PROXY v2 header" >&2; exit 1; }

# pp_conns: connections the PROXY hse4j has accepted with a v2 header so far (its own counter; asked with
# curl --haproxy-protocol, which adds the v1 header that the listener requires)
pp_conns() {
    curl -s --haproxy-protocol "http://127.0.0.1:$PP_PORT/hse/status.json" | tr -d ' \n' \
        | grep -o '"acceptedV2":[0-9]*' | cut -d: -f2
}

# run PID URL MODE [SECONDS] -> "rps cpu_us_per_req errors backend_connections_opened"
run() {
    local pid=$1 url=$2 mode=$3 c0 c1 n0 out conns hdr=()
    [ "$mode" = close ] && hdr=(-H "Connection: close")
    n0=$(pp_conns)
    c0=$(cpu_ticks "$pid")
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${4:-$DURATION}s" "${hdr[@]}" -s "$WORK/summary.lua" "$url" | grep '^RESULT')
    c1=$(cpu_ticks "$pid")
    conns=$(( $(pp_conns) - n0 ))
    [ "$pid" = "$PP_PID" ] || conns=-1
    echo "$out" | awk -v c0="$c0" -v c1="$c1" -v hz="$hz" -v conns="$conns" '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        s = v["duration_us"] / 1e6
        printf "%.0f %.1f %d %d\n", v["requests"] / s, (c1 - c0) / hz * 1e6 / (v["requests"] > 0 ? v["requests"] : 1),
            v["errors"] + v["non2xx"], conns }'
}

echo "== hello through HAProxy $(/usr/sbin/haproxy -v | head -1 | awk '{print $3}'): PROXY v2 ($([ -n "$TLVS" ] && echo "TLVs $TLVS" || echo "no TLVs")) vs none"
echo "   $ROUNDS rounds x ${DURATION}s, wrk -t$THREADS -c$CONNECTIONS, alternating order; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in keepalive close; do
    PP_URL="http://127.0.0.1:$HA_PP/ext/hello"; PLAIN_URL="http://127.0.0.1:$HA_PLAIN/ext/hello"
    haproxy_fresh; run "$PP_PID" "$PP_URL" "$mode" "$WARMUP" >/dev/null
    haproxy_fresh; run "$PLAIN_PID" "$PLAIN_URL" "$mode" "$WARMUP" >/dev/null
    pres=(); nres=()
    for ((r = 1; r <= ROUNDS; r++)); do
        for side in $([ $((r % 2)) = 1 ] && echo "proxy plain" || echo "plain proxy"); do
            haproxy_fresh # in this shell, never in a $(...) subshell, so that the previous one is stopped
            if [ "$side" = proxy ]; then res=$(run "$PP_PID" "$PP_URL" "$mode"); pres+=("$res")
            else res=$(run "$PLAIN_PID" "$PLAIN_URL" "$mode"); nres+=("$res"); fi
            read -r rps cpu err conns <<<"$res"
            printf '%-9s round %d  %-5s %8.0f req/s  (hse4j CPU %6.1f us/request, errors %d%s)\n' \
                "$mode" "$r" "$side" "$rps" "$cpu" "$err" "$([ "$conns" -ge 0 ] && echo ", PROXY connections accepted $conns")"
        done
    done
    pm=$(printf '%s\n' "${pres[@]}" | awk '{print $1}' | median); nm=$(printf '%s\n' "${nres[@]}" | awk '{print $1}' | median)
    pc=$(printf '%s\n' "${pres[@]}" | awk '{print $2}' | median); nc=$(printf '%s\n' "${nres[@]}" | awk '{print $2}' | median)
    per=$(for ((i = 0; i < ROUNDS; i++)); do echo "${pres[$i]} ${nres[$i]}" | awk '{print $1 / $5}'; done | median)
    printf 'SUMMARY %-9s PROXY v2 %8.0f req/s (%.1f us CPU/req) | none %8.0f req/s (%.1f us CPU/req) | ratio of medians %.3f | median per-round ratio %.3f\n' \
        "$mode" "$pm" "$pc" "$nm" "$nc" "$(awk -v a="$pm" -v b="$nm" 'BEGIN{print a/b}')" "$per"
done

# ---------------------------------------------------------------- direct keep-alive, no balancer
kill "$HA_PID" 2>/dev/null || true
wait "$HA_PID" 2>/dev/null || true
javac -d "$WORK" "$ROOT/bench/proxy-protocol/DirectLoad.java"
direct() { # pid port proxy|plain seconds -> "rps cpu_us_per_req errors"
    local c0 c1 out
    c0=$(cpu_ticks "$1")
    out=$(java -cp "$WORK" DirectLoad "$2" "$3" "$CONNECTIONS" "$4" /ext/hello)
    c1=$(cpu_ticks "$1")
    echo "$out" | awk -v c0="$c0" -v c1="$c1" -v hz="$hz" '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "%.0f %.1f %d\n", v["requests"] / v["seconds"], (c1 - c0) / hz * 1e6 / (v["requests"] > 0 ? v["requests"] : 1), v["errors"] }'
}
echo "== direct keep-alive (no HAProxy): $CONNECTIONS connections, each sends a v2 header (crc32c TLV) or nothing, then GETs back to back"
direct "$PP_PID" "$PP_PORT" proxy "$WARMUP" >/dev/null
direct "$PLAIN_PID" "$PLAIN_PORT" plain "$WARMUP" >/dev/null
pres=(); nres=()
for ((r = 1; r <= ROUNDS; r++)); do
    for side in $([ $((r % 2)) = 1 ] && echo "proxy plain" || echo "plain proxy"); do
        if [ "$side" = proxy ]; then res=$(direct "$PP_PID" "$PP_PORT" proxy "$DURATION"); pres+=("$res")
        else res=$(direct "$PLAIN_PID" "$PLAIN_PORT" plain "$DURATION"); nres+=("$res"); fi
        read -r rps cpu err <<<"$res"
        printf 'direct    round %d  %-5s %8.0f req/s  (hse4j CPU %6.1f us/request, errors %d)\n' "$r" "$side" "$rps" "$cpu" "$err"
    done
done
pm=$(printf '%s\n' "${pres[@]}" | awk '{print $1}' | median); nm=$(printf '%s\n' "${nres[@]}" | awk '{print $1}' | median)
pc=$(printf '%s\n' "${pres[@]}" | awk '{print $2}' | median); nc=$(printf '%s\n' "${nres[@]}" | awk '{print $2}' | median)
per=$(for ((i = 0; i < ROUNDS; i++)); do echo "${pres[$i]} ${nres[$i]}" | awk '{print $1 / $4}'; done | median)
printf 'SUMMARY direct    PROXY v2 %8.0f req/s (%.1f us CPU/req) | none     %8.0f req/s (%.1f us CPU/req) | ratio of medians %.3f | median per-round ratio %.3f\n' \
    "$pm" "$pc" "$nm" "$nc" "$(awk -v a="$pm" -v b="$nm" 'BEGIN{print a/b}')" "$per"
