#!/usr/bin/env bash
# Measures the simulator on this machine and prints the figures:
#   - time from exec to the ready line (median and worst of 20 starts, default world);
#   - resident memory once ready with 100,000 (and 1,000,000) seeded accounts;
#   - requests/s and latency percentiles for GET /v2/accounts/:id and a v2 transactions
#     page, under wrk (installed from Debian if missing), all on loopback.
# Usage: bench/api.sh [seconds-per-wrk-run]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)..." >&2
  (apt-get update -qq && apt-get install -y -qq wrk) >&2
fi
cargo build --release --quiet
bin=target/release/monosim
key=test_sk_monosim

# Starts `monosim serve --port 0 "$@"` as a coprocess; sets $pid and $ready.
start() {
  coproc SIM { exec "$bin" serve --port 0 "$@" 2>/dev/null; }
  pid=$SIM_PID
  read -r ready <&"${SIM[0]}"
}
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(eval('d'+sys.argv[2]))" "$ready" "$1"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)"
echo

# --- start-up to ready ---------------------------------------------------------------
times=()
for _ in $(seq 20); do
  t0=$(date +%s%N)
  start
  t1=$(date +%s%N)
  stop
  times+=($(( (t1 - t0) / 1000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
printf 'ready after exec (default world, 20 starts): median %.1f ms, worst %.1f ms\n' \
  "$(echo "${sorted[9]} / 1000" | bc -l)" "$(echo "${sorted[19]} / 1000" | bc -l)"

# --- memory --------------------------------------------------------------------------
for n in 100000 1000000; do
  t0=$(date +%s%N)
  start --accounts "$n"
  t1=$(date +%s%N)
  rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  printf 'RSS with %7d accounts: %6.1f MiB (ready after %d ms)\n' "$n" "$(echo "$rss / 1024" | bc -l)" $(( (t1 - t0) / 1000000 ))
  stop
done
echo

# --- throughput ----------------------------------------------------------------------
start --accounts 100000
url=$(field '["url"]')
id=$(field '["sample_accounts"][0]["id"]')
for path in "/v2/accounts/$id" "/v2/accounts/$id/transactions?limit=20"; do
  out=$(wrk -t1 -c32 -d"${duration}s" --latency -H "mono-sec-key: $key" "$url$path")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)
  printf 'GET %-42s %10s req/s   p50 %8s   p99 %8s  %s\n' "${path/$id/:id}" "$rps" "$p50" "$p99" "$errors"
done
rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
printf 'RSS after the load, 100,000 accounts: %.1f MiB\n' "$(echo "$rss / 1024" | bc -l)"
stop
