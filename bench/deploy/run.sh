#!/usr/bin/env bash
# Hot-deployment benchmark: requests/s and latency of /ext/hello under load, without and then with a
# redeploy of hello.jar every 2 s (copy to a dot-name, rename over: a new file, so a full reload in a new
# class loader each time). Reports failed requests; the goal is none, and little added latency.
#
#   bench/deploy/run.sh                      # 20 s warm-up, then 2 rounds of 20 s per phase, 16 connections
#   SECONDS_PER_RUN=60 CONNECTIONS=32 bench/deploy/run.sh
#
# Needs a JDK 17+ (the load client is a single-file Java program) and the built server
# (mvn -B package -DskipTests; done here if the jars are missing). Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
WARMUP_SECONDS=${WARMUP_SECONDS:-20}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-16}
REDEPLOY_EVERY=${REDEPLOY_EVERY:-2}
PORT=${PORT:-18480}
SERVER_JAR=server/target/hse4j-server.jar
HELLO_JAR=sample-extensions/target/jars/hello.jar

if [ ! -f "$SERVER_JAR" ] || [ ! -f "$HELLO_JAR" ]; then
  echo "building the server (mvn -B -q package -DskipTests)..."
  mvn -B -q package -DskipTests
fi

WORK=$(mktemp -d /tmp/hse4j-bench-deploy.XXXXXX)
SERVER_PID=
REDEPLOYER_PID=
cleanup() {
  [ -n "$REDEPLOYER_PID" ] && kill "$REDEPLOYER_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/extensions"
cp "$HELLO_JAR" "$WORK/hello-build.jar"
cp "$HELLO_JAR" "$WORK/extensions/hello.jar"
java -Xms512m -Xmx1g -jar "$SERVER_JAR" --host 127.0.0.1 --port "$PORT" --extensions "$WORK/extensions" \
  --work-dir "$WORK/work" --webroot webroot --access-log none > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  sleep 0.1
done

load() { java "$ROOT/bench/deploy/LoadClient.java" 127.0.0.1 "$PORT" /ext/hello "$CONNECTIONS" "$1" "Hello from hse4j!"; }
status_json() {
  exec 3<>"/dev/tcp/127.0.0.1/$PORT"
  printf 'GET /hse/status.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  cat <&3
  exec 3<&-
}

echo "hse4j hot-deployment benchmark: $(nproc) cores, $CONNECTIONS connections, ${SECONDS_PER_RUN} s per phase, $(java -version 2>&1 | head -1)"
echo "warm-up (${WARMUP_SECONDS} s)..."
load "$WARMUP_SECONDS" > /dev/null

field() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
row() { echo "| $1 | $(field "$2" requests) | $(field "$2" failed) | $(field "$2" rps) | $(field "$2" p50_us) | $(field "$2" p99_us) | $(field "$2" p999_us) | $(field "$2" max_us) |"; }
ROWS=""
FAILED_TOTAL=0
REDEPLOYS=0
# The two phases alternate (ROUNDS times each), so JIT warm-up and machine noise do not favour either.
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round, no redeploy"
  BASE=$(load "$SECONDS_PER_RUN")
  echo "  $BASE"
  ROWS="$ROWS
$(row "no redeploy ($round)" "$BASE")"

  echo "round $round, redeploy hello.jar every ${REDEPLOY_EVERY} s"
  BEFORE=$(grep -c "redeployed /ext/hello" "$WORK/server.log" || true)
  (
    while true; do
      sleep "$REDEPLOY_EVERY"
      cp "$WORK/hello-build.jar" "$WORK/extensions/.hello.jar.new"
      mv -f "$WORK/extensions/.hello.jar.new" "$WORK/extensions/hello.jar"
    done
  ) &
  REDEPLOYER_PID=$!
  REDEPLOY=$(load "$SECONDS_PER_RUN")
  kill "$REDEPLOYER_PID"; wait "$REDEPLOYER_PID" 2>/dev/null || true; REDEPLOYER_PID=
  sleep $((REDEPLOY_EVERY + 1)) # let the last redeploy land before the next phase
  AFTER=$(grep -c "redeployed /ext/hello" "$WORK/server.log" || true)
  echo "  $REDEPLOY ($((AFTER - BEFORE)) redeploys)"
  ROWS="$ROWS
$(row "redeploy every ${REDEPLOY_EVERY} s ($round, $((AFTER - BEFORE)) redeploys)" "$REDEPLOY")"
  FAILED_TOTAL=$((FAILED_TOTAL + $(field "$BASE" failed) + $(field "$REDEPLOY" failed)))
  REDEPLOYS=$((REDEPLOYS + AFTER - BEFORE))
done

FAILED_DEPLOYS=$(grep -c "cannot redeploy hello.jar" "$WORK/server.log" || true)
TERMINATED=$(grep -c "extension hello (hello.jar) terminated" "$WORK/server.log" || true)
NOT_COLLECTED=$(status_json | grep -o '"notCollected" : [0-9]*' | grep -o '[0-9]*$' || echo '?')
# A quiet JVM may not run an old-generation collection for a long time; after one, nothing may be left.
jcmd "$SERVER_PID" GC.run > /dev/null 2>&1 || true
sleep 1
NOT_COLLECTED_GC=$(status_json | grep -o '"notCollected" : [0-9]*' | grep -o '[0-9]*$' || echo '?')

RESULT=$(cat <<TXT

| phase | requests | failed | req/s | p50 µs | p99 µs | p99.9 µs | max µs |
|---|---:|---:|---:|---:|---:|---:|---:|$ROWS

redeploys: $REDEPLOYS (failed: $FAILED_DEPLOYS); old versions terminated: $TERMINATED; retired class loaders not yet collected: $NOT_COLLECTED before a full GC, $NOT_COLLECTED_GC after one (jcmd GC.run)
TXT
)
echo "$RESULT"
mkdir -p bench/results
OUT="bench/results/deploy-$(date +%Y%m%d-%H%M%S).md"
{ echo "# hse4j hot-deployment benchmark, $(date -u +%FT%TZ)"; echo; echo "$(nproc) cores, $CONNECTIONS connections, ${SECONDS_PER_RUN} s per phase, $ROUNDS rounds, $(java -version 2>&1 | head -1)"; echo "$RESULT"; } > "$OUT"
echo "saved to $OUT"
[ "$FAILED_TOTAL" -eq 0 ]
