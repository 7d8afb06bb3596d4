#!/usr/bin/env bash
# The main job on embedded defaults: a store in a temporary folder, a few
# streams appended, replayed and verified. Fails loudly if any step is wrong.
set -euo pipefail
cairn=${1:-build/tools/cairn/cairn}
export CAIRN_DATA_DIR=$(mktemp -d)/cairn-data
trap 'rm -rf "$(dirname "$CAIRN_DATA_DIR")"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "append to three streams (data dir $CAIRN_DATA_DIR)"
"$cairn" append order-1001 OrderPlaced --expected-version no-stream \
  --data '{"customer":"c-7","lines":[{"sku":"tea","quantity":2,"unit_price":450}],"currency":"EUR"}' \
  --metadata correlation_id=demo-1
"$cairn" append charge-5001 ChargeRequested --data '{"order_id":"1001","amount":900,"currency":"EUR"}' \
  --metadata correlation_id=demo-1
"$cairn" append order-1001 OrderConfirmed --expected-version 0 --data '{"charge_id":"5001"}' \
  --event-id 6f1c2a3e-0b4d-4c5e-9f60-718293a4b5c6 --metadata correlation_id=demo-1
"$cairn" append order-1002 OrderPlaced \
  --data '{"customer":"c-8","lines":[{"sku":"cup","quantity":1,"unit_price":1200}],"currency":"EUR"}'

step "retry the confirmation with the same event id: the original position comes back"
"$cairn" append order-1001 OrderConfirmed --expected-version 0 --data '{"charge_id":"5001"}' \
  --event-id 6f1c2a3e-0b4d-4c5e-9f60-718293a4b5c6

step "a stale expected version is refused (exit 3)"
set +e
"$cairn" append order-1001 OrderCancelled --expected-version 0 --data '{"reason":"late"}'
code=$?
set -e
[ "$code" -eq 3 ] || { echo "expected exit 3, got $code"; exit 1; }

step "read order-1001"
"$cairn" read order-1001

step "replay \$all, then only the order category"
"$cairn" replay
"$cairn" replay --category order

step "streams, stats, verify"
"$cairn" streams
"$cairn" stats
"$cairn" verify

events=$("$cairn" replay | wc -l)
[ "$events" -eq 4 ] || { echo "expected 4 events in the log, found $events"; exit 1; }
echo
echo "demo ok: 4 events in 3 streams, the log verifies"
