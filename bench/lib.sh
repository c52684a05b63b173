# Shared helpers of the bench scripts: source it (". bench/lib.sh"), then call bench_init.
#   bench_init              WORK (a temp dir), PIDS, cleanup on exit (every process started here is stopped)
#   start_bg NAME CMD...    starts CMD in the background, output in $WORK/NAME.log; sets BG_PID
#   stop PID / forget PID   TERM (KILL after 15 s) / no longer track
#   free_port, port_free PORT, wait_url URL SECONDS
#   cpu_ticks PID[,PID...]  user+system clock ticks of those processes (and the children of each)
#   median                  median of the numbers on stdin
#   run_wrk PIDS URL THREADS CONNECTIONS SECONDS  -> "req_per_s bytes_per_s cpu_us_per_request errors"
#   loadavg                 the 1, 5 and 15 minute load averages
# shellcheck shell=bash

log() { printf '%s\n' "$*"; }

HZ=$(getconf CLK_TCK)

bench_init() {
    WORK=$(mktemp -d -t hse4j-bench.XXXXXX)
    chmod 755 "$WORK"
    PIDS=()
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    cat > "$WORK/summary.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d bytes=%d duration_us=%d errors=%d\n", summary.requests,
    summary.bytes, summary.duration, e.connect + e.read + e.write + e.status + e.timeout))
end
LUA
}

bench_cleanup() {
    local p
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && stop "$p"
    done
    [ "${KEEP_WORK:-0}" = 1 ] && log "(work directory kept: $WORK)" || rm -rf "$WORK"
}

start_bg() { # name cmd... -> BG_PID
    local name=$1
    shift
    "$@" >"$WORK/$name.log" 2>&1 &
    BG_PID=$!
    PIDS+=("$BG_PID")
}

stop() { # pid: TERM, then KILL after 15 s
    local i
    if ! kill "$1" 2>/dev/null; then
        wait "$1" 2>/dev/null || true
        forget "$1"
        return 0
    fi
    for ((i = 0; i < 150; i++)); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    forget "$1"
}

forget() { # pid: it has ended; never signal that number again (it may be reused)
    local p keep=()
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && [ "$p" != "$1" ] && keep+=("$p")
    done
    PIDS=("${keep[@]:-}")
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

port_free() { # port: refuse to benchmark a stale server left on the port
    if curl -sk -o /dev/null "http://127.0.0.1:$1/"; then
        echo "port $1 is already in use (a server from an earlier run?)" >&2
        exit 1
    fi
}

wait_url() { # url seconds [pid]: until it answers (gives up early when pid has died)
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        curl -sk -o /dev/null "$1" && return 0
        if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "not answering: $1" >&2
    return 1
}

cpu_ticks() { # pid[,pid...]: user+system ticks, the children of each included (nginx's workers)
    local p c total=0 all=()
    for p in ${1//,/ }; do
        all+=("$p")
        for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do all+=("$c"); done
    done
    for p in "${all[@]}"; do
        total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

jit_ticks() { # pid: ticks of the JVM's JIT compiler threads (C1, C2), 0 for a process that has none
    local t total=0
    for t in /proc/"$1"/task/*; do
        case "$(cat "$t/comm" 2>/dev/null)" in
            C1\ Compiler*|C2\ Compiler*) total=$((total + $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0))) ;;
        esac
    done
    echo "$total"
}

warm_up() { # pid url threads connections seconds max_runs -> "runs cpu_us_per_request jit_percent"
    # Runs of wrk until the JIT has settled the path: the compiler threads took under 2 % of the process's
    # CPU in the last run (hse4j has more code to compile than raw Jetty: a fixed warm-up measured its
    # compiles in the first rounds) and the CPU per request of the last two runs agrees within 15 %.
    local pid=$1 url=$2 t=$3 c=$4 d=$5 max=$6 w j0 c0 cpu prev="" jit=100
    for ((w = 1; w <= max; w++)); do
        j0=$(jit_ticks "$pid"); c0=$(cpu_ticks "$pid")
        cpu=$(run_wrk "$pid" "$url" "$t" "$c" "$d" | awk '{print $3}')
        jit=$(awk -v j="$(( $(jit_ticks "$pid") - j0 ))" -v c="$(( $(cpu_ticks "$pid") - c0 ))" \
            'BEGIN{printf "%.1f", (c > 0 ? 100 * j / c : 0)}')
        if [ -n "$prev" ] && awk -v a="$prev" -v b="$cpu" -v j="$jit" \
            'BEGIN{exit !(j < 2 && b <= a * 1.15 && b >= a / 1.15)}'; then
            break
        fi
        prev=$cpu
    done
    echo "$((w > max ? max : w)) $cpu $jit"
}

threads_of() { awk '/^Threads:/{print $2}' "/proc/$1/status"; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}'; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

run_wrk() { # pids url threads connections seconds -> "rps bytes_per_s cpu_us_per_request errors"
    local pids=$1 url=$2 t=$3 c=$4 d=$5 c0 c1 out
    c0=$(cpu_ticks "$pids")
    out=$(wrk -t"$t" -c"$c" -d"${d}s" --timeout "${WRK_TIMEOUT:-10}s" -s "$WORK/summary.lua" "$url" | grep '^RESULT' || echo "RESULT requests=0 bytes=0 duration_us=1 errors=1")
    c1=$(cpu_ticks "$pids")
    echo "$out" | awk -v c0="$c0" -v c1="$c1" -v hz="$HZ" '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        s = v["duration_us"] / 1e6
        printf "%.0f %.0f %.1f %d\n", v["requests"] / s, v["bytes"] / s,
            (c1 - c0) / hz * 1e6 / (v["requests"] > 0 ? v["requests"] : 1), v["errors"] }'
}
