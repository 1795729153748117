#!/usr/bin/env bash
# make fleet-test: two kiosk cores without a window (cmd/kioskheadless, the
# demo's simulators on loopback), each with its metrics listener, scraped by
# a real Prometheus (Debian's package) that runs a test copy of
# packaging/monitoring/prometheus.yml pointed at them through a test target
# file. It checks the shipped configuration and rules with promtool, checks
# that the dashboard names only metrics a kiosk serves, asserts the loans,
# returns and sessions Prometheus counted, then puts one kiosk's library
# system off line and asserts that KioskLibrarySystemUnreachable becomes
# pending (the test copy of the rules has a "for" of one minute).
#
# SESSIONS (default 2) loan-and-return rounds per kiosk, ITEMS (default 2)
# items in each. FLEET_KEEP=1 keeps the working directory.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
GO=${GO:-go}
SESSIONS=${SESSIONS:-2}
ITEMS=${ITEMS:-2}
mon=packaging/monitoring
began=$SECONDS

for tool in prometheus promtool curl; do
  command -v "$tool" >/dev/null || { echo "fleet-test: $tool is missing: run scripts/setup-deps.sh fleet (make fleet-test does)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-fleet-XXXXXX")
pids=()
failed=1
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$failed" = 1 ]; then
    for f in "$work"/*.log; do
      [ -f "$f" ] || continue
      echo "--- $f (last lines)" >&2
      tail -n 20 "$f" >&2
    done
  fi
  if [ "${FLEET_KEEP:-}" = 1 ]; then echo "fleet-test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

fail() { echo "fleet-test: FAIL: $*" >&2; exit 1; }

# wait_for DESCRIPTION SECONDS COMMAND...: runs COMMAND every 0.2 s until it
# succeeds, failing after SECONDS.
wait_for() {
  local what=$1 limit=$2 deadline
  shift 2
  deadline=$((SECONDS + limit))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${limit}s waiting for $what"
    sleep 0.2
  done
}

echo "fleet-test: promtool on the shipped files"
# The shipped configuration names the scraper's certificate files under
# /etc/prometheus, which a test machine has not: its syntax is checked here,
# and the test copy below, which names only files that exist, fully.
promtool check config --syntax-only "$mon/prometheus.yml"
promtool check rules "$mon/kiosk.rules.yml"

echo "fleet-test: building cmd/kioskheadless"
$GO build -o "$work/kioskheadless" ./cmd/kioskheadless

kiosks=(kiosk-a kiosk-b)
branches=("Testbiblioteket Nord" "Testbiblioteket Syd")
declare -A pid
for k in "${kiosks[@]}"; do
  "$work/kioskheadless" -id "$k" -metrics 127.0.0.1:0 -addr-file "$work/$k.addr" \
    -sessions "$SESSIONS" -items "$ITEMS" 2>"$work/$k.log" &
  pid[$k]=$!
  pids+=($!)
done

played() { grep -q '"event":"kioskheadless_sessions_done"' "$work/$1.log"; }
# done_or_dead K: K played its sessions, or its process is gone.
done_or_dead() { played "$1" || ! kill -0 "${pid[$1]}" 2>/dev/null; }
for k in "${kiosks[@]}"; do
  wait_for "$k to play its sessions" 180 done_or_dead "$k"
  played "$k" || fail "$k stopped before its sessions were done"
  [ -s "$work/$k.addr" ] || fail "$k wrote no metrics address"
done
addr_a=$(cat "$work/kiosk-a.addr")
addr_b=$(cat "$work/kiosk-b.addr")
echo "fleet-test: kiosks played $SESSIONS sessions of $ITEMS items each ($((SECONDS - began))s); metrics on $addr_a and $addr_b"

# The test target file: the same format as packaging/monitoring/targets,
# with the kiosk named in each group (both listen on 127.0.0.1).
mkdir -p "$work/targets"
cat >"$work/targets/fleet.yml" <<EOF
- targets: ["$addr_a"]
  labels:
    branch: "${branches[0]}"
    kiosk: kiosk-a
- targets: ["$addr_b"]
  labels:
    branch: "${branches[1]}"
    kiosk: kiosk-b
EOF
# The test copies: scrapes and rule evaluations every second, plain HTTP on
# loopback, the test target file, and a "for" of one minute in every rule.
sed -e 's/scrape_interval: 30s/scrape_interval: 1s/' \
    -e 's/evaluation_interval: 30s/evaluation_interval: 1s/' \
    -e 's/scheme: https/scheme: http/' \
    -e '/^    tls_config:/,/^      key_file:/d' \
    -e "s#/etc/prometheus/kiosk/targets/\\*.yml#$work/targets/*.yml#" \
    -e 's/refresh_interval: 1m/refresh_interval: 1s/' \
    -e "s#^  - kiosk.rules.yml#  - $work/kiosk.rules.yml#" \
    "$mon/prometheus.yml" >"$work/prometheus.yml"
sed -e 's/^\(        for:\) .*/\1 1m/' "$mon/kiosk.rules.yml" >"$work/kiosk.rules.yml"
grep -q 'for: 1m' "$work/kiosk.rules.yml" || fail "the test copy of the rules has no short for:"
grep -q 'tls_config\|/etc/prometheus' "$work/prometheus.yml" && fail "the test copy of prometheus.yml still names TLS files"
promtool check config "$work/prometheus.yml"

# A free port for Prometheus: the first one from a random start that
# nothing answers on.
port=$((20000 + RANDOM % 20000))
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$port" --log.level=warn 2>"$work/prometheus.log" &
pids+=($!)
api="http://127.0.0.1:$port"
wait_for "Prometheus to be ready" 60 curl -fs -o /dev/null "$api/-/ready"

# query EXPR prints the value of a query's one result ("" when none).
query() {
  curl -fsS "$api/api/v1/query" --data-urlencode "query=$1" |
    sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p'
}
# expect EXPR WANT waits until the query gives WANT (scrapes take a second
# or two), failing with what it gave last.
expect() {
  local got="" deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    got=$(query "$1")
    [ "$got" = "$2" ] && { echo "fleet-test: ok   $1 = $2"; return 0; }
    sleep 0.5
  done
  fail "$1 = '${got}', want $2"
}

expect 'count(up{job="kiosk"} == 1)' 2
for k in "${kiosks[@]}"; do
  expect "kiosk_loans_total{kiosk=\"$k\"}" $((SESSIONS * ITEMS))
  expect "sum(kiosk_returns_total{kiosk=\"$k\"})" $((SESSIONS * ITEMS))
  expect "kiosk_returns_total{kiosk=\"$k\",route=\"shelf\"}" $((SESSIONS * ITEMS))
  # Each round is two sessions: the loan and the return.
  expect "kiosk_sessions_total{kiosk=\"$k\",outcome=\"finished\"}" $((2 * SESSIONS))
  expect "sum(kiosk_sessions_total{kiosk=\"$k\",outcome!=\"finished\"})" 0
done
expect "sum by (branch) (kiosk_loans_total{branch=\"${branches[1]}\"})" $((SESSIONS * ITEMS))
expect 'sum(kiosk_in_service)' 2

# The dashboard may name only metrics a kiosk serves.
curl -fsS "http://$addr_a/metrics" | grep -v '^#' | sed 's/[{ ].*//' | sort -u >"$work/served.txt"
grep -o 'kiosk_[a-z0-9_]*' "$mon/kiosk-dashboard.json" | sort -u >"$work/dashboard.txt"
[ -s "$work/dashboard.txt" ] || fail "no kiosk_ metric in the dashboard: the check would prove nothing"
missing=$(comm -23 "$work/dashboard.txt" "$work/served.txt")
[ -z "$missing" ] || fail "the dashboard names metrics no kiosk serves: $missing"
echo "fleet-test: ok   the dashboard's $(wc -l <"$work/dashboard.txt") metric names are all served"

# The library system of kiosk-a goes off line.
kill -USR1 "${pid[kiosk-a]}"
expect 'kiosk_library_online{kiosk="kiosk-a"}' 0
# Prometheus keeps its alerts' states as the ALERTS series.
expect 'ALERTS{alertname="KioskLibrarySystemUnreachable",alertstate="pending",kiosk="kiosk-a"}' 1
expect 'count(ALERTS{alertname="KioskLibrarySystemUnreachable",kiosk="kiosk-b"}) or vector(0)' 0
expect 'kiosk_library_online{kiosk="kiosk-b"}' 1

failed=0
echo "fleet-test: passed in $((SECONDS - began))s"
