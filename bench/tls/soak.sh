#!/usr/bin/env bash
# Native-memory soak for Conscrypt (google/conscrypt#711, #835 report growth): hse4j on Conscrypt under
# connection churn (every request a new TLS connection and handshake, wrk with Connection: close) for
# ROUNDS rounds of SECONDS seconds; prints the process RSS and the handshakes done after each round.
# A leak shows as RSS that keeps climbing round after round; a healthy run levels off.
# Needs: java 17, mvn, wrk, curl. Usage: bench/tls/soak.sh [rounds] [seconds]
set -euo pipefail
ROUNDS=${1:-6}
SECONDS_PER_ROUND=${2:-20}
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
(cd "$ROOT" && mvn -q -B -o package -DskipTests 2>/dev/null || mvn -q -B package -DskipTests)
WORK="$(mktemp -d /tmp/hse4j-soak-tls.XXXXXX)"
mkdir -p "$WORK/ext"
cp "$ROOT"/sample-extensions/target/jars/hello.jar "$WORK/ext/"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
java -Xms256m -Xmx256m -XX:MaxDirectMemorySize=64m -jar "$ROOT/server/target/hse4j-server.jar" --host 127.0.0.1 \
  --port 0 --https-port "$PORT" --tls-provider conscrypt --work-dir "$WORK/work" --extensions "$WORK/ext" \
  --webroot "$ROOT/webroot" --access-log none --no-watch > "$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do curl -sk -o /dev/null "https://127.0.0.1:$PORT/ext/hello" && break; sleep 0.2; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
echo "round  handshakes  RSS(MiB)   (heap fixed at 256 MiB, direct memory capped at 64 MiB)"
printf '%5d %11d %9d\n' 0 0 $(( $(rss) / 1024 ))
total=0
for r in $(seq 1 "$ROUNDS"); do
  n=$(wrk -t1 -c8 -d"${SECONDS_PER_ROUND}s" -H "Connection: close" "https://127.0.0.1:$PORT/ext/hello" \
      | awk '/requests in/ {print $1}')
  total=$((total + n))
  printf '%5d %11d %9d\n' "$r" "$total" $(( $(rss) / 1024 ))
done
