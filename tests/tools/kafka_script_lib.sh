# Shared by the script tests that run Cairn's Kafka commands as processes.
# Source it after setting `cairn`; it sets up `work`, `pids`, `fail` and
# CAIRN_DATA_DIR, and stops every process in `pids` at exit.
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for out in "$work"/*.out; do [ -f "$out" ] && { echo "--- $out:"; cat "$out"; }; done; exit 1; }
export CAIRN_DATA_DIR=$work/data

# Starts `cairn kafka mock` and prints its bootstrap address once it listens.
start_mock() {
  "$cairn" kafka mock --brokers 1 --port-file "$work/port" > "$work/mock.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || fail "the mock cluster wrote no port file"
  cat "$work/port"
}
