#!/usr/bin/env bash
# TLS benchmark, all on 127.0.0.1, side by side in one run:
#   throughput: 100 MiB (byte i = i mod 251) over HTTPS, HTTP/1.1 and HTTP/2, downloaded by curl (OpenSSL)
#     hse4j  + Conscrypt  /ext/stream?bytes=104857600&chunk=1048576  (chained 1 MiB async writes)
#     hse4j  + JDK TLS    the same, --tls-provider=jdk
#     Jetty  + Conscrypt  raw Jetty core handler writing the same bytes in the same 1 MiB writes
#     nginx               a 100 MiB file with the same bytes (Debian package, same certificate)
#   requests/s: the 18-byte hello over HTTPS/1.1 keep-alive (wrk), hse4j + Conscrypt vs raw Jetty + Conscrypt
# Every server uses hse4j's development certificate (EC P-256). Runs are interleaved round-robin so that
# background noise hits every server alike; the medians and ratios are printed at the end.
#
# Needs: java 17, mvn, curl, wrk, nginx (apt-get install nginx wrk). Usage: bench/tls/run.sh [rounds]
set -euo pipefail
ROUNDS=${1:-7}
HELLO_ROUNDS=${HELLO_ROUNDS:-3}
HELLO_SECONDS=${HELLO_SECONDS:-8}
BYTES=$((100 * 1024 * 1024))
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
for tool in java mvn curl wrk nginx openssl python3; do
  command -v "$tool" >/dev/null || { echo "bench/tls: $tool is missing (apt-get install nginx wrk curl)" >&2; exit 1; }
done

echo "== building"
(cd "$ROOT" && mvn -q -B -o package -DskipTests 2>/dev/null || mvn -q -B package -DskipTests)
(cd "$ROOT/bench" && mvn -q -B -o package 2>/dev/null || mvn -q -B package)

WORK="$(mktemp -d /tmp/hse4j-bench-tls.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # port
  for _ in $(seq 1 150); do
    curl -sk -o /dev/null "https://127.0.0.1:$1/" && return 0
    sleep 0.2
  done
  echo "bench/tls: nothing answers on $1" >&2; exit 1
}

JAVA_OPTS=${JAVA_OPTS:--Xms1g -Xmx1g}
mkdir -p "$WORK/ext" "$WORK/tls"
cp "$ROOT"/sample-extensions/target/jars/{hello,stream}.jar "$WORK/ext/"

start_hse4j() { # name provider port
  local port=$3
  java $JAVA_OPTS -jar "$ROOT/server/target/hse4j-server.jar" --host 127.0.0.1 --port "$(free_port)" \
    --https-port "$port" --tls-provider "$2" --tls-dir "$WORK/tls" --work-dir "$WORK/work-$1" \
    --extensions "$WORK/ext" --webroot "$ROOT/webroot" --access-log none --no-watch > "$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  wait_for "$port"
}

echo "== starting servers (work dir $WORK)"
P_CON=$(free_port); start_hse4j hse4j-conscrypt conscrypt "$P_CON"
P_JDK=$(free_port); start_hse4j hse4j-jdk jdk "$P_JDK"
grep -h "HTTPS on port" "$WORK"/hse4j-*.log | sed 's/.*HTTPS on/  HTTPS on/' | cut -c1-150

openssl pkcs12 -export -in "$WORK/tls/dev-cert.pem" -inkey "$WORK/tls/dev-key.pem" -out "$WORK/tls/dev.p12" \
  -passout pass:bench -name dev 2>/dev/null
P_RAW=$(free_port)
java $JAVA_OPTS -cp "$ROOT/bench/target/hse4j-bench.jar" dev.hse4j.bench.RawJettyTls "$P_RAW" "$WORK/tls/dev.p12" bench > "$WORK/raw.log" 2>&1 &
PIDS+=($!)
wait_for "$P_RAW"
grep -h "listening" "$WORK/raw.log" | sed 's/^/  /'

mkdir -p "$WORK/www"
python3 -c "
import sys
block = bytes(i % 251 for i in range(251 * 4096))
n = $BYTES
with open('$WORK/www/stream.bin', 'wb') as f:
    while n > 0:
        k = min(n, len(block)); f.write(block[:k]); n -= k
"
P_NGX=$(free_port)
NGINX_MINOR=$(nginx -v 2>&1 | sed -E 's/.*nginx\/1\.([0-9]+).*/\1/')
if [ "$NGINX_MINOR" -ge 25 ]; then LISTEN="listen 127.0.0.1:$P_NGX ssl; http2 on;"; else LISTEN="listen 127.0.0.1:$P_NGX ssl http2;"; fi
cat > "$WORK/nginx.conf" <<EOF
worker_processes auto;
daemon off;
user root;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  server {
    $LISTEN
    ssl_certificate $WORK/tls/dev-cert.pem;
    ssl_certificate_key $WORK/tls/dev-key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $WORK/www;
    location = /hello { default_type "text/plain; charset=us-ascii"; return 200 "Hello from hse4j!\n"; }
  }
}
EOF
nginx -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" &
PIDS+=($!)
wait_for "$P_NGX"
echo "  nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') with $(openssl version | cut -d' ' -f1-2) on https://127.0.0.1:$P_NGX/"

declare -A URL=(
  [hse4j-conscrypt]="https://127.0.0.1:$P_CON/ext/stream?bytes=$BYTES&chunk=1048576"
  [hse4j-jdk]="https://127.0.0.1:$P_JDK/ext/stream?bytes=$BYTES&chunk=1048576"
  [jetty-conscrypt]="https://127.0.0.1:$P_RAW/stream?bytes=$BYTES&chunk=1048576"
  [nginx]="https://127.0.0.1:$P_NGX/stream.bin"
)
NAMES=(hse4j-conscrypt hse4j-jdk jetty-conscrypt nginx)

download() { # url proto -> seconds
  local out
  out=$(curl -sk "--$2" -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "$1")
  set -- $out
  if [ "$1" != 200 ] || [ "$2" != "$BYTES" ]; then echo "bench/tls: bad download: $out" >&2; exit 1; fi
  echo "$3"
}

echo "== warm-up"
for n in "${NAMES[@]}"; do
  for _ in 1 2 3; do download "${URL[$n]}" http1.1 >/dev/null; download "${URL[$n]}" http2 >/dev/null; done
done
for u in "https://127.0.0.1:$P_CON/ext/hello" "https://127.0.0.1:$P_RAW/hello"; do
  wrk -t1 -c16 -d3s "$u" >/dev/null
done

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

echo "== 100 MiB downloads, $ROUNDS rounds, interleaved (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
declare -A T
for r in $(seq 1 "$ROUNDS"); do
  for proto in http1.1 http2; do
    for n in "${NAMES[@]}"; do
      T[$n,$proto]+="$(download "${URL[$n]}" "$proto") "
    done
  done
done

echo "== hello requests/s over HTTPS/1.1 keep-alive, wrk -t1 -c16 -d${HELLO_SECONDS}s, $HELLO_ROUNDS rounds"
declare -A R
declare -A HELLO=([hse4j-conscrypt]="https://127.0.0.1:$P_CON/ext/hello" [jetty-conscrypt]="https://127.0.0.1:$P_RAW/hello"
       [nginx]="https://127.0.0.1:$P_NGX/hello")
for r in $(seq 1 "$HELLO_ROUNDS"); do
  for n in hse4j-conscrypt jetty-conscrypt nginx; do
    rps=$(wrk -t1 -c16 -d"${HELLO_SECONDS}s" "${HELLO[$n]}" | awk '/Requests\/sec/ {print $2}')
    R[$n]+="$rps "
  done
done

echo
echo "== results (medians; MiB/s = 100 MiB / curl's total time)"
declare -A M
printf '%-17s %12s %12s %16s %16s\n' "100 MiB" "HTTP/1.1" "HTTP/2" "best HTTP/1.1" "best HTTP/2"
for n in "${NAMES[@]}"; do
  row=""
  best=""
  for proto in http1.1 http2; do
    s=$(echo "${T[$n,$proto]}" | tr ' ' '\n' | grep . | median)
    b=$(echo "${T[$n,$proto]}" | tr ' ' '\n' | grep . | sort -g | head -1)
    M[$n,$proto]=$(awk -v s="$s" 'BEGIN {printf "%.0f", 100 / s}')
    row+=$(printf ' %6s MiB/s' "${M[$n,$proto]}")
    best+=$(printf ' %10s MiB/s' "$(awk -v s="$b" 'BEGIN {printf "%.0f", 100 / s}')")
  done
  printf '%-17s%s%s\n' "$n" "$row" "$best"
done
for proto in http1.1 http2; do
  printf '%-9s hse4j+Conscrypt / nginx = %.2f   / raw Jetty+Conscrypt = %.2f   / hse4j+JDK = %.2f\n' "$proto" \
    "$(awk -v a="${M[hse4j-conscrypt,$proto]}" -v b="${M[nginx,$proto]}" 'BEGIN {print a / b}')" \
    "$(awk -v a="${M[hse4j-conscrypt,$proto]}" -v b="${M[jetty-conscrypt,$proto]}" 'BEGIN {print a / b}')" \
    "$(awk -v a="${M[hse4j-conscrypt,$proto]}" -v b="${M[hse4j-jdk,$proto]}" 'BEGIN {print a / b}')"
done
echo
printf '%-17s %12s\n' "hello" "requests/s"
declare -A H
for n in hse4j-conscrypt jetty-conscrypt nginx; do
  H[$n]=$(echo "${R[$n]}" | tr ' ' '\n' | grep . | median)
  printf '%-17s %12.0f\n' "$n" "${H[$n]}"
done
printf 'hello: hse4j+Conscrypt / raw Jetty+Conscrypt = %.2f   / nginx = %.2f\n' \
  "$(awk -v a="${H[hse4j-conscrypt]}" -v b="${H[jetty-conscrypt]}" 'BEGIN {print a / b}')" \
  "$(awk -v a="${H[hse4j-conscrypt]}" -v b="${H[nginx]}" 'BEGIN {print a / b}')"
echo "(raw samples: $(for n in "${NAMES[@]}"; do echo -n "$n h1 [${T[$n,http1.1]% }] h2 [${T[$n,http2]% }]; "; done))"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
