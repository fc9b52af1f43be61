#!/usr/bin/env bash
# monosim against the ceiling: a bare axum app (bench/ceiling) answering, at the same paths,
# the very bytes monosim answered — what this machine can do for a server of this shape
# with none of monosim's work. Two routes of one account holding 10,000 transactions:
#   - GET /v2/accounts/:id
#   - GET /v2/accounts/:id/transactions?page=PAGE&limit=20 (a page deep in the history)
#   - the same route at a random page of the 500 each request ("pages"): monosim keeps the
#     pages it wrote lately (api/listing.rs), so this shows a page it mostly has not kept;
#     the ceiling answers its one page.
# Each under wrk -t1 -c50 (a 2 s warm-up discarded, then the given seconds), monosim and
# the ceiling alternating, PASSES times, both unpinned on the whole machine. Prints req/s,
# p99 and server CPU per request of each, and monosim as a fraction of the ceiling.
# Usage: bench/ceiling.sh [seconds-per-wrk-run] [passes]   (default 8 2)
# MONOSIM_BIN=path measures that monosim binary instead of this checkout's release build,
# e.g. the static musl build scripts/dist ships (target/x86_64-unknown-linux-musl/release/).
set -euo pipefail
shopt -s inherit_errexit
monosim_bin=${MONOSIM_BIN:+$(realpath "$MONOSIM_BIN")}
cd "$(dirname "$0")/.."
source bench/common.sh
duration="${1:-8}"
passes="${2:-2}"
page=250

ensure_wrk
cargo build --release --quiet -p monosim -p monosim-bench-ceiling
monosim=${monosim_bin:-$PWD/target/release/monosim}
if [[ ! -x "$monosim" ]]; then
  echo "error: MONOSIM_BIN=$MONOSIM_BIN is not an executable file" >&2
  exit 2
fi
ceiling=$PWD/target/release/ceiling
key=test_sk_monosim
tmp=$(mktemp -d)
server_pid=
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap 'stop_server; rm -rf "$tmp"' EXIT

machine
echo

# --- monosim, and the bytes it answers -------------------------------------------------
printf 'accounts:\n  - transactions: 10000\n' >"$tmp/world.yaml"
# Every start shows the same world: an account's id carries the day its world starts (as a
# Mono id carries its creation time), so a run crossing midnight UTC would otherwise ask
# the later starts for an account they do not have.
start_time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
start_monosim() {
  coproc SIM {
    exec "$monosim" serve --port 0 --world "$tmp/world.yaml" --start-time "$start_time" 2>/dev/null
  }
  server_pid=$SIM_PID
  read -r ready <&"${SIM[0]}"
  base=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["url"])' "$ready")
}
start_ceiling() {
  coproc CEIL { exec "$ceiling" --account "$tmp/account.json" --transactions "$tmp/transactions.json"; }
  server_pid=$CEIL_PID
  read -r base <&"${CEIL[0]}"
}
start_monosim
id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["sample_accounts"][0]["id"])' "$ready")
account_path="/v2/accounts/$id"
transactions_path="/v2/accounts/$id/transactions?page=$page&limit=20"
curl -sf -H "mono-sec-key: $key" "$base$account_path" >"$tmp/account.json"
curl -sf -H "mono-sec-key: $key" "$base$transactions_path" >"$tmp/transactions.json"
stop_server
python3 - "$tmp/transactions.json" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
assert len(body["data"]) == 20, f"expected a full page of 20 transactions: {body}"
PY

tick=$(getconf CLK_TCK)
cpu_seconds() { awk -v t="$tick" '{ printf "%.3f\n", ($14 + $15) / t }' "/proc/$1/stat"; }

# measure SERVER PATH [WRK-SCRIPT]: "req/s p99-in-µs server-CPU-µs-per-request"
measure() {
  local name=$1 path=$2 script=${3:-} out cpu0 cpu1 total
  "start_$name"
  local got
  got=$(curl -sf -H "mono-sec-key: $key" "$base$path" | wc -c)
  local want
  want=$(wc -c <"$tmp/$([[ $path == *transactions* ]] && echo transactions || echo account).json")
  [[ $got == "$want" ]] || { echo "$name answered $got bytes at $path, not $want" >&2; stop_server; exit 1; }
  local scripted=()
  [[ -z $script ]] || scripted=(-s "$script")
  wrk -t1 -c50 -d2s -H "mono-sec-key: $key" "${scripted[@]}" "$base$path" >/dev/null
  cpu0=$(cpu_seconds "$server_pid")
  out=$(wrk -t1 -c50 -d"${duration}s" --latency -H "mono-sec-key: $key" "${scripted[@]}" "$base$path")
  cpu1=$(cpu_seconds "$server_pid")
  stop_server
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "$name: $(grep -E 'Non-2xx|Socket errors' <<<"$out")" >&2
    exit 1
  fi
  total=$(awk '/requests in/{print $1}' <<<"$out")
  awk -v out="$out" -v a="$cpu0" -v b="$cpu1" -v n="$total" 'BEGIN {
    split(out, lines, "\n")
    for (i in lines) {
      split(lines[i], f, " ")
      if (f[1] == "Requests/sec:") rps = f[2]
      if (f[1] == "99%") p99 = f[2]
    }
    # wrk prints latencies as 812.00us, 1.32ms or 1.01s
    if (p99 ~ /us$/) us = p99 + 0; else if (p99 ~ /ms$/) us = p99 * 1000; else us = p99 * 1000000
    printf "%.0f %.0f %.1f\n", rps, us, 1000000 * (b - a) / n
  }'
}

cat >"$tmp/pages.lua" <<LUA
math.randomseed(7)
request = function()
  return wrk.format(nil, string.format("/v2/accounts/$id/transactions?page=%d&limit=20", math.random(1, 500)))
end
LUA

echo "wrk -t1 -c50, ${duration} s after a 2 s warm-up; monosim and the ceiling alternate, $passes passes"
printf '%-14s %-9s %4s %12s %10s %14s\n' route server pass "req/s" "p99 µs" "CPU µs/req"
for route in account transactions pages; do
  path=$([[ $route == account ]] && echo "$account_path" || echo "$transactions_path")
  script=$([[ $route == pages ]] && echo "$tmp/pages.lua" || true)
  ratios=() p99s=()
  for pass in $(seq "$passes"); do
    # A plain assignment, so that measure's failure (in its subshell) ends the run under
    # set -e rather than leaving a blank row.
    measured=$(measure monosim "$path" "$script")
    read -r m_rps m_p99 m_cpu <<<"$measured"
    measured=$(measure ceiling "$path" "$script")
    read -r c_rps c_p99 c_cpu <<<"$measured"
    printf '%-14s %-9s %4s %12s %10s %14s\n' "$route" monosim "$pass" "$m_rps" "$m_p99" "$m_cpu" \
      "$route" ceiling "$pass" "$c_rps" "$c_p99" "$c_cpu"
    ratios+=("$(awk -v a="$m_rps" -v b="$c_rps" 'BEGIN { printf "%.1f", 100 * a / b }')")
    p99s+=("$(awk -v a="$m_p99" -v b="$c_p99" 'BEGIN { printf "%.2f", a / b }')")
  done
  summary="$(IFS=/; echo "${ratios[*]}") % of the ceiling's req/s, p99 $(IFS=/; echo "${p99s[*]}")× its p99"
  echo "$route: monosim at $summary (one figure per pass)"
  case $route in
    account) what="GET /v2/accounts/:id" ;;
    transactions) what="GET …/transactions?page=$page (10,000 tx)" ;;
    pages) what="GET …/transactions at a random page of 500 (10,000 tx)" ;;
  esac
  target=$([[ $route == pages ]] && echo "— (how much the kept pages do)" || echo "≥ 80 %, p99 ≤ 1.2×")
  row "API vs ceiling: $what" "monosim ÷ bare axum, same bytes" "$summary" "$target"
done
