#!/usr/bin/env bash
# Read models fed by Kafka from the command line: `cairn kafka serve` publishes
# to `cairn kafka mock`, `cairn projections run --from-kafka` keeps
# order_summary current from the topics, and `cairn query` reads it.
set -euo pipefail
cairn=$1
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$work"/*.out 2>/dev/null || true; exit 1; }
export CAIRN_DATA_DIR=$work/data

"$cairn" command order place --order-id 7 --customer c-1 --currency EUR --line tea:2:450 > /dev/null
"$cairn" command order confirm --order-id 7 > /dev/null

"$cairn" kafka mock --brokers 1 --port-file "$work/port" > "$work/mock.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || fail "the mock cluster wrote no port file"
export CAIRN_KAFKA_BROKERS=$(cat "$work/port")

"$cairn" kafka serve > "$work/serve.out" 2>&1 &
pids+=($!)
# The mock cluster's group timing: a short session keeps the join quick.
CAIRN_KAFKA_SESSION_TIMEOUT_MS=6000 CAIRN_KAFKA_HEARTBEAT_INTERVAL_MS=1000 \
  "$cairn" projections run --from-kafka order_summary > "$work/projections.out" 2>&1 &
projections_pid=$!
pids+=($projections_pid)

for _ in $(seq 300); do
  order=$("$cairn" query order 7 2>/dev/null || true)
  case "$order" in *'"status":"confirmed"'*) break ;; esac
  sleep 0.2
done
case "$order" in *'"status":"confirmed"'*'"total":900'*) ;; *) fail "order 7 never reached the read model: $order" ;; esac

kill -TERM "$projections_pid"
wait "$projections_pid" || fail "cairn projections run did not exit 0 on SIGTERM"
echo "ok: order_summary was fed from Kafka"
