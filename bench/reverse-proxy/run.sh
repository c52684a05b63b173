#!/usr/bin/env bash
# Reverse-proxy benchmark: the hse4j `proxy` sample against nginx `proxy_pass` and HAProxy, all three in
# front of the same upstream nginx, side by side in one run.
#
#   bench/reverse-proxy/run.sh            (builds first unless SKIP_BUILD=1)
#
# Environment (defaults in brackets): ROUNDS [3] rounds (the order of the three rotates each round),
# DURATION [10] seconds per wrk run, WARMUP [15] (then a JVM front gets 8 s runs until its JIT compiler threads take
# < 3 % of its CPU, at most 6), CONNECTIONS [50] wrk connections for hello,
# BIG_CONNECTIONS [1] for the 100 MiB download, HSE_JAR, EXT_DIR (another build to measure), BEFORE_EXT_DIR
# (a directory holding another build's proxy.jar: measured too, as the front `before`, on BEFORE_HSE_JAR [HSE_JAR]).
#
# Per round: req/s (MiB/s), the front's CPU per response, the UPSTREAM's CPU per response over the same run
# (the same nginx serves every front, so a front that costs the upstream more shows it here) and the upstream
# connections opened per response (its stub_status `accepts`; 1 = a connection per request, ~0 = reused).
#
# Upstream: one nginx with two loopback listeners serving the same /hello and /big.bin (100 MiB): a plain one
# for nginx proxy_pass and HAProxy, and one with `proxy_protocol` for hse4j, whose proxy sample always sends a
# PROXY header first. Fronts: hse4j (proxy sample, one upstream keep-alive connection per client connection),
# nginx proxy_pass (its default: HTTP/1.0 upstream, one connection per request), nginx-ka (proxy_pass with
# upstream keep-alive: HTTP/1.1, `keepalive 64`), HAProxy 2.6 mode http (its default: upstream connections
# reused, http-reuse safe). Everything on 127.0.0.1; servers stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-15}
CONNECTIONS=${CONNECTIONS:-50}
BIG_CONNECTIONS=${BIG_CONNECTIONS:-1}
HSE_JAR=${HSE_JAR:-$ROOT/server/target/hse4j-server.jar}
EXT_DIR=${EXT_DIR:-$ROOT/sample-extensions/target/jars}
WORK=$(mktemp -d -t proxybench.XXXXXX)
P_UP=18181 P_UPPP=18182 P_HSE=18180 P_NGX=18183 P_HAP=18184 P_BEFORE=18185 P_NGXKA=18186 P_UPST=18187

for tool in java mvn curl wrk nginx haproxy; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "bench/reverse-proxy: $tool is missing (apt-get install nginx haproxy wrk curl)" >&2; exit 1; }
done
PATH=$PATH:/usr/sbin

PIDS=()
cleanup() { local p; for p in "${PIDS[@]:-}"; do [ -n "$p" ] && { kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; } || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== building (mvn -q -B -DskipTests package)"
  mvn -q -B -DskipTests package
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
hz=$(getconf CLK_TCK)

cat > "$WORK/summary.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d bytes=%d duration_us=%d errors=%d\n", summary.requests,
    summary.bytes, summary.duration, e.connect + e.read + e.write + e.status + e.timeout))
end
EOF

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}'; }
wait_http() { local i; for ((i = 0; i < $2 * 10; i++)); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not answering: $1" >&2; return 1; }
# CPU ticks of a process and its children (nginx and HAProxy workers)
cpu_ticks() { local t=0 p; for p in $1 $(pgrep -P "$1" || true); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
# user+system ticks of a JVM's JIT compiler threads (C1/C2)
jit_ticks() { local t v=0; for t in /proc/$1/task/*; do case "$(cat "$t/comm" 2>/dev/null)" in C[12]\ Compiler*)
  v=$((v + $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)));; esac; done; echo $v; }

# ---------------------------------------------------------------- upstream and fronts
mkdir -p "$WORK/html" "$WORK/up" "$WORK/ngx"
head -c 104857600 /dev/urandom > "$WORK/html/big.bin"
USER_LINE=$([ "$(id -u)" = 0 ] && echo "user root;" || true)
cat > "$WORK/up/nginx.conf" <<EOF
$USER_LINE
daemon off; worker_processes 1; pid $WORK/up/nginx.pid; error_log $WORK/up/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; keepalive_requests 1000000;
  client_body_temp_path $WORK/up/b; proxy_temp_path $WORK/up/p; fastcgi_temp_path $WORK/up/f; uwsgi_temp_path $WORK/up/u; scgi_temp_path $WORK/up/s;
  server {
    listen 127.0.0.1:$P_UP; listen 127.0.0.1:$P_UPPP proxy_protocol;
    root $WORK/html;
    location = /hello { default_type text/plain; return 200 "hello\n"; }
  }
  server { listen 127.0.0.1:$P_UPST; location = /st { stub_status; } }
}
EOF
nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" -e "$WORK/up/error.log" & UP_PID=$!; PIDS+=($UP_PID)

cat > "$WORK/ngx/nginx.conf" <<EOF
$USER_LINE
daemon off; worker_processes 1; pid $WORK/ngx/nginx.pid; error_log $WORK/ngx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 1000000;
  client_body_temp_path $WORK/ngx/b; proxy_temp_path $WORK/ngx/p; fastcgi_temp_path $WORK/ngx/f; uwsgi_temp_path $WORK/ngx/u; scgi_temp_path $WORK/ngx/s;
  server {
    listen 127.0.0.1:$P_NGX;
    location / { proxy_pass http://127.0.0.1:$P_UP; }
  }
  upstream ka { server 127.0.0.1:$P_UP; keepalive 64; }
  server {
    listen 127.0.0.1:$P_NGXKA;
    location / { proxy_pass http://ka; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
EOF
nginx -c "$WORK/ngx/nginx.conf" -p "$WORK/ngx" -e "$WORK/ngx/error.log" & NGX_PID=$!; PIDS+=($NGX_PID)

cat > "$WORK/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend f
  bind 127.0.0.1:$P_HAP
  default_backend b
backend b
  server up 127.0.0.1:$P_UP
EOF
haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 & HAP_PID=$!; PIDS+=($HAP_PID)

java -jar "$HSE_JAR" --host 127.0.0.1 --port "$P_HSE" --no-https --extensions "$EXT_DIR" --webroot "$ROOT/webroot" \
  --work-dir "$WORK/hse" --access-log none --ext-setting "proxy.upstream=127.0.0.1:$P_UPPP" \
  --outbound-allow-ext "proxy=127.0.0.1:$P_UPPP" >"$WORK/hse.log" 2>&1 & HSE_PID=$!; PIDS+=($HSE_PID)

declare -A URL=([hse4j]="http://127.0.0.1:$P_HSE/ext/proxy" [nginx]="http://127.0.0.1:$P_NGX" [haproxy]="http://127.0.0.1:$P_HAP" [nginx-ka]="http://127.0.0.1:$P_NGXKA")
declare -A PID=([hse4j]=$HSE_PID [nginx]=$NGX_PID [haproxy]=$HAP_PID [nginx-ka]=$NGX_PID)
NAMES=(hse4j nginx nginx-ka haproxy)
if [ -n "${BEFORE_EXT_DIR:-}" ]; then
  java -jar "${BEFORE_HSE_JAR:-$HSE_JAR}" --host 127.0.0.1 --port "$P_BEFORE" --no-https --extensions "$BEFORE_EXT_DIR" --webroot "$ROOT/webroot" \
    --work-dir "$WORK/before" --access-log none --ext-setting "proxy.upstream=127.0.0.1:$P_UPPP" \
    --outbound-allow-ext "proxy=127.0.0.1:$P_UPPP" >"$WORK/before.log" 2>&1 & B_PID=$!; PIDS+=($B_PID)
  URL[before]="http://127.0.0.1:$P_BEFORE/ext/proxy"; PID[before]=$B_PID; NAMES+=(before)
fi
for n in "${NAMES[@]}"; do wait_http "${URL[$n]}/hello" 60; done
grep -m1 "outbound connections" "$WORK/hse.log" || true
want=$(sha256sum < "$WORK/html/big.bin" | cut -d' ' -f1)
for n in "${NAMES[@]}"; do
  got=$(curl -s "${URL[$n]}/big.bin" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$want" ] || { echo "$n: 100 MiB body differs" >&2; exit 1; }
done
echo "== same 100 MiB body through all ${#NAMES[@]} (sha256 ${want:0:16}...)"
echo "== $(nproc) CPUs, $(java -version 2>&1 | head -1), $(nginx -v 2>&1 | sed 's/.*: //'), $(haproxy -v | head -1 | cut -d' ' -f1-3), load $(cut -d' ' -f1-3 /proc/loadavg)"

# connections the upstream accepted so far (its stub_status; each look is one connection, subtracted below)
up_accepts() { curl -s "http://127.0.0.1:$P_UPST/st" | awk 'NR == 3 {print $1}'; }

run_wrk() { # name path connections seconds -> "rps bytes/s cpu_us_per_req errors upstream_cpu_us_per_req upstream_conns_per_req"
  local n=$1 c0 c1 u0 u1 a0 a1 out
  c0=$(cpu_ticks "${PID[$n]}"); u0=$(cpu_ticks "$UP_PID"); a0=$(up_accepts)
  out=$(wrk -t"$(( $3 < 2 ? 1 : 2 ))" -c"$3" -d"${4}s" --timeout 60s -s "$WORK/summary.lua" "${URL[$n]}$2" | grep '^RESULT')
  c1=$(cpu_ticks "${PID[$n]}"); u1=$(cpu_ticks "$UP_PID"); a1=$(up_accepts)
  echo "$out" | awk -v c0="$c0" -v c1="$c1" -v u0="$u0" -v u1="$u1" -v a0="$a0" -v a1="$a1" -v hz="$hz" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    s = v["duration_us"] / 1e6; r = v["requests"] > 0 ? v["requests"] : 1
    printf "%.0f %.0f %.1f %d %.1f %.4f\n", v["requests"] / s, v["bytes"] / s, (c1 - c0) / hz * 1e6 / r, v["errors"],
      (u1 - u0) / hz * 1e6 / r, (a1 - a0 - 1) / r }'
}

bench() { # label path connections unit
  local label=$1 path=$2 c=$3 unit=$4 r i n res
  declare -A R=()
  echo "-- $label: warm-up ${WARMUP}s each, then $ROUNDS rounds x ${DURATION}s (wrk -c$c, keep-alive; order rotates)"
  for n in "${NAMES[@]}"; do run_wrk "$n" "$path" "$c" "$WARMUP" >/dev/null; done
  # A JVM front gets more 8 s runs until its JIT compiler threads took < 3 % of its CPU in one (at most 6): a
  # fixed warm-up was not always enough on a loaded machine, and compiling then counted as CPU per request.
  for n in hse4j before; do
    [ -n "${PID[$n]:-}" ] || continue
    local w j0 j1 c0 c1
    for w in 1 2 3 4 5 6 7; do
      [ $w = 7 ] && { echo "   ($n: the JIT still compiling after the warm-up)"; break; }
      j0=$(jit_ticks "${PID[$n]}"); c0=$(cpu_ticks "${PID[$n]}")
      run_wrk "$n" "$path" "$c" 8 >/dev/null
      j1=$(jit_ticks "${PID[$n]}"); c1=$(cpu_ticks "${PID[$n]}")
      [ $(( (j1 - j0) * 100 )) -lt $(( 3 * (c1 - c0) )) ] && break
    done
  done
  for ((r = 0; r < ROUNDS; r++)); do
    for ((i = 0; i < ${#NAMES[@]}; i++)); do
      n=${NAMES[$(( (i + r) % ${#NAMES[@]} ))]}
      res=$(run_wrk "$n" "$path" "$c" "$DURATION"); R[$n]+="$res"$'\n'
      set -- $res
      if [ "$unit" = MiB/s ]; then
        printf '%-6s round %d %-8s %8.1f MiB/s  (front CPU %.0f us per 100 MiB response, errors %d)\n' "$label" $((r+1)) "$n" "$(awk -v b="$2" 'BEGIN{print b/1048576}')" "$3" "$4"
      else
        printf '%-6s round %d %-8s %8.0f req/s  (front CPU %.1f us/request, upstream CPU %.1f us/request, upstream connections/request %.4f, errors %d, load %s)\n' "$label" $((r+1)) "$n" "$1" "$3" "$5" "$6" "$4" "$(cut -d' ' -f1 /proc/loadavg)"
      fi
    done
  done
  local col=$([ "$unit" = MiB/s ] && echo 2 || echo 1) m c u k base baseka basehap
  base=$(printf '%s' "${R[nginx]}" | awk -v c="$col" 'NF{print $c}' | median)
  baseka=$(printf '%s' "${R[nginx-ka]}" | awk -v c="$col" 'NF{print $c}' | median)
  basehap=$(printf '%s' "${R[haproxy]}" | awk -v c="$col" 'NF{print $c}' | median)
  printf '%-6s MEDIANS (load now %s):' "$label" "$(cut -d' ' -f1-3 /proc/loadavg)"
  for n in "${NAMES[@]}"; do
    m=$(printf '%s' "${R[$n]}" | awk -v c="$col" 'NF{print $c}' | median)
    c=$(printf '%s' "${R[$n]}" | awk 'NF{print $3}' | median)
    u=$(printf '%s' "${R[$n]}" | awk 'NF{print $5}' | median)
    k=$(printf '%s' "${R[$n]}" | awk 'NF{print $6}' | median)
    if [ "$unit" = MiB/s ]; then
      printf '  %s %.1f MiB/s (%.0f us CPU/resp, x%.2f of nginx)' "$n" "$(awk -v b="$m" 'BEGIN{print b/1048576}')" "$c" "$(awk -v a="$m" -v b="$base" 'BEGIN{print a/b}')"
    else
      printf '\n   %-8s %6.0f req/s  front %5.1f us CPU/req  upstream %4.1f us/req  upstream conns/req %.4f  x%.2f of nginx  x%.2f of nginx-ka  x%.2f of haproxy' \
        "$n" "$m" "$c" "$u" "$k" "$(awk -v a="$m" -v b="$base" 'BEGIN{print a/b}')" "$(awk -v a="$m" -v b="$baseka" 'BEGIN{print a/b}')" "$(awk -v a="$m" -v b="$basehap" 'BEGIN{print a/b}')"
    fi
  done
  echo
}

bench hello /hello "$CONNECTIONS" req/s
bench 100MiB /big.bin "$BIG_CONNECTIONS" MiB/s
