#!/usr/bin/env bash
# An outside Kafka client reads what Cairn publishes: `cairn kafka mock` and
# `cairn kafka serve` run as processes, kcat reads the topic and must see the
# stream ids as keys and the type, global position and correlation id headers.
# A second node on the same data dir is refused with the lock holder named.
set -euo pipefail
cairn=$1
source "$(dirname "$0")/kafka_script_lib.sh"

for i in 1 2 3; do
  "$cairn" append "order-$i" OrderPlaced --data "{\"n\":$i}" --metadata "correlation_id=checkout-$i" > /dev/null
done
"$cairn" append charge-1 ChargeRequested --data '{"amount":900}' > /dev/null

start_mock > /dev/null
bootstrap=$(cat "$work/port")

CAIRN_KAFKA_BROKERS=$bootstrap "$cairn" kafka serve > "$work/serve.out" 2>&1 &
serve_pid=$!
pids+=($serve_pid)
for _ in $(seq 200); do
  status=$("$cairn" kafka status --brokers "$bootstrap" 2>/dev/null || true)
  case "$status" in *'"lag":0'*'"cairn.order":3'*) break ;; esac
  sleep 0.1
done
case "$status" in *'"lag":0'*'"cairn.charge":1'*'"cairn.order":3'*) ;; *) fail "status never caught up: $status" ;; esac

kcat -b "$bootstrap" -C -t cairn.order -o beginning -e -q -f '%k|%h\n' > "$work/order.txt" 2> "$work/kcat.err" \
  || fail "kcat failed: $(cat "$work/kcat.err")"
[ "$(wc -l < "$work/order.txt")" -eq 3 ] || fail "kcat read $(wc -l < "$work/order.txt") order messages, not 3"
for i in 1 2 3; do
  line=$(grep "^order-$i|" "$work/order.txt") || fail "no message keyed order-$i"
  case "$line" in *type=OrderPlaced*) ;; *) fail "no type header: $line" ;; esac
  case "$line" in *position=$i*) ;; *) fail "no position header $i: $line" ;; esac
  case "$line" in *correlation_id=checkout-$i*) ;; *) fail "no correlation id header: $line" ;; esac
done
kcat -b "$bootstrap" -C -t cairn.charge -o beginning -e -q -f '%k|%h\n' | grep -q '^charge-1|.*position=4' \
  || fail "charge-1 did not arrive with global position 4"

set +e
"$cairn" run > "$work/second.out" 2>&1
code=$?
set -e
[ "$code" -eq 5 ] || fail "a second node on the same data dir exited $code, not 5"
grep -q "locked for writing by pid $serve_pid" "$work/second.out" || fail "no lock holder named: $(cat "$work/second.out")"

kill -TERM "$serve_pid"
wait "$serve_pid" || fail "cairn kafka serve did not exit 0 on SIGTERM"
echo "ok: kcat read every event with its key and headers"
