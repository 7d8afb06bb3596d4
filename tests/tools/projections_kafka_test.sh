#!/usr/bin/env bash
# Read models fed by Kafka from the command line: `cairn kafka serve` publishes
# to `cairn kafka mock`, `cairn projections run --from-kafka` keeps
# order_summary current from the topics, and `cairn query` reads it.
set -euo pipefail
cairn=$1
source "$(dirname "$0")/kafka_script_lib.sh"

"$cairn" command order place --order-id 7 --customer c-1 --currency EUR --line tea:2:450 > /dev/null
"$cairn" command order confirm --order-id 7 > /dev/null

start_mock > /dev/null
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

# The model knows its feed: status shows Kafka offsets and consumer lag, not a checkpoint.
status=$("$cairn" projections status --json | grep '"name":"order_summary"')
case "$status" in *'"feed":"kafka:cairn-projection-order_summary"'*'"offsets":[{'*'"state":"current","lag":0'*) ;;
  *) fail "status of the Kafka-fed model: $status" ;; esac
case "$status" in *checkpoint*) fail "a Kafka-fed model shows a checkpoint: $status" ;; esac
# The store-fed runner refuses it, and says how to go on.
set +e
"$cairn" projections run order_summary > "$work/refused.out" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] || fail "the store-fed runner on a Kafka-fed model exited $code: $(cat "$work/refused.out")"
grep -q "cairn projections reset order_summary" "$work/refused.out" || fail "no way out named: $(cat "$work/refused.out")"
echo "ok: order_summary was fed from Kafka"
