# The rows of the report's table: one per case of the standard set.
def commas: (round | tostring) as $s | ($s | length) as $n
  | [range(0; $n) | $s[.:. + 1] + (if . < $n - 1 and ($n - . - 1) % 3 == 0 then "," else "" end)] | join("");
def ms: ((. * 100 | round) / 100 | tostring) + " ms";
def two: (. * 100 | round) / 100;

.results[] | select(.set == "standard") |
if has("cairn_events_per_s") then
  "| \(.case) | `\(.command)` | \(.durability) | \(.baseline_events_per_s | commas)/s | \(.cairn_events_per_s | commas)/s | \(.ratio) |"
elif has("accepted_per_s") then
  "| \(.case), \(.connections) connections, whole node | `\(.command)` | sync | \(.in_process_per_s | commas)/s (HandleAsync in process) | \(.accepted_per_s | commas)/s accepted, p50 \(.p50_ms | ms), p99 \(.p99_ms | ms); their sagas \(.sagas_per_s | commas)/s | \(.ratio | two) |"
elif has("cairn_p50_ms") then
  "| \(.case) at \(.rate) events/s | `\(.command)` | \(.durability) | p50 \(.baseline_p50_ms | ms), p99 \(.baseline_p99_ms | ms) | p50 \(.cairn_p50_ms | ms), p99 \(.cairn_p99_ms | ms) | – |"
elif has("p50_ms") then
  "| \(.case) at \(.per_second) sagas/s | `\(.command)` | sync | – | p50 \(.p50_ms | ms), p99 \(.p99_ms | ms) | – |"
else empty end
