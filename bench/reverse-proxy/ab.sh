#!/usr/bin/env bash
# A/B of hse4j builds: each build's `proxy` sample in front of the same upstream nginx (PROXY protocol listener),
# side by side in one run: a warm-up each, then rounds in which the order rotates; per round and as medians:
# req/s, the front's CPU (user+system) per response and its voluntary context switches per response; and, per build,
# the median of its per-round ratios to the base (each round's figures paired).
#
#   bench/reverse-proxy/ab.sh NAME=JAR:EXTDIR[:JVM_OPTION] ...     (the first NAME is the base of the ratios;
#   relative paths are from the repository root)
#   e.g. bench/reverse-proxy/ab.sh before=/tmp/a/hse4j-server.jar:/tmp/a/ext after=server/target/hse4j-server.jar:sample-extensions/target/jars
#
# Environment: ROUNDS [8], DUR [8] seconds per wrk run, WARM [25] seconds of warm-up each (then 8 s runs until the JIT
# compiler threads take < 3 % of the build's CPU, at most 6), URLPATH [/hello]
# (/big.bin is a BIGSIZE-byte [1 MiB] file), CONNS [50] wrk connections. Everything on 127.0.0.1; stopped on exit.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
R=${ROUNDS:-8} D=${DUR:-8} P=${URLPATH:-/hello} C=${CONNS:-50}
W=$(mktemp -d -t h12bab.XXXX); mkdir -p $W/html $W/up; PATH=$PATH:/usr/sbin
head -c ${BIGSIZE:-1048576} /dev/urandom > $W/html/big.bin
cat > $W/up/nginx.conf <<EOC
$([ "$(id -u)" = 0 ] && echo 'user root;') daemon off; worker_processes 1; pid $W/up/nginx.pid; error_log $W/up/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; sendfile on;
  client_body_temp_path $W/up/b; proxy_temp_path $W/up/p; fastcgi_temp_path $W/up/f; uwsgi_temp_path $W/up/u; scgi_temp_path $W/up/s;
  server { listen 127.0.0.1:19282 proxy_protocol; root $W/html; location = /hello { default_type text/plain; return 200 "hello\n"; } } }
EOC
nginx -c $W/up/nginx.conf -p $W/up -e $W/up/error.log & UP=$!
PIDS=($UP); trap 'kill ${PIDS[@]} 2>/dev/null; wait ${PIDS[@]} 2>/dev/null; rm -rf $W; true' EXIT
NAMES=(); declare -A PID PORT RES
port=19290
for spec in "$@"; do
  n=${spec%%=*}; rest=${spec#*=}; jar=${rest%%:*}; rest2=${rest#*:}; ext=${rest2%%:*}; jo=""; [[ $rest2 == *:* ]] && jo=${rest2#*:}
  java ${JOPTS:-} $jo -jar $jar --host 127.0.0.1 --port $port --no-https --extensions $ext --webroot $ROOT/webroot \
    --work-dir $W/hse$port --access-log none --ext-setting proxy.upstream=127.0.0.1:19282 --outbound-allow-ext proxy=127.0.0.1:19282 > $W/hse$port.log 2>&1 &
  PID[$n]=$!; PIDS+=($!); PORT[$n]=$port; NAMES+=($n); port=$((port+1))
done
for n in "${NAMES[@]}"; do for i in $(seq 150); do curl -sf -o /dev/null http://127.0.0.1:${PORT[$n]}/ext/proxy/hello && break; sleep 0.2; done; done
hz=$(getconf CLK_TCK)
cs() { local t v=0; for t in /proc/$1/task/*; do v=$((v+$(awk '/^voluntary_ctxt/{print $2}' $t/status 2>/dev/null || echo 0))); done; echo $v; }
one() { # name secs -> rps cpu_us vcs
  local c0 c1 v0 v1 out pid=${PID[$1]}
  c0=$(awk '{print $14+$15}' /proc/$pid/stat); v0=$(cs $pid)
  out=$(wrk -t$(( C < 2 ? 1 : 2 )) -c$C --timeout 60s -d${2}s http://127.0.0.1:${PORT[$1]}/ext/proxy$P)
  c1=$(awk '{print $14+$15}' /proc/$pid/stat); v1=$(cs $pid)
  echo "$out" | awk -v c0=$c0 -v c1=$c1 -v v0=$v0 -v v1=$v1 -v hz=$hz '/requests in/{r=$1} /Requests\/sec/{rps=$2} /Non-2xx|Socket errors/{err=err" "$0} END{printf "%.2f %.1f %.3f%s\n", rps, (c1-c0)/hz*1e6/r, (v1-v0)/r, err}'
}
jit() { local t v=0; for t in /proc/$1/task/*; do case "$(cat $t/comm 2>/dev/null)" in C[12]\ Compiler*)
  v=$((v+$(awk '{print $14+$15}' $t/stat 2>/dev/null || echo 0)));; esac; done; echo $v; }
for n in "${NAMES[@]}"; do # the warm-up, then 8 s runs until the JIT took < 3 % of the build's CPU in one (at most 6)
  one $n ${WARM:-25} >/dev/null
  for w in 1 2 3 4 5 6 7; do
    [ $w = 7 ] && { echo "($n: the JIT still compiling after the warm-up)"; break; }
    j0=$(jit ${PID[$n]}); c0=$(awk '{print $14+$15}' /proc/${PID[$n]}/stat); one $n 8 >/dev/null
    j1=$(jit ${PID[$n]}); c1=$(awk '{print $14+$15}' /proc/${PID[$n]}/stat)
    [ $(( (j1-j0)*100 )) -lt $(( 3*(c1-c0) )) ] && break
  done
done
N=${#NAMES[@]}
for ((r=0; r<R; r++)); do
  line="round $((r+1))"
  for ((i=0; i<N; i++)); do n=${NAMES[$(( (i+r) % N ))]}; x=$(one $n $D); RES[$n]+="$x"$'\n'; line+="  $n: $x"; done
  echo "$line  load $(cut -d' ' -f1 /proc/loadavg)"
done
med() { sort -g | awk '{a[NR]=$1} END{if(NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
b=${NAMES[0]}; brps=$(printf '%s' "${RES[$b]}" | awk 'NF{print $1}' | med); bcpu=$(printf '%s' "${RES[$b]}" | awk 'NF{print $2}' | med)
for n in "${NAMES[@]}"; do
  rps=$(printf '%s' "${RES[$n]}" | awk 'NF{print $1}' | med); cpu=$(printf '%s' "${RES[$n]}" | awk 'NF{print $2}' | med); v=$(printf '%s' "${RES[$n]}" | awk 'NF{print $3}' | med)
  echo "MEDIAN $n: $rps req/s  $cpu us CPU/req  $v cs/req  (vs $b: req/s x$(awk -v a=$brps -v b=$rps 'BEGIN{printf "%.3f", b/a}'), CPU x$(awk -v a=$bcpu -v b=$cpu 'BEGIN{printf "%.3f", b/a}'))"
  # the same round's figures paired: steadier than a ratio of medians when the machine's speed drifts
  [ $n = $b ] || echo "  per round vs $b: CPU x$(paste <(printf '%s' "${RES[$n]}" | awk 'NF{print $2}') <(printf '%s' "${RES[$b]}" | awk 'NF{print $2}') \
    | awk '{print $1/$2}' | med) median (lower in $(paste <(printf '%s' "${RES[$n]}" | awk 'NF{print $2}') <(printf '%s' "${RES[$b]}" | awk 'NF{print $2}') \
    | awk '$1<$2{k++} END{print k+0}') of $R rounds), req/s x$(paste <(printf '%s' "${RES[$n]}" | awk 'NF{print $1}') <(printf '%s' "${RES[$b]}" | awk 'NF{print $1}') | awk '{print $1/$2}' | med)"
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
