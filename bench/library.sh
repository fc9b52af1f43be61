#!/usr/bin/env bash
# The whole bundled library against the Rust reference receiver, wall time (compilation
# excluded: both binaries are built first). Three figures: with the receiver started
# directly; through the repository's monosim.yaml (`cargo run`, which adds cargo's own
# start-up); and against the instant receiver — the same receiver keeping its database in
# memory, so that nothing it does waits on a disk and what remains is the harness's own
# time.
# Usage: bench/library.sh [runs]   (default 5; the median is printed)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
cargo build --release --quiet
cargo build --release --quiet --example rust-receiver
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e 's|command: cargo run --release -q --example rust-receiver|command: target/release/examples/rust-receiver|' \
    -e "s|DB_PATH: target/rust-receiver.db|DB_PATH: $tmp/receiver.db|" monosim.yaml > monosim.bench.yaml
trap 'rm -rf "$tmp" monosim.bench.yaml' EXIT

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)"
scenarios=$(ls scenarios/*.yaml | wc -l)

median() {
  local config=$1 times=() t0 t1
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N)
    CI=true target/release/monosim run --config "$config" > "$tmp/out.txt" 2>&1 || { cat "$tmp/out.txt"; exit 1; }
    t1=$(date +%s%N)
    grep -q "$scenarios passed, 0 failed" "$tmp/out.txt" || { cat "$tmp/out.txt"; exit 1; }
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

sed -e "s|DB_PATH: $tmp/receiver.db|DB_PATH: \":memory:\"|" monosim.bench.yaml > monosim.instant.yaml
trap 'rm -rf "$tmp" monosim.bench.yaml monosim.instant.yaml' EXIT
direct=$(median monosim.bench.yaml)
instant=$(median monosim.instant.yaml)
through_cargo=$(median monosim.yaml)
printf 'the library (%d scenarios) against the Rust receiver, receiver started directly: %d ms (median of %d)\n' \
  "$scenarios" "$direct" "$runs"
printf 'the same against the instant receiver (its database in memory):           %d ms (median of %d)\n' \
  "$instant" "$runs"
printf 'the same through monosim.yaml (cargo run starts the receiver):              %d ms (median of %d)\n' \
  "$through_cargo" "$runs"
# For bench/all.sh's results table.
if [[ -n "${BENCH_ROWS:-}" ]]; then
  printf '%s\t%s\t%s\t%s\n' "library vs the Rust receiver" "$scenarios bundled scenarios, wall time" \
    "$direct ms ($through_cargo ms through cargo run), median of $runs" "" >>"$BENCH_ROWS"
  printf '%s\t%s\t%s\t%s\n' "library vs the instant receiver" "$scenarios bundled scenarios, wall time" \
    "$instant ms, median of $runs" "< 1 s" >>"$BENCH_ROWS"
fi
