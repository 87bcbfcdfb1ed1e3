# Shared by the scripts/benchmark-* scripts that start a server (sourced, not run).

# prepare_benchmark BINARY: checks the binary and wrk, makes the scratch folder $work, and on exit
# stops the server (if one was started) and removes $work.
prepare_benchmark() {
    [ -x "$1" ] || { echo "error: build it first: swift build -c release" >&2; exit 1; }
    command -v wrk >/dev/null || { echo "error: install wrk (apt-get install wrk)" >&2; exit 1; }
    work="$(mktemp -d)"
    server_pid=""
    trap 'if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; fi; wait 2>/dev/null || true; rm -rf "$work"' EXIT
}

# start_server BINARY PORT DATA_DIR: starts `serve` on the data folder, waits until it listens, sets
# $server_pid and $key (a new viewer key), and prints the machine.
start_server() {
    local binary="$1" port="$2" data="$3"
    "$binary" serve --port "$port" --data-dir "$data" >"$work/out" 2>"$work/err" &
    server_pid=$!
    for _ in $(seq 1 600); do grep -q '^Metrics:' "$work/out" 2>/dev/null && break; sleep 0.1; done
    grep -q '^Metrics:' "$work/out" || { echo "server did not start"; cat "$work/err"; exit 1; }
    key="$("$binary" apikey create --role viewer --name bench --data-dir "$data" 2>/dev/null | tail -1)"
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%FT%TZ)"
}
# time_routes PORT KEY DURATION CONNECTIONS "name|path"...: times the first request of every route
# with curl on the idle server (before any load: a request queued behind a previous load would
# measure that load's backlog), then runs wrk against each route and prints one line per route.
# Needs $work (a scratch folder).
time_routes() {
    local port="$1" key="$2" duration="$3" connections="$4"
    shift 4
    local entry name path answer rps p50 p99 errors
    declare -A first
    for entry in "$@"; do
        name="${entry%%|*}" path="${entry#*|}"
        answer="$(curl -s -o "$work/first" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $key" "http://127.0.0.1:$port$path")"
        [ "${answer%% *}" = 200 ] || { echo "$name: first request answered ${answer%% *}: $(head -c 300 "$work/first")"; return 1; }
        first[$name]="$(awk -v t="${answer#* }" 'BEGIN {printf "%.1f", t * 1000}')"
    done
    for entry in "$@"; do
        name="${entry%%|*}" path="${entry#*|}"
        wrk -t2 -c"$connections" -d"$duration" --timeout 60s --latency -H "Authorization: Bearer $key" "http://127.0.0.1:$port$path" >"$work/wrk"
        rps="$(awk '/Requests\/sec/ {print $2}' "$work/wrk")"
        p50="$(awk '$1=="50%" {print $2}' "$work/wrk")"
        p99="$(awk '$1=="99%" {print $2}' "$work/wrk")"
        errors="$(grep -E 'Non-2xx|Socket errors' "$work/wrk" | tr '\n' ' ' || true)"
        printf '%-66s first %8s ms  %9s req/s  p50 %8s  p99 %8s %s\n' "$name" "${first[$name]}" "$rps" "$p50" "$p99" "$errors"
        # Let a saturated route's queued requests finish before the next load starts.
        sleep 5
    done
}

# process_memory PID FIELD: a /proc/PID/status field (VmRSS, RssAnon) in MB.
process_memory() { awk -v field="$2:" '$1 == field {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
