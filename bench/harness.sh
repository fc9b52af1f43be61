#!/usr/bin/env bash
# Measures the harness on this machine:
#   - N trivial scenarios (link an account: two webhooks, one probe-free step) against a
#     trivial receiver (200 to everything), --jobs 2: wall time, and the overhead per
#     scenario, (T(N) - T(1)) / (N - 1);
#   - the 48-hour retry scenario: an event to a receiver that never answers (a closed port)
#     is retried 25 times over ~49 h of simulated time; wall time of that scenario.
# Usage: bench/harness.sh [scenarios]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-200}"

cargo build --release --quiet
cargo build --release --quiet --example webhook_bench -p monosim-simulator
monosim=$PWD/target/release/monosim
tmp=$(mktemp -d)
receiver_pid=
cleanup() {
  [[ -n "$receiver_pid" ]] && { kill "$receiver_pid" 2>/dev/null || true; wait "$receiver_pid" 2>/dev/null || true; }
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)"
echo

target/release/examples/webhook_bench receiver "$tmp/url" &
receiver_pid=$!
for _ in $(seq 100); do [[ -s "$tmp/url" ]] && break; sleep 0.05; done
url=$(sed 's|/webhook$||' "$tmp/url")

# A project with $1 trivial scenarios.
project() {
  local dir=$tmp/p$1
  mkdir -p "$dir/scenarios"
  cat > "$dir/monosim.yaml" <<YAML
webhook_url: $url/webhook
state: { command: "echo null" }
YAML
  for i in $(seq "$1"); do
    printf 'name: trivial %s\naccounts: { ada: {} }\nsteps:\n  - link: ada\n' "$i" > "$dir/scenarios/t$i.yaml"
  done
  echo "$dir"
}

ms() { echo $(( $(date +%s%N) / 1000000 )); }
time_run() {
  local dir=$1 t0 t1
  t0=$(ms)
  (cd "$dir" && "$monosim" run --jobs 2 > "$dir/out.txt" 2>&1) || { cat "$dir/out.txt"; exit 1; }
  t1=$(ms)
  echo $((t1 - t0))
}

one=$(project 1); many=$(project "$count")
time_run "$one" > /dev/null # warm the page cache
t1=$(time_run "$one")
tn=$(time_run "$many")
grep -q "$count passed, 0 failed" "$many/out.txt" || { cat "$many/out.txt"; exit 1; }
printf '%d trivial scenarios, --jobs 2: %d ms wall (1 scenario: %d ms)\n' "$count" "$tn" "$t1"
overhead=$(awk -v n="$count" -v tn="$tn" -v t1="$t1" 'BEGIN { printf "%.2f", (tn - t1) / (n - 1) }')
echo "overhead per scenario: $overhead ms"
if [[ -n "${BENCH_ROWS:-}" ]]; then
  printf '%s\t%s\t%s\t%s\n' "harness: overhead per scenario" "$count trivial scenarios, --jobs 2, receiver answering 200 at once" \
    "$overhead ms per scenario ($tn ms for $count, $t1 ms for 1)" "" >>"$BENCH_ROWS"
fi

# --- the 48-hour retry scenario --------------------------------------------------------
# Python's static file server answers GET (ready) but 501 to every POST: a receiver that
# never accepts a webhook.
dir=$tmp/retry
mkdir -p "$dir/scenarios"
cat > "$dir/monosim.yaml" <<'YAML'
receiver:
  command: python3 -m http.server {receiver.port} --bind 127.0.0.1
  ready: "http://127.0.0.1:{receiver.port}/"
webhook_url: "http://127.0.0.1:{receiver.port}/webhook"
state: { command: "echo null" }
YAML
cat > "$dir/scenarios/retry.yaml" <<'YAML'
name: a receiver that never answers 2xx gets 25 attempts over two days
accounts: { ada: {} }
steps:
  - link: ada
  - advance: 50h
  - expect_delivery: { event: mono.events.account_connected, account: ada, outcome: gave_up }
YAML
(cd "$dir" && "$monosim" run --json report.json > out.txt 2>&1) || { cat "$dir/out.txt"; exit 1; }
python3 - "$dir/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["scenarios"][0]
print(f"48-hour retry scenario (25 attempts, ~49 h simulated): {r['duration_ms']} ms wall, {r['status']}")
PY
