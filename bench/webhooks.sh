#!/usr/bin/env bash
# Measures the webhook dispatcher on this machine against wrk, in the same run, on loopback:
#   - monosim: EVENTS account_updated events spread round-robin over ACCOUNTS linked accounts
#     (one ordered lane each), from the first emit until the delivery log shows all delivered;
#   - wrk: -t1 -c64 for the given seconds, POSTing the same body with the same headers to the
#     same receiver (a trivial axum app on one worker thread, answering 200);
#   - replay: one event against a receiver that always answers 500, clock frozen, advanced
#     50 h: attempts logged (must be 25), simulated span, wall time.
# wrk is installed from Debian if missing.
# Usage: bench/webhooks.sh [events] [accounts] [seconds-of-wrk]   (default 20000 200 10)
set -euo pipefail
cd "$(dirname "$0")/.."
events="${1:-20000}"
accounts="${2:-200}"
duration="${3:-10}"

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)..." >&2
  (apt-get update -qq && apt-get install -y -qq wrk) >&2
fi
cargo build --release --quiet --example webhook_bench -p monosim-simulator
bin=target/release/examples/webhook_bench
secret=monosim_webhook_secret # DEFAULT_WEBHOOK_SECRET, what the dispatcher sends

tmp=$(mktemp -d)
receiver_pid=
cleanup() {
  if [[ -n "$receiver_pid" ]]; then
    kill "$receiver_pid" 2>/dev/null || true
    wait "$receiver_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)"
echo

# --- the receiver ----------------------------------------------------------------------
"$bin" receiver "$tmp/url" &
receiver_pid=$!
for _ in $(seq 100); do
  [[ -s "$tmp/url" ]] && break
  sleep 0.05
done
[[ -s "$tmp/url" ]] || { echo "the receiver did not start" >&2; exit 1; }
url=$(<"$tmp/url")

# --- monosim fan-out -------------------------------------------------------------------
fanout=$(BODY_FILE="$tmp/body.json" "$bin" fanout "$url" "$events" "$accounts")
echo "$fanout"
dps=$(awk '/^deliveries\/s:/{print $2}' <<<"$fanout")

# --- wrk, same receiver, same body and headers -----------------------------------------
cat >"$tmp/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["mono-webhook-secret"] = "$secret"
local f = assert(io.open("$tmp/body.json", "rb"))
wrk.body = f:read("*a")
f:close()
EOF
out=$(wrk -t1 -c64 -d"${duration}s" --latency -s "$tmp/post.lua" "$url")
rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
p50=$(awk '$1=="50%"{print $2}' <<<"$out")
p99=$(awk '$1=="99%"{print $2}' <<<"$out")
errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)
echo "wrk: $rps req/s, p50 $p50, p99 $p99 $errors"

# --- replay of the retry schedule --------------------------------------------------------
replay=$("$bin" replay)
attempts=$(awk '/^replay attempts:/{print $3}' <<<"$replay")
span=$(awk '/^replay simulated span:/{print $4}' <<<"$replay")
wall=$(awk '/^replay wall time:/{print $4}' <<<"$replay")

echo
printf '%-44s %12s\n' "monosim dispatcher (${events} events / ${accounts} lanes)" "$dps deliveries/s"
printf '%-44s %12s\n' "wrk -t1 -c64 -d${duration}s, same receiver and body" "$rps requests/s"
printf '%-44s %12s\n' "monosim / wrk" "$(echo "scale=1; 100 * $dps / $rps" | bc -l) %"
printf '%-44s %12s\n' "replay: attempts logged (500 every time)" "$attempts"
printf '%-44s %12s\n' "replay: simulated first -> last attempt" "$span"
printf '%-44s %12s\n' "replay: wall time" "$wall ms"
