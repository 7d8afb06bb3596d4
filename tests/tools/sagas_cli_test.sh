#!/bin/bash
# cairn sagas: orders placed, a node with only the orchestrator runs their
# sagas to the end, and the list, the timeline and the operator actions
# answer with the documented exit codes.
set -euo pipefail
cairn=$1
dir=$(mktemp -d)
node=
trap '[ -n "$node" ] && kill -9 $node 2>/dev/null; rm -rf "$dir"' EXIT
export CAIRN_DATA_DIR=$dir/data
fail() { echo "FAIL: $*"; exit 1; }

"$cairn" command order place --order-id 1 --customer c-1 --currency EUR --line tea:2:450 >/dev/null
"$cairn" command order place --order-id 2 --customer c-2 --currency EUR --line tea:2:45000 >/dev/null
CAIRN_GATEWAY_DECLINE_ABOVE=50000 CAIRN_MAIL_FILE=$dir/mail.jsonl "$cairn" sagas run 2>"$dir/node.log" &
node=$!
for _ in $(seq 1 200); do
  [ "$("$cairn" sagas list --state running | wc -l)" -eq 0 ] && [ "$("$cairn" sagas list | wc -l)" -eq 2 ] && break
  sleep 0.1
done
kill -TERM $node
wait $node || fail "the node did not stop cleanly: $(cat "$dir/node.log")"
node=

"$cairn" sagas list
[ "$("$cairn" sagas list --state completed --json | grep -c '"saga_id":"order_fulfillment.1"')" -eq 1 ] ||
  fail "order 1's saga is not completed"
[ "$("$cairn" sagas list --state compensated | grep -c 'above the limit')" -eq 1 ] ||
  fail "order 2's saga is not compensated with the decline"
"$cairn" sagas show order_fulfillment.2 | grep -q 'compensation order: succeeded: OrderCancelled' ||
  fail "the timeline does not show the order cancelled"
[ "$("$cairn" sagas show order_fulfillment.1 --json | grep -o '"status":"completed"')" = '"status":"completed"' ] ||
  fail "show --json does not say completed"
[ "$(grep -c '"template":"order-confirmed"' "$dir/mail.jsonl")" -eq 1 ] || fail "order 1 was not mailed once"
[ "$(grep -c '"template":"order-cancelled"' "$dir/mail.jsonl")" -eq 1 ] || fail "order 2's cancellation was not mailed once"

code=0; "$cairn" sagas retry order_fulfillment.1 --note again 2>/dev/null || code=$?
[ $code -eq 7 ] || fail "retrying a completed saga exits $code, not 7"
code=0; "$cairn" sagas show order_fulfillment.9 2>/dev/null || code=$?
[ $code -eq 4 ] || fail "showing a missing saga exits $code, not 4"
code=0; "$cairn" sagas list --state finished 2>/dev/null || code=$?
[ $code -eq 2 ] || fail "an unknown state exits $code, not 2"
echo "sagas cli ok"
