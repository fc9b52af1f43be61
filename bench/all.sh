#!/usr/bin/env bash
# Every comparison in one run, ending with one results table (markdown, for
# bench/RESULTS.md): monosim vs the bare-axum ceiling (bench/ceiling.sh), vs Mockoon CLI /
# Prism / json-server (bench/peers.sh), the webhook fan-out vs wrk (bench/webhooks.sh),
# resident memory (bench/memory.sh), the bundled library against the Rust and the instant
# receiver (bench/library.sh) and the harness's own costs (bench/harness.sh). Each script's
# own output goes by first. Installs what it needs (wrk from Debian, the peers with npm ci);
# takes about eight minutes. Not part of CI: speed is measured here, never by timed tests.
#
# --tiny runs every script on a tiny size (a second of load each, a few starts): what
# .ci/run does (scripts/bench-smoke) to prove the scripts still work. Its figures mean
# nothing.
# Usage: bench/all.sh [--tiny]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh

# Each script with the arguments of a real run, then of a tiny one.
scripts=(
  "ceiling.sh|8 2|1 1"
  "peers.sh|10 15|1 2"
  "webhooks.sh|90000 200 2 5|400 8 1 1"
  "memory.sh|1000000|20000"
  "library.sh|5|1"
  "harness.sh|200|3"
  "api.sh|10|1"
)
size=2
case "${1:-}" in
  "") ;;
  --tiny) size=3 ;;
  *) echo "usage: bench/all.sh [--tiny]" >&2; exit 2 ;;
esac

BENCH_ROWS=$(mktemp)
export BENCH_ROWS
trap 'rm -f "$BENCH_ROWS"' EXIT

for entry in "${scripts[@]}"; do
  script=$(cut -d'|' -f1 <<<"$entry")
  read -r -a args <<<"$(cut -d'|' -f"$size" <<<"$entry")"
  echo "=== bench/$script ${args[*]}"
  "bench/$script" "${args[@]}"
  echo
done

echo "=== results"
machine
echo
echo "| benchmark | subject | result | target |"
echo "| --- | --- | --- | --- |"
while IFS=$'\t' read -r what subject result target; do
  echo "| $what | $subject | $result | $target |"
done <"$BENCH_ROWS"
