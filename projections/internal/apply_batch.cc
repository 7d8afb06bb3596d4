#include "projections/internal/apply_batch.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "projections/internal/feed.h"

namespace cairn::projections::internal {

const char* const kRunnerSchema =
    "CREATE TABLE IF NOT EXISTS cairn_checkpoint (projector TEXT PRIMARY KEY, position INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS cairn_parked (position INTEGER PRIMARY KEY, stream TEXT NOT NULL,"
    " type TEXT NOT NULL, error TEXT NOT NULL, attempts INTEGER NOT NULL, parked_at TEXT NOT NULL);";

namespace {

// Applies `event`, retrying, each failed attempt undone by a savepoint.
Status ApplyCarefully(Database& db, Projector& projector, const RecordedEvent& event, const BatchPolicy& policy,
                      int& attempts) {
  Status applied = InternalError("not applied");
  for (attempts = 0; attempts <= policy.retries && !applied.ok(); ++attempts) {
    CAIRN_RETURN_IF_ERROR(db.Run("SAVEPOINT event"));
    applied = projector.Apply(event, db);
    if (!applied.ok()) CAIRN_RETURN_IF_ERROR(db.Run("ROLLBACK TO event"));
    CAIRN_RETURN_IF_ERROR(db.Run("RELEASE event"));
  }
  return applied;
}

// `careful` puts a savepoint around every event, so that a failing one can
// be undone alone. Without it a failure aborts the pass, and the caller rolls
// back and runs the careful pass: events almost never fail, and savepoints
// cost more than the events themselves.
Status Transaction(Database& db, Projector& projector, const EventFilter& filter,
                   const std::vector<RecordedEvent>& batch, const BatchPolicy& policy, bool careful,
                   BatchOutcome& outcome) {
  for (const RecordedEvent& event : batch) {
    if (!filter.Accepts(event)) {
      outcome.checkpoint = event.position;
      continue;
    }
    if (!careful) {
      CAIRN_RETURN_IF_ERROR(projector.Apply(event, db));
      outcome.checkpoint = event.position;
      continue;
    }
    int attempts = 0;
    Status applied = ApplyCarefully(db, projector, event, policy, attempts);
    if (!applied.ok()) {
      if (policy.stop_on_poison) {
        outcome.stopped_at =
            "global position " + std::to_string(event.position) + " (" + event.type + "): " + applied.ToString();
        break;
      }
      CAIRN_RETURN_IF_ERROR(db.Run("INSERT OR REPLACE INTO cairn_parked (position, stream, type, error, attempts, parked_at)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                                   static_cast<int64_t>(event.position), event.stream, event.type,
                                   applied.ToString(), static_cast<int64_t>(attempts)));
      ++outcome.parked;
      spdlog::warn("projector {} parked global position {}: {}", projector.name(), event.position, applied.ToString());
    }
    outcome.checkpoint = event.position;
  }
  if (outcome.stopped_at.empty()) outcome.checkpoint = std::max(outcome.checkpoint, policy.read_through);
  if (policy.keep_checkpoint) {
    CAIRN_RETURN_IF_ERROR(db.Run("INSERT INTO cairn_checkpoint (projector, position) VALUES (?1, ?2)"
                                 " ON CONFLICT(projector) DO UPDATE SET position = excluded.position",
                                 projector.name(), static_cast<int64_t>(outcome.checkpoint)));
  }
  return policy.save_progress ? policy.save_progress(db) : OkStatus();
}

// One attempt at the whole transaction; nothing stays when it fails.
Status Attempt(Database& db, Projector& projector, const EventFilter& filter,
               const std::vector<RecordedEvent>& batch, uint64_t checkpoint, const BatchPolicy& policy, bool careful,
               BatchOutcome& outcome) {
  outcome = BatchOutcome{checkpoint, 0, ""};
  CAIRN_RETURN_IF_ERROR(db.Run("BEGIN IMMEDIATE"));
  Status done = Transaction(db, projector, filter, batch, policy, careful, outcome);
  if (done.ok()) done = db.Run("COMMIT");
  if (!done.ok()) (void)db.Run("ROLLBACK");
  return done;
}

}  // namespace

Status ApplyBatch(Database& db, Projector& projector, const EventFilter& filter,
                  const std::vector<RecordedEvent>& batch, uint64_t checkpoint, const BatchPolicy& policy,
                  BatchOutcome& outcome) {
  if (Attempt(db, projector, filter, batch, checkpoint, policy, /*careful=*/false, outcome).ok()) return OkStatus();
  return Attempt(db, projector, filter, batch, checkpoint, policy, /*careful=*/true, outcome);
}

Result<uint64_t> LoadCheckpoint(Database& db, const std::string& projector) {
  CAIRN_ASSIGN_OR_RETURN(Statement read, db.Prepare("SELECT position FROM cairn_checkpoint WHERE projector = ?1"));
  read.Bind(1, projector);
  CAIRN_ASSIGN_OR_RETURN(bool found, read.Step());
  return found ? static_cast<uint64_t>(read.Int(0)) : uint64_t{0};
}

Status Migrate(Database& db, Projector& projector, std::string_view feed) {
  CAIRN_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status migrated = ClaimFeed(db, projector.name(), feed);
  if (migrated.ok()) migrated = db.Exec(kRunnerSchema);
  if (migrated.ok() && IsKafkaFeed(feed)) migrated = CreateKafkaProgressTables(db);
  if (migrated.ok()) migrated = projector.Migrate(db);
  if (migrated.ok()) migrated = db.Exec("COMMIT");
  if (!migrated.ok()) (void)db.Exec("ROLLBACK");
  return migrated;
}

}  // namespace cairn::projections::internal
