#include "projections/runner.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "projections/internal/apply_batch.h"
#include "projections/internal/feed.h"
#include "projections/internal/runner_impl.h"
#include "projections/read_model_file.h"
#include "store/lock_file.h"

namespace cairn::projections {
std::string_view ProjectorStateName(ProjectorState state) {
  switch (state) {
    case ProjectorState::kIdle: return "idle";
    case ProjectorState::kRunning: return "running";
    case ProjectorState::kRetrying: return "retrying";
    case ProjectorState::kStopped: return "stopped";
    case ProjectorState::kFailed: return "failed";
  }
  return "unknown";
}

void BindRunnerOptions(ConfigLoader& loader, RunnerOptions& options) {
  loader.Bind("projection_batch_size", &options.batch_size, "events a projector applies in one transaction");
  loader.Bind("projection_max_delay_ms", &options.max_delay, "how long a batch right after another waits for more events");
  loader.Bind("projection_retries", &options.retries, 0, 100, "attempts after the first before a failing event is parked");
  loader.BindEnum("projection_poison", &options.poison, {{"park", PoisonPolicy::kPark}, {"stop", PoisonPolicy::kStop}},
                  "what a projector does with an event that keeps failing: park it and go on, or stop");
}

std::string ReadModelPath(const std::string& directory, const std::string& name) {
  return ReadModelFile(directory, name).path();
}

ProjectionRunner::ProjectionRunner(EventStore& store, Projector& projector, RunnerOptions options,
                                   MetricsRegistry* metrics)
    : projector_(projector), impl_(std::make_unique<Impl>(store, std::move(options), projector.name())) {
  impl_->status.name = projector.name();
  if (metrics == nullptr) return;
  const Labels labels{{"projector", projector.name()}};
  if (auto g = metrics->AddGauge("cairn_projection_lag_events", "Events between the head and the checkpoint.", labels); g.ok()) impl_->lag = *g;
  if (auto g = metrics->AddGauge("cairn_projection_parked_events", "Events parked after failing.", labels); g.ok()) impl_->parked_gauge = *g;
  if (auto c = metrics->AddCounter("cairn_projection_events_total", "Events applied.", labels); c.ok()) impl_->applied = *c;
}

ProjectionRunner::~ProjectionRunner() { (void)Stop(); }  // Stop() is in runner_driver.cc

std::string ProjectionRunner::path() const { return impl_->file.path(); }

void ProjectionRunner::OnApplied(std::function<void(uint64_t checkpoint)> listener) {
  impl_->on_applied = std::move(listener);
}

Status ProjectionRunner::Open() {
  Impl& impl = *impl_;
  // A rebuild may have swapped in a new generation: follow it.
  if (impl.db && impl.file.current() == impl.generation) return OkStatus();
  impl.db.reset();
  impl.feed.reset();
  CAIRN_RETURN_IF_ERROR(impl.file.EnsureExists());
  if (!impl.lock) {
    // Two runners on one read model would both apply every event.
    auto lock = LockFile::Acquire(impl.file.lock_path());
    if (!lock.ok()) return Status(lock.status().code(), "read model " + projector_.name() + " is " + lock.status().message());
    impl.lock = std::move(lock).value();
  }
  impl.generation = impl.file.current();
  CAIRN_ASSIGN_OR_RETURN(impl.db, Database::Open(impl.file.path(), impl.options.durability));
  if (Status migrated = internal::Migrate(*impl.db, projector_, internal::kStoreFeed); !migrated.ok()) {
    impl.db.reset();
    return migrated;
  }
  CAIRN_ASSIGN_OR_RETURN(uint64_t checkpoint, internal::LoadCheckpoint(*impl.db, projector_.name()));
  if (const uint64_t head = impl.store.HeadPosition(); checkpoint > head) {
    // The store lost events this model applied (a repair accepted the loss):
    // the positions after the head will be reused by other events.
    impl.db.reset();
    return DataLossError("read model " + projector_.name() + " has applied events up to global position " +
                         std::to_string(checkpoint) + " but the store ends at " + std::to_string(head) +
                         "; rebuild it (cairn projections rebuild " + projector_.name() + ")");
  }
  CAIRN_ASSIGN_OR_RETURN(Statement count, impl.db->Prepare("SELECT count(*) FROM cairn_parked"));
  CAIRN_RETURN_IF_ERROR(count.Step().status());
  {
    std::lock_guard lock(impl.mu);
    impl.status.checkpoint = checkpoint;
    impl.status.parked = static_cast<uint64_t>(count.Int(0));
    impl.status.head = impl.store.HeadPosition();
    if (impl.status.state == ProjectorState::kIdle) impl.status.state = ProjectorState::kRunning;
  }
  impl.filter = internal::EventFilter(projector_);
  ResetFeed();
  return OkStatus();
}

Result<bool> ProjectionRunner::Ready() {
  CAIRN_RETURN_IF_ERROR(Open());
  std::lock_guard lock(impl_->mu);
  // Stopped by its policy or failed: status() says why; a restart after the fix resumes it.
  return impl_->status.state != ProjectorState::kStopped && impl_->status.state != ProjectorState::kFailed;
}

Result<size_t> ProjectionRunner::RunOnce(std::chrono::milliseconds wait) {
  Impl& impl = *impl_;
  CAIRN_ASSIGN_OR_RETURN(bool ready, Ready());
  if (!ready) return size_t{0};
  // A batch: what is there now, topped up for max_delay while it is small.
  CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> batch, impl.feed->Next(wait));
  const auto deadline = std::chrono::steady_clock::now() + impl.options.max_delay;
  while (!batch.empty() && batch.size() < impl.options.batch_size && std::chrono::steady_clock::now() < deadline) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> more,
                           impl.feed->Next(std::chrono::duration_cast<std::chrono::milliseconds>(
                               deadline - std::chrono::steady_clock::now())));
    if (more.empty()) break;
    for (auto& event : more) batch.push_back(std::move(event));
  }
  return Apply(std::move(batch));
}

Result<size_t> ProjectionRunner::ApplyAvailable() {
  CAIRN_ASSIGN_OR_RETURN(bool ready, Ready());
  if (!ready) return size_t{0};
  CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> batch, impl_->feed->Next(std::chrono::milliseconds(0)));
  return Apply(std::move(batch));
}

Result<size_t> ProjectionRunner::Apply(std::vector<RecordedEvent> batch) {
  Impl& impl = *impl_;
  // A feed of some categories moves past the others' events without
  // returning them: the checkpoint follows it, in a transaction of its own
  // when the batch is empty.
  const uint64_t read_through = impl.feed->next_position() - 1;
  if (batch.empty() && read_through <= status().checkpoint) return size_t{0};

  internal::BatchOutcome outcome;
  internal::BatchPolicy policy{impl.options.retries, impl.options.poison == PoisonPolicy::kStop};
  policy.read_through = read_through;
  if (Status committed = internal::ApplyBatch(*impl.db, projector_, impl.filter, batch, status().checkpoint, policy,
                                              outcome);
      !committed.ok()) {
    ResetFeed();  // nothing of the batch stayed: read it again next time
    return committed;
  }
  const uint64_t done = outcome.checkpoint;
  const uint64_t parked = outcome.parked;
  const std::string& stopped_at = outcome.stopped_at;

  const uint64_t head = impl.store.HeadPosition();
  const size_t taken = batch.size();
  {
    std::lock_guard lock(impl.mu);
    impl.status.checkpoint = done;
    impl.status.head = head;
    impl.status.parked += parked;
    if (!stopped_at.empty()) {
      impl.status.state = ProjectorState::kStopped;
      impl.status.error = stopped_at;
    }
  }
  if (impl.lag) impl.lag->Set(static_cast<double>(head > done ? head - done : 0));
  if (impl.parked_gauge) impl.parked_gauge->Add(static_cast<double>(parked));
  if (impl.applied) impl.applied->Increment(static_cast<double>(taken));
  if (impl.on_applied) impl.on_applied(done);
  if (!stopped_at.empty()) {
    spdlog::error("projector {} stopped before {}", projector_.name(), stopped_at);
    ResetFeed();  // the events after the poison one are read again once it is fixed
  }
  return taken;
}

void ProjectionRunner::ResetFeed() {
  SubscriptionOptions from;
  from.from_position = status().checkpoint + 1;
  from.page_size = impl_->options.batch_size;
  const std::set<std::string> categories = projector_.categories();
  from.categories.assign(categories.begin(), categories.end());
  impl_->feed = std::make_unique<CatchUpSubscription>(impl_->store, from);
}

ProjectorStatus ProjectionRunner::status() const {
  std::lock_guard lock(impl_->mu);
  ProjectorStatus status = impl_->status;
  status.head = std::max(status.head, impl_->store.HeadPosition());
  return status;
}

Result<std::vector<ParkedEvent>> ProjectionRunner::Parked() {
  CAIRN_RETURN_IF_ERROR(Open());
  CAIRN_ASSIGN_OR_RETURN(Statement list, impl_->db->Prepare(
      "SELECT position, stream, type, error, attempts FROM cairn_parked ORDER BY position"));
  std::vector<ParkedEvent> parked;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, list.Step());
    if (!row) break;
    parked.push_back({static_cast<uint64_t>(list.Int(0)), list.Text(1), list.Text(2), list.Text(3), list.Int(4)});
  }
  return parked;
}

Status ProjectionRunner::Replay(uint64_t position) {
  CAIRN_RETURN_IF_ERROR(Open());
  Database& db = *impl_->db;
  CAIRN_ASSIGN_OR_RETURN(Statement find, db.Prepare("SELECT 1 FROM cairn_parked WHERE position = ?1"));
  find.Bind(1, static_cast<int64_t>(position));
  CAIRN_ASSIGN_OR_RETURN(bool is_parked, find.Step());
  if (!is_parked) return NotFoundError("global position " + std::to_string(position) + " is not parked");
  CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> events, impl_->store.ReadAll(position, 1));
  if (events.empty()) return NotFoundError("global position " + std::to_string(position) + " is not in the store");
  CAIRN_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status applied = projector_.Apply(events.front(), db);
  if (!applied.ok()) {
    (void)db.Exec("ROLLBACK");
    return applied;
  }
  CAIRN_ASSIGN_OR_RETURN(Statement remove, db.Prepare("DELETE FROM cairn_parked WHERE position = ?1"));
  remove.Bind(1, static_cast<int64_t>(position));
  CAIRN_RETURN_IF_ERROR(remove.Run());
  CAIRN_RETURN_IF_ERROR(db.Exec("COMMIT"));
  std::lock_guard lock(impl_->mu);
  if (impl_->status.parked > 0) --impl_->status.parked;
  return OkStatus();
}

}  // namespace cairn::projections
