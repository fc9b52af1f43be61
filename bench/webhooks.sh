#!/usr/bin/env bash
# Measures the webhook dispatcher on this machine against wrk, in the same run, on loopback:
#   - monosim: EVENTS account_updated events spread round-robin over ACCOUNTS linked accounts
#     (one ordered lane each), from the first emit until the delivery log shows all delivered;
#   - wrk: -t1 for the given seconds, right after, POSTing the same body with the same
#     headers to the same receiver: the ceiling's webhook sink (bench/ceiling, one worker
#     thread), which parses each body as JSON and answers 200. A process of its own, built
#     apart from monosim, so the receiver's cost is the same whatever monosim is built with.
#     wrk keeps as many connections open as the dispatcher does, one per account (-c
#     ACCOUNTS): the receiver's cost per request grows with its connections (at 200 it
#     answers wrk about a fifth slower than at 64, bench/RESULTS.md), so both load it alike;
#   - CPU time per request of each sender, and of the receiver under each;
#   - replay: one event against a receiver that always answers 500, clock frozen, advanced
#     50 h: attempts logged (must be 25), simulated span, wall time.
# wrk is installed from Debian if missing.
# Both are measured PASSES times in turn, each wrk run right after a fan-out, and the
# ratios' median is the result: this machine's speed drifts by a third within a minute, so
# one fan-out against 10 s of wrk a few seconds later said more about the drift than about
# the dispatcher (bench/RESULTS.md).
# Usage: bench/webhooks.sh [events] [accounts] [seconds-of-wrk] [passes]
#        (default 90000 200 2 5)
# 90,000 events keep the dispatcher busy for over a second: 20,000, the old default, were
# one burst of 0.25-0.4 s. The benchmark's delivery log holds 100,000 attempts: events
# + 2 x accounts must fit.
set -euo pipefail
cd "$(dirname "$0")/.."
events="${1:-90000}"
accounts="${2:-200}"
duration="${3:-2}"
passes="${4:-5}"

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)..." >&2
  (apt-get update -qq && apt-get install -y -qq wrk) >&2
fi
cargo build --release --quiet --example webhook_bench -p monosim-simulator
cargo build --release --quiet -p monosim-bench-ceiling
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
target/release/ceiling --workers 1 >"$tmp/url" &
receiver_pid=$!
for _ in $(seq 100); do
  [[ -s "$tmp/url" ]] && break
  sleep 0.05
done
[[ -s "$tmp/url" ]] || { echo "the receiver did not start" >&2; exit 1; }
base=$(head -1 "$tmp/url")

# CPU seconds used so far by the receiver, and by the waited-for children of this shell.
tick=$(getconf CLK_TCK)
receiver_cpu() { awk -v t="$tick" '{printf "%.3f\n", ($14 + $15) / t}' "/proc/$receiver_pid/stat"; }
# (`times` must run in this shell, not in a $(...) subshell, which has no children yet.)
children_cpu() {
  awk 'NR==2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f\n", u[1]*60 + u[2] + s[1]*60 + s[2] }' "$1"
}
per_request() { echo "scale=1; 1000000 * ($2 - $1) / $3" | bc -l; } # seconds before, after; requests

# Fans out, then POSTs with wrk, to the receiver at $1; sets the figures below.
measure_once() {
  local url=$1 out r0 r1 fanout total p50 p99 errors
  # monosim fan-out
  r0=$(receiver_cpu)
  if ! fanout=$(BODY_FILE="$tmp/body.json" "$bin" fanout "$url" "$events" "$accounts" 2>"$tmp/fanout.err"); then
    cat "$tmp/fanout.err" >&2
    exit 1
  fi
  r1=$(receiver_cpu)
  echo "$fanout"
  sed 's/^fanout detail: /  /' "$tmp/fanout.err"
  dps=$(awk '/^deliveries\/s:/{print $2}' <<<"$fanout")
  dps_cpu=$(grep -o 'emit to delivered: CPU [0-9.]*' "$tmp/fanout.err" | awk '{print $NF}')
  alone=$(grep -o 'per event): [0-9]* deliveries/s' "$tmp/fanout.err" | awk '{print $3}')
  alone_cpu=$(grep -o 'CPU [0-9.]* µs per delivery' "$tmp/fanout.err" | awk '{print $2}')
  # The receiver answered the link events (2 per account) and both rounds of events.
  recv_fanout=$(per_request "$r0" "$r1" $((2 * events + 2 * accounts)))

  # wrk, same receiver, same body and headers
  cat >"$tmp/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["mono-webhook-secret"] = "$secret"
local f = assert(io.open("$tmp/body.json", "rb"))
wrk.body = f:read("*a")
f:close()
EOF
  r0=$(receiver_cpu)
  times >"$tmp/times0"
  out=$(wrk -t1 -c"$accounts" -d"${duration}s" --latency -s "$tmp/post.lua" "$url")
  times >"$tmp/times1"
  r1=$(receiver_cpu)
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  total=$(awk '/requests in/{print $1}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)
  echo "wrk: $rps req/s, p50 $p50, p99 $p99 $errors"
  wrk_cpu=$(per_request "$(children_cpu "$tmp/times0")" "$(children_cpu "$tmp/times1")" "$total")
  recv_wrk=$(per_request "$r0" "$r1" "$total")
  ratio=$(echo "scale=1; 100 * $alone / $rps" | bc -l)
  ratio_all=$(echo "scale=1; 100 * $dps / $rps" | bc -l)
}

# The median of the numbers on stdin, one per line.
median() {
  sort -n | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# `measure_once`, $passes times; the ratios become their medians, the other figures are
# the last pass's.
measure() {
  local url=$1 pass all=() alone_all=()
  for pass in $(seq "$passes"); do
    measure_once "$url"
    echo "pass $pass: dispatch alone $alone/s, wrk $rps/s: $ratio %" \
      "($ratio_all % counting event generation)"
    alone_all+=("$ratio")
    all+=("$ratio_all")
  done
  per_pass="$(IFS=/; echo "${alone_all[*]}") %"
  ratio=$(printf '%s\n' "${alone_all[@]}" | median)
  ratio_all=$(printf '%s\n' "${all[@]}" | median)
}

row() { printf '%-50s %20s   %s\n' "$@"; }
# The figures of the last `measure`, as rows (rates and CPU: its last pass).
rows() {
  row "monosim, first emit -> all delivered" "$dps deliveries/s" "CPU $dps_cpu µs/event (emit + delivery)"
  row "monosim, dispatch alone (events queued first)" "$alone deliveries/s" "CPU $alone_cpu µs/delivery"
  row "wrk -t1 -c$accounts -d${duration}s, same receiver and body" "$rps requests/s" "CPU $wrk_cpu µs/request"
  row "monosim / wrk, median of $passes passes" "$ratio_all %" "(dispatch alone: $ratio %)"
  row "  dispatch alone / wrk, each pass" "" "$per_pass"
  row "receiver CPU per request" "" "$recv_fanout µs under monosim, $recv_wrk µs under wrk"
}

echo "== receiver parsing each body as JSON ($base/webhook)"
measure "$base/webhook"
json_rows=$(rows)
json_summary="$ratio % dispatch alone (median of $per_pass); $ratio_all % counting event generation"
echo
echo "== bare receiver, parsing nothing ($base/webhook/bare): the sender's own cost shows"
measure "$base/webhook/bare"
bare_rows=$(rows)
bare_summary="$ratio % dispatch alone (median of $per_pass); $ratio_all % counting event generation"

# --- replay of the retry schedule --------------------------------------------------------
replay=$("$bin" replay)
attempts=$(awk '/^replay attempts:/{print $3}' <<<"$replay")
span=$(awk '/^replay simulated span:/{print $4}' <<<"$replay")
wall=$(awk '/^replay wall time:/{print $4}' <<<"$replay")

echo
echo "receiver parsing JSON:"
echo "$json_rows"
echo "bare receiver:"
echo "$bare_rows"
row "replay: attempts logged (500 every time)" "$attempts" ""
row "replay: simulated first -> last attempt" "$span" ""
row "replay: wall time" "$wall ms" ""

# For bench/all.sh's results table.
if [[ -n "${BENCH_ROWS:-}" ]]; then
  printf '%s\t%s\t%s\t%s\n' \
    "webhooks: fan-out vs wrk" "monosim deliveries/s ÷ wrk POSTs/s, same receiver (parsing JSON) and body" \
    "$json_summary" "≥ 80 %" >>"$BENCH_ROWS"
  printf '%s\t%s\t%s\t%s\n' \
    "webhooks: fan-out vs wrk, bare receiver" "the same to a receiver that parses nothing: the sender's own cost" \
    "$bare_summary" "" >>"$BENCH_ROWS"
  printf '%s\t%s\t%s\t%s\n' "webhooks: 48 h retry replay" "25 attempts, clock advanced 50 h" "$wall ms wall" "" >>"$BENCH_ROWS"
fi
