#!/usr/bin/env bash
# Resident memory of `monosim serve` (VmRSS once the ready line is out):
#   - with 1,000 / 100,000 / 1,000,000 seeded accounts (`--accounts N`);
#   - with 1,000 accounts declared in a world file holding 10, then 10,000 transactions
#     each: histories are generated on demand from each account's seed, so a thousand times
#     the transactions should cost (almost) nothing; and again after wrk has read a
#     transactions page of a 10,000-transaction account for 3 s.
# Usage: bench/memory.sh [largest-world]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
largest="${1:-1000000}"

ensure_wrk
cargo build --release --quiet
bin=target/release/monosim
key=test_sk_monosim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Starts `monosim serve --port 0 "$@"` as a coprocess; sets $pid, $ready and $ready_ms.
start() {
  local t0
  t0=$(date +%s%N)
  coproc SIM { exec "$bin" serve --port 0 "$@" 2>/dev/null; }
  pid=$SIM_PID
  read -r ready <&"${SIM[0]}"
  ready_ms=$((($(date +%s%N) - t0) / 1000000))
}
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
rss() { awk '/VmRSS/{printf "%.1f", $2 / 1024}' "/proc/$pid/status"; }

machine
echo

results=()
for n in 1000 100000 "$largest"; do
  start --accounts "$n"
  mib=$(rss)
  stop
  printf 'RSS with %9d seeded accounts: %7s MiB (ready after %d ms)\n' "$n" "$mib" "$ready_ms"
  results+=("$(sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta' <<<"$n"): $mib MiB")
done
row "memory: RSS once ready" "seeded accounts" "$(IFS=';'; echo "${results[*]}" | sed 's/;/, /g')" "< 200 MiB at 1M"

for count in 10 10000; do
  python3 - "$tmp/world.yaml" "$count" <<'PY'
import sys
path, count = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("accounts:\n")
    for _ in range(1000):
        f.write(f"  - transactions: {count}\n")
PY
  start --world "$tmp/world.yaml"
  before=$(rss)
  url=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["url"])' "$ready")
  id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["sample_accounts"][0]["id"])' "$ready")
  out=$(wrk -t1 -c8 -d3s -H "mono-sec-key: $key" "$url/v2/accounts/$id/transactions?limit=20")
  after=$(rss)
  stop
  pages=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  printf 'RSS with 1,000 accounts x %6d transactions: %6s MiB once ready, %6s MiB after 3 s of transactions pages (%s pages/s)\n' \
    "$count" "$before" "$after" "$pages"
  tx+=("$count tx: $before MiB ($after MiB after reading)")
done
row "memory: transactions are lazy" "1,000 accounts × 10 vs × 10,000 transactions" "${tx[0]}; ${tx[1]}" "sub-linear"
