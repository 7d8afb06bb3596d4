#!/usr/bin/env bash
# The report of a benchmark run (run_all.sh): from latest.json, the table
# bench/results/latest.md, the same table in the README (its bench-report
# block), and the plots docs/plots/*.svg and *.png.
set -euo pipefail
json=$1
root=$(cd "$(dirname "$0")/.." && pwd)
md=$root/bench/results/latest.md
{
  jq -r '.machine | "Measured \(.date) on \(.cores) cores (\(.cpu)), \(.memory), \(.filesystem); Linux \(.kernel); "
         + "RocksDB \(.rocksdb); \(.compiler), \(.build)."' "$json"
  echo
  echo '| case | command | fsync | baseline | Cairn | Cairn ÷ baseline |'
  echo '|---|---|---|---|---|---|'
  jq -r -f "$root/bench/report.jq" "$json"
} >"$md"

"$root/bench/readme_block.sh" bench-report "$md"

# The plots' data, then the plots.
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
jq -r '.results[] | select(.set == "in-flight") | "\(.in_flight) \(.baseline_events_per_s) \(.cairn_events_per_s)"' \
  "$json" >"$data/in_flight.dat"
jq -r '(.results[] | select(.set == "in-flight" and .in_flight == 64)) as $a
       | (.results[] | select(has("cairn_p90_ms"))) as $v
       | "50 \($a.append_p50_ms) \($v.cairn_p50_ms)", "90 \($a.append_p90_ms) \($v.cairn_p90_ms)",
         "99 \($a.append_p99_ms) \($v.cairn_p99_ms)", "99.9 \($a.append_p999_ms) \($v.cairn_p999_ms)"' \
  "$json" >"$data/latency.dat"
jq -r '.results[] | select(.set == "gateway-latency")
       | "\(.command | capture("--gateway-latency-ms (?<ms>[0-9]+)").ms) \(.baseline_events_per_s) \(.cairn_events_per_s)"' \
  "$json" >"$data/sagas.dat"
mkdir -p "$root/docs/plots"
for terminal in svg pngcairo; do
  gnuplot -e "data='$data'; out='$root/docs/plots'; terminal='$terminal'" "$root/bench/plots.gnuplot"
done
echo "wrote $md, the README's table and docs/plots" >&2
