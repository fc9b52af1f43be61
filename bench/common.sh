# Helpers shared by the bench/ scripts that compare monosim with other tools (sourced).

# wrk from Debian, if it is not installed yet.
ensure_wrk() {
  if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian package)..." >&2
    (apt-get update -qq && apt-get install -y -qq wrk) >&2
  fi
}

# The pinned peers (bench/peers/package-lock.json) into bench/peers/node_modules, when
# missing or older than the lock file.
ensure_peers() {
  local dir=bench/peers
  if [[ ! -f $dir/node_modules/.package-lock.json || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    echo "installing the peers (npm ci in $dir)..." >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
}

machine() {
  echo "machine: $(nproc) cores ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"
  echo "date:    $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d" " -f1-3 /proc/loadavg) (whatever else runs on the machine skews the figures)"
}

# A TCP port nobody listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until `curl ARGS...` succeeds (up to 60 s).
wait_http() {
  for _ in $(seq 600); do
    curl -sf -o /dev/null "$@" && return 0
    sleep 0.1
  done
  echo "no answer from $*" >&2
  return 1
}

# Appends a row to the results table of bench/all.sh, when it asked for one:
# row WHAT SUBJECT RESULT TARGET
row() {
  if [[ -n "${BENCH_ROWS:-}" ]]; then
    printf '%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_ROWS"
  fi
}
