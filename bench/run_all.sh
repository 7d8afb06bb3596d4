#!/usr/bin/env bash
# make bench: every benchmark, each beside its baseline in the same process,
# then the report. Writes bench/results/latest.json (the machine and every
# case, with the command that measured it), bench/results/latest.md (the
# table the README's performance section carries) and the plots in
# docs/plots/. Usage: run_all.sh CAIRN_BINARY
set -euo pipefail
cairn=$1
root=$(cd "$(dirname "$0")/.." && pwd)
results=$root/bench/results
mkdir -p "$results"
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT

# run SET ARGS...: one benchmark; each JSON line it prints is kept with its set and command.
run() {
  local set=$1
  shift
  echo "cairn $*" >&2
  # Only the JSON lines: a node inside the benchmark announces its Kafka address on stdout.
  "$cairn" "$@" --json | grep '^{' |
    jq -c --arg set "$set" --arg command "cairn $*" '. + {set: $set, command: $command}' >>"$lines"
}

run standard bench append
run standard bench replay
run standard bench commands
run standard bench commands --in-flight 64 --durability sync
run standard bench kafka
run standard bench projections
run standard bench sagas
run standard bench http
# Durable throughput against appends in flight, Cairn and raw RocksDB.
for n in 1 2 4 8 16 32 64 128 256 512 1024; do
  run in-flight bench append --in-flight "$n" --events $((n < 16 ? 4000 : n * 250)) --durability sync
done
# Sagas per second against the payment gateway's latency.
for ms in 0 1 2 5 10 20 50; do
  run gateway-latency bench sagas --gateway-latency-ms "$ms" --in-flight 1000 --sagas 6000
done

jq -s \
  --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
  --argjson cores "$(nproc)" \
  --arg memory "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)" \
  --arg kernel "$(uname -r)" \
  --arg filesystem "$(df -T "$root" | awk 'NR == 2 {print $2}')" \
  --arg rocksdb "$(dpkg-query -W -f='${Version}' librocksdb-dev 2>/dev/null)" \
  --arg compiler "$(c++ --version | head -1)" \
  '{machine: {date: $date, cpu: $cpu, cores: $cores, memory: $memory, kernel: $kernel, filesystem: $filesystem,
              rocksdb: $rocksdb, compiler: $compiler, build: "RelWithDebInfo (-O2 -g)"},
    results: .}' "$lines" >"$results/latest.json"
"$root/bench/report.sh" "$results/latest.json"
