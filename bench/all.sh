#!/usr/bin/env bash
# Every comparison in one run, ending with one results table (markdown, for
# bench/RESULTS.md): monosim vs Mockoon CLI / Prism / json-server (bench/peers.sh), the
# webhook fan-out vs wrk (bench/webhooks.sh), resident memory (bench/memory.sh) and the
# bundled library against the Rust receiver (bench/library.sh). Each script's own output
# goes by first. Installs what it needs (wrk from Debian, the peers with npm ci); takes
# about five minutes. Not part of CI: speed is measured here, never by timed tests.
# Usage: bench/all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh

BENCH_ROWS=$(mktemp)
export BENCH_ROWS
trap 'rm -f "$BENCH_ROWS"' EXIT

for script in peers.sh webhooks.sh memory.sh library.sh; do
  echo "=== bench/$script"
  "bench/$script"
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
