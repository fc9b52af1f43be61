#!/usr/bin/env bash
# monosim next to three mock servers people reach for instead: Mockoon CLI, Prism and
# json-server (pinned in bench/peers/package-lock.json, installed with `npm ci`), each serving
# GET /v2/accounts/:id with the same 569-byte body monosim answers (fetched from monosim at
# the start of the run, checked byte for byte on every peer before it is measured):
#   - requests/s and p50/p99 latency under wrk -t1 -c32 (2 s warm-up, then the given
#     seconds), twice: wrk on CPU 0 and the server on CPU 1 (one core each — node servers
#     run on one core anyway), then both unpinned on the whole machine;
#   - start-up to ready: exec to the first 200 answer of that route, median and worst of N
#     starts (bench/startup.py polls every millisecond).
# Usage: bench/peers.sh [seconds-per-wrk-run] [starts]   (default 10 15)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
root=$PWD
source bench/common.sh
duration="${1:-10}"
starts="${2:-15}"

ensure_wrk
ensure_peers
cargo build --release --quiet
monosim=$PWD/target/release/monosim
bin=$PWD/bench/peers/node_modules/.bin
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
echo "peers:   node $(node --version), @mockoon/cli $(node -p "require('./bench/peers/node_modules/@mockoon/cli/package.json').version"), @stoplight/prism-cli $(node -p "require('./bench/peers/node_modules/@stoplight/prism-cli/package.json').version"), json-server $(node -p "require('./bench/peers/node_modules/json-server/package.json').version"), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
echo

# --- the body, from monosim ------------------------------------------------------------
coproc SIM { exec "$monosim" serve --port 0 2>/dev/null; }
sim_pid=$SIM_PID
read -r ready <&"${SIM[0]}"
url=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["url"])' "$ready")
id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["sample_accounts"][0]["id"])' "$ready")
path="/v2/accounts/$id"
curl -sf -H "mono-sec-key: $key" "$url$path" >"$tmp/body.json"
kill "$sim_pid" 2>/dev/null || true
wait "$sim_pid" 2>/dev/null || true
size=$(wc -c <"$tmp/body.json")

# --- the peers' stubs ------------------------------------------------------------------
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
body = json.load(open(f"{tmp}/body.json"))
# Prism: an OpenAPI document whose one operation has the body as its example.
operation = {
    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "account details", "content": {"application/json": {"example": body}}}},
}
doc = {"openapi": "3.0.3", "info": {"title": "monosim bench stub", "version": "1"},
       "paths": {"/v2/accounts/{id}": {"get": operation}}}
json.dump(doc, open(f"{tmp}/openapi.json", "w"))
# json-server: the body as a singular resource, the Mono route rewritten to it.
json.dump({"account": body}, open(f"{tmp}/db.json", "w"))
json.dump({"/v2/accounts/:id": "/account"}, open(f"{tmp}/routes.json", "w"))
PY
node bench/peers/mockoon-env.js "$tmp/body.json" "$tmp/mockoon.json"

# NAME, then the command that serves on port {port} (substituted), then the auth header.
servers=(monosim mockoon prism json-server)
command_of() {
  local port=$1
  case $2 in
    monosim) echo "$monosim serve --port $port" ;;
    mockoon) echo "$bin/mockoon-cli start -d $tmp/mockoon.json -p $port -l 127.0.0.1 -X --disable-admin-api" ;;
    prism) echo "$bin/prism mock -h 127.0.0.1 -p $port -v warn $tmp/openapi.json" ;;
    json-server) echo "$bin/json-server -H 127.0.0.1 -p $port -r $tmp/routes.json -m $root/bench/peers/json-server-compact.js --ro -q $tmp/db.json" ;;
  esac
}

pin_server=() pin_wrk=()
# CPU seconds (user + system) the process has used so far.
tick=$(getconf CLK_TCK)
cpu_seconds() { awk -v t="$tick" '{ printf "%.3f\n", ($14 + $15) / t }' "/proc/$1/stat"; }

# Serves with NAME, checks the body, warms up, measures. Prints
# "req/s p50 p99 RSS-MiB-after server-CPU-µs-per-request".
measure() {
  local name=$1 port out
  port=$(free_port)
  # shellcheck disable=SC2046
  (cd "$tmp" && exec "${pin_server[@]}" $(command_of "$port" "$name")) >/dev/null 2>&1 </dev/null &
  server_pid=$!
  wait_http -H "mono-sec-key: $key" "http://127.0.0.1:$port$path"
  curl -sf -H "mono-sec-key: $key" "http://127.0.0.1:$port$path" >"$tmp/got.json"
  if [[ $name == monosim ]]; then
    [[ $(wc -c <"$tmp/got.json") == "$size" ]] || { echo "monosim answered another body" >&2; exit 1; }
  else
    cmp -s "$tmp/got.json" "$tmp/body.json" || { echo "$name answered another body" >&2; exit 1; }
  fi
  "${pin_wrk[@]}" wrk -t1 -c32 -d2s -H "mono-sec-key: $key" "http://127.0.0.1:$port$path" >/dev/null
  cpu0=$(cpu_seconds "$server_pid")
  out=$("${pin_wrk[@]}" wrk -t1 -c32 -d"${duration}s" --latency -H "mono-sec-key: $key" "http://127.0.0.1:$port$path")
  cpu1=$(cpu_seconds "$server_pid")
  total=$(awk '/requests in/{print $1}' <<<"$out")
  cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$total" 'BEGIN { printf "%.0f", 1000000 * (b - a) / n }')
  rss=$(awk '/VmRSS/{printf "%.0f", $2 / 1024}' "/proc/$server_pid/status")
  stop_server
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "$name: $(grep -E 'Non-2xx|Socket errors' <<<"$out")" >&2
  fi
  echo "$(awk '/Requests\/sec/{print $2}' <<<"$out") $(awk '$1=="50%"{print $2}' <<<"$out") $(awk '$1=="99%"{print $2}' <<<"$out") $rss $cpu"
}

declare -A pinned shared
if [[ $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then
  pin_server=(taskset -c 1) pin_wrk=(taskset -c 0)
  for name in "${servers[@]}"; do pinned[$name]=$(measure "$name"); done
fi
pin_server=(env) pin_wrk=(env)
for name in "${servers[@]}"; do shared[$name]=$(measure "$name"); done

printf 'GET /v2/accounts/:id (%d-byte body), wrk -t1 -c32 -d%ss after a 2 s warm-up\n' "$size" "$duration"
printf '%-12s %34s %30s %s\n' server "1 core each (pinned)" "2 cores shared" "RSS after, server CPU/request"
best_peer=0 best_peer_name=
for name in "${servers[@]}"; do
  read -r prps pp50 pp99 prss pcpu <<<"${pinned[$name]:-- - - - -}"
  read -r srps sp50 sp99 srss scpu <<<"${shared[$name]}"
  printf '%-12s %10s req/s p50 %7s p99 %7s %10s req/s p99 %7s %5s MiB %6s µs\n' "$name" "$prps" "$pp50" "$pp99" "$srps" "$sp99" "$srss" "$pcpu"
  row "API: GET /v2/accounts/:id" "$name" "$prps req/s, p50 $pp50, p99 $pp99 (1 core); $srps req/s, p50 $sp50, p99 $sp99 (shared); server CPU $pcpu µs/request; RSS $srss MiB" \
    "$([[ $name == monosim ]] && echo '≥ 5× fastest peer' || echo '')"
  if [[ $name != monosim ]]; then
    rps=${prps:-$srps}
    if awk -v a="$rps" -v b="$best_peer" 'BEGIN { exit !(a > b) }'; then best_peer=$rps best_peer_name=$name; fi
  fi
done
# The fastest peer by the pinned figures; its shared figure and CPU per request alongside.
read -r mp _ _ _ mcpu <<<"${pinned[monosim]:-${shared[monosim]}}"
read -r ms _ <<<"${shared[monosim]}"
read -r _ _ _ _ bcpu <<<"${pinned[$best_peer_name]:-${shared[$best_peer_name]}}"
read -r bs _ <<<"${shared[$best_peer_name]}"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo "monosim / fastest peer ($best_peer_name): $(ratio "$mp" "$best_peer")× req/s with 1 core each, $(ratio "$ms" "$bs")× shared, $(ratio "$bcpu" "$mcpu")× less CPU per request"
row "API: monosim / fastest peer" "vs $best_peer_name" \
  "$(ratio "$mp" "$best_peer")× req/s with 1 core each; $(ratio "$ms" "$bs")× with 2 cores shared; $(ratio "$bcpu" "$mcpu")× less server CPU per request" "≥ 5×"
echo

# --- start-up to ready -------------------------------------------------------------------
echo "start-up: exec to the first 200 of GET /v2/accounts/:id, $starts starts"
for name in "${servers[@]}"; do
  port=$(free_port)
  # shellcheck disable=SC2046
  read -r median worst <<<"$(cd "$tmp" && python3 "$root/bench/startup.py" "$starts" "$port" "$path" "mono-sec-key: $key" -- $(command_of "$port" "$name"))"
  printf '%-12s median %8s ms   worst %8s ms\n' "$name" "$median" "$worst"
  row "start-up to first answer" "$name" "median $median ms, worst $worst ms ($starts starts)" \
    "$([[ $name == monosim ]] && echo '< 50 ms' || echo '')"
done
