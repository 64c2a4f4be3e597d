# shellcheck shell=bash
# Sourced by the benchmark scripts: the machine they ran on, wrk runs, perf counts, a signed-in
# user of the API, and their summaries. Needs common.sh and, for machine_summary, jdk.sh's find_jdk.

# "2 cores, 24 GiB, openjdk version ...": the line every summary starts with.
machine_summary() {
  echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $("$JAVA" -version 2>&1 | head -1)"
}

# Benchmarks post from a few accounts far faster than a person types: under the per-user post limit
# (MESSAGE_RATE_LIMIT, 10/s by default) most posts would be 429s. Every app started from here inherits this.
export MESSAGE_RATE_LIMIT=${MESSAGE_RATE_LIMIT:-1000000000}

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# Resident memory of a process, in KiB.
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# Every held connection is a file descriptor: the soft limit is raised to the hard one.
raise_open_files() { ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; }

# Prints its arguments and adds them to the summary file, $SUMMARY.
out() { echo "$*" | tee -a "$SUMMARY"; }

# A latency as wrk and h2load print it (812.00us, 1.20ms, 1.01s), in milliseconds with three decimals.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

# One wrk run with one thread: run_wrk CONNECTIONS DURATION [wrk options...] URL. Prints
# "req/s p50_ms p99_ms non_2xx socket_errors requests"; the latencies unrounded (six decimals).
run_wrk() {
  local connections=$1 duration=$2; shift 2
  wrk -t1 -c"$connections" -d"$duration" --latency "$@" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v + 0 }
    /^Requests\/sec:/ { r = $2 } / requests in / { n = $1 } /Non-2xx/ { e += $NF }
    /Socket errors/ { gsub(/,/, ""); s += $4 + $6 + $8 + $10 }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    END { printf "%s %.6f %.6f %d %d %d\n", r, p50, p99, e, s, n }'
}

# CPU time and context switches of the processes PIDS (comma-separated) over SECONDS, into FILE
# (perf stat's CSV); run it in the background beside the load.
perf_stat() { # pids seconds file
  perf stat -e task-clock,context-switches -x, -p "$1" -o "$3" -- sleep "$2"
}

# From perf_stat's FILE: "CPU µs per request" (one decimal) and "context switches per request"
# (three), over REQUESTS; "nan" for what perf did not count, nothing when there is nothing to read.
perf_per_request() { # file requests
  awk -F, -v r="$2" '$3 == "task-clock" { cpu = sprintf("%.1f", $1 * 1000 / r) }
    $3 == "context-switches" { cs = sprintf("%.3f", $1 / r) }
    END { print (cpu == "" ? "nan" : cpu), (cs == "" ? "nan" : cs) }' "$1"
}

# Registers USER at the API at BASE and logs in; prints the value of the SESSION cookie.
api_session() { # base user
  local body="{\"username\":\"$2\",\"password\":\"a long enough password\"}"
  curl -fsS -o /dev/null -H 'Content-Type: application/json' -d "$body" "$1/api/users" || return
  curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' -d "$body" "$1/api/session" \
    | awk -F'[=;]' 'tolower($0) ~ /^set-cookie: session=/ { print $2; exit }'
}

# Creates a room named NAME; prints its id.
api_room() { # base cookie name
  curl -fsS -H "Cookie: SESSION=$2" -H 'Content-Type: application/json' -d "{\"name\":\"$3\"}" "$1/api/rooms" \
    | sed -n 's/.*"id":\([0-9]*\).*/\1/p'
}

# Posts COUNT messages to the room, "message 1<suffix>", "message 2<suffix>", ...
api_post_messages() { # base cookie room count [suffix]
  local i
  for i in $(seq 1 "$4"); do
    curl -fsS -o /dev/null -H "Cookie: SESSION=$2" -H 'Content-Type: application/json' \
      -d "{\"text\":\"message $i${5:-}\"}" "$1/api/rooms/$3/messages"
  done
}
