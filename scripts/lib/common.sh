# shellcheck shell=bash
# Sourced by the project's scripts: messages, loopback ports, build staleness and clean-up.
# Messages start with the script's name (PROG; a script may set it after sourcing this file).

PROG=$(basename "$0")

die() { echo "$PROG: $*" >&2; exit 1; }
log() { echo "$PROG: $*"; }

# True when nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints a free loopback port between 20000 and 31999, below the kernel's ephemeral range.
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 12000))
    port_free "$port" && { echo "$port"; return 0; }
  done
  die "no free port found"
}

# True when FILE (a jar) is missing, or a file under the given paths is newer than it; paths that
# do not exist are ignored.
stale() { # file path...
  local file=$1; shift
  [[ -f $file ]] || return 0
  [[ -n "$(find "$@" -newer "$file" -type f -print -quit 2>/dev/null)" ]]
}

# Runs FUNCTION when the script exits; Ctrl-C and SIGTERM end the script (status 130), so it runs
# then too.
on_exit() { # function
  # shellcheck disable=SC2064 # the function's name is meant to be expanded now
  trap "$1" EXIT
  trap 'exit 130' INT TERM
}

# Stops processes this script started: SIGTERM to all, up to 20 s for each to exit, then SIGKILL.
stop_pids() { # pid...
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
