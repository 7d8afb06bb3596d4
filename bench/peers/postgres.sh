#!/usr/bin/env bash
# make bench-peers: Cairn's durable append workload beside PostgreSQL 15's,
# in one run on this machine. PostgreSQL keeps events the way Postgres-based
# event stores do (Marten's mt_streams / mt_events): a bigserial global
# position, unique (stream, version), and the stream's version taken under
# its row lock in the same transaction as the insert, so a concurrent append
# to the stream waits instead of writing a gap or a duplicate. Synchronous
# commit, fsync on: an acknowledged append is durable, as with Cairn's sync.
#
# Usage: postgres.sh CAIRN_BINARY [SECONDS_PER_CASE]. Writes the table to
# bench/results/peers.md and the README (its bench-peers block), the cases
# to bench/results/peers.json. PostgreSQL runs as the postgres user
# in a temporary directory on loopback and is stopped at the end.
set -euo pipefail
cairn=$1
seconds=${2:-10}
pg=/usr/lib/postgresql/15/bin
root=$(cd "$(dirname "$0")/../.." && pwd)
results=$root/bench/results
mkdir -p "$results"

dir=$(mktemp -d /tmp/cairn-peer-XXXXXX)
chown postgres "$dir"
port=$((20000 + RANDOM % 20000))
as_postgres() { runuser -u postgres -- "$@"; }
stop() {
  as_postgres "$pg/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_postgres "$pg/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
as_postgres "$pg/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=on -c synchronous_commit=on" \
  start >/dev/null
psql() { as_postgres "$pg/psql" -h 127.0.0.1 -p "$port" -U postgres -q -v ON_ERROR_STOP=1 "$@"; }

schema() {
  psql <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS events, streams;
CREATE TABLE streams (stream_id text PRIMARY KEY, version bigint NOT NULL);
CREATE TABLE events (
  global_position bigserial PRIMARY KEY,
  stream_id text NOT NULL,
  version bigint NOT NULL,
  event_id uuid NOT NULL UNIQUE,
  type text NOT NULL,
  data jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, version)
);
SQL
}

# One event of 200 bytes of JSON per transaction, to one of 1,000 streams, as
# `cairn bench append` writes them.
payload=$(printf '{"amount":42,"note":"%0170d"}' 0)
script=$dir/append.sql
cat >"$script" <<SQL
\set s random(0, 999)
BEGIN;
INSERT INTO streams (stream_id, version) VALUES ('bench-' || :s, 0)
  ON CONFLICT (stream_id) DO UPDATE SET version = streams.version + 1 RETURNING version AS v \gset
INSERT INTO events (stream_id, version, event_id, type, data)
  VALUES ('bench-' || :s, :v, gen_random_uuid(), 'Deposited', '$payload');
COMMIT;
SQL
chown postgres "$script"

: >"$results/peers.json"
table=$results/peers.md
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, ${seconds} s per PostgreSQL case: \`make bench-peers\`."
  echo
  echo '| connections / clients | PostgreSQL 15 appends/s | Cairn appends/s | Cairn ÷ PostgreSQL |'
  echo '|---:|---:|---:|---:|'
} | tee "$table"
for clients in 1 4 64; do
  schema
  pg_rate=$(as_postgres "$pg/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -M prepared -f "$script" -c "$clients" \
              -j "$(( clients < 2 ? 1 : 2 ))" -T "$seconds" postgres 2>/dev/null |
            sed -nE 's/^tps = ([0-9.]+).*/\1/p')
  pg_rate=${pg_rate%.*}
  # The same number of appends through Cairn, sync durability, the same clients.
  events=$(( pg_rate * seconds > 2000 ? pg_rate * seconds : 2000 ))
  line=$("$cairn" bench append --clients "$clients" --events "$events" --durability sync --json | tail -1)
  cairn_rate=$(sed -nE 's/.*"cairn_events_per_s":([0-9]+).*/\1/p' <<<"$line")
  ratio=$(awk -v a="$cairn_rate" -v b="$pg_rate" 'BEGIN { printf "%.2f", a / b }')
  printf '| %d | %d | %d | %s |\n' "$clients" "$pg_rate" "$cairn_rate" "$ratio" | tee -a "$table"
  printf '{"case":"peer append","clients":%d,"durability":"sync","postgres_appends_per_s":%d,"cairn_events_per_s":%d,"ratio":%s}\n' \
    "$clients" "$pg_rate" "$cairn_rate" "$ratio" >>"$results/peers.json"
done
"$root/bench/readme_block.sh" bench-peers "$table"
