#include "projections/kafka/kafka_runner.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <map>
#include <thread>

#include "projections/internal/apply_batch.h"
#include "projections/internal/feed.h"
#include "engine/backoff.h"
#include "projections/internal/stop_signal.h"
#include "projections/read_model_file.h"
#include "store/lock_file.h"

namespace cairn::projections {

struct KafkaProjectionRunner::Impl {
  explicit Impl(KafkaRunnerOptions o, const std::string& name) : options(std::move(o)), file(options.directory, name) {}

  KafkaRunnerOptions options;
  ReadModelFile file;
  std::unique_ptr<LockFile> lock;
  int generation = 0;  // the generation `db` has open
  std::unique_ptr<Database> db;
  std::unique_ptr<kafka::ConsumerFeed> feed;
  kafka::DuplicateFilter duplicates;
  std::map<std::pair<std::string, int32_t>, int64_t> offsets;  // as stored
  internal::TypeFilter types;
  std::thread thread;
  internal::StopSignal stop;
  std::atomic<uint64_t> applied{0};
};

KafkaProjectionRunner::KafkaProjectionRunner(Projector& projector, KafkaRunnerOptions options)
    : projector_(projector), impl_(std::make_unique<Impl>(std::move(options), projector.name())) {}

KafkaProjectionRunner::~KafkaProjectionRunner() { (void)Stop(); }

std::optional<int64_t> KafkaProjectionRunner::NextOffset(const std::string& topic, int32_t partition) {
  // The read model is the only truth about what was applied: a partition it
  // never saw starts at the beginning, whatever the group committed.
  auto it = impl_->offsets.find({topic, partition});
  return it == impl_->offsets.end() ? kafka::kOffsetBeginning : it->second;
}

Status KafkaProjectionRunner::Open() {
  Impl& impl = *impl_;
  if (impl.db && impl.file.current() == impl.generation) return EnsureFeed();
  // First open, or a rebuild swapped in a new generation: its progress is
  // the new file's, so the group is joined again from the offsets it holds.
  impl.feed.reset();
  impl.db.reset();
  impl.offsets.clear();
  impl.duplicates = kafka::DuplicateFilter();
  CAIRN_RETURN_IF_ERROR(impl.file.EnsureExists());
  if (!impl.lock) {
    auto lock = LockFile::Acquire(impl.file.lock_path());
    if (!lock.ok()) return Status(lock.status().code(), "read model " + projector_.name() + " is " + lock.status().message());
    impl.lock = std::move(lock).value();
  }
  impl.generation = impl.file.current();
  CAIRN_ASSIGN_OR_RETURN(impl.db, Database::Open(impl.file.path()));
  if (Status migrated = internal::Migrate(*impl.db, projector_, internal::KafkaFeed(impl.options.consumer.group_id));
      !migrated.ok()) {
    impl.db.reset();
    return migrated;
  }
  CAIRN_ASSIGN_OR_RETURN(Statement offsets, impl.db->Prepare("SELECT topic, partition, next_offset FROM cairn_offsets"));
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, offsets.Step());
    if (!row) break;
    impl.offsets[{offsets.Text(0), static_cast<int32_t>(offsets.Int(1))}] = offsets.Int(2);
  }
  CAIRN_ASSIGN_OR_RETURN(Statement versions, impl.db->Prepare("SELECT stream, version FROM cairn_stream_versions"));
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, versions.Step());
    if (!row) break;
    impl.duplicates.Remember(versions.Text(0), static_cast<uint64_t>(versions.Int(1)));
  }
  impl.types = internal::TypeFilter(projector_.event_types());
  return EnsureFeed();
}

Status KafkaProjectionRunner::EnsureFeed() {
  if (impl_->feed) return OkStatus();
  CAIRN_ASSIGN_OR_RETURN(impl_->feed, kafka::ConsumerFeed::Open(impl_->options.consumer, this));
  return OkStatus();
}

Result<size_t> KafkaProjectionRunner::RunOnce(std::chrono::milliseconds wait) {
  Impl& impl = *impl_;
  CAIRN_RETURN_IF_ERROR(Open());
  CAIRN_ASSIGN_OR_RETURN(std::vector<kafka::FeedEvent> items, impl.feed->Poll(impl.options.batch_size, wait));
  if (items.empty()) return size_t{0};
  std::vector<RecordedEvent> events;
  std::map<std::pair<std::string, int32_t>, int64_t> next_offsets;
  std::map<std::string, uint64_t> versions;
  for (kafka::FeedEvent& item : items) {
    next_offsets[{item.topic, item.partition}] = item.offset + 1;
    // Sent again by the publisher: already applied, in this batch or before.
    auto in_batch = versions.find(item.event.stream);
    if (in_batch != versions.end() ? item.event.version <= in_batch->second : impl.duplicates.Seen(item.event)) continue;
    versions[item.event.stream] = item.event.version;
    events.push_back(std::move(item.event));
  }
  internal::BatchPolicy policy;
  policy.retries = impl.options.retries;
  policy.keep_checkpoint = false;  // positions arrive out of global order: no gapless mark
  policy.save_progress = [&](Database& db) -> Status {
    for (const auto& [partition, next] : next_offsets) {
      CAIRN_RETURN_IF_ERROR(db.Run("INSERT INTO cairn_offsets (topic, partition, next_offset) VALUES (?1, ?2, ?3)"
                                   " ON CONFLICT(topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
                                   partition.first, int64_t{partition.second}, next));
    }
    for (const auto& [stream, version] : versions) {
      CAIRN_RETURN_IF_ERROR(db.Run("INSERT INTO cairn_stream_versions (stream, version) VALUES (?1, ?2)"
                                   " ON CONFLICT(stream) DO UPDATE SET version = excluded.version",
                                   stream, static_cast<int64_t>(version)));
    }
    return OkStatus();
  };
  internal::BatchOutcome outcome;
  if (Status applied = internal::ApplyBatch(*impl.db, projector_, impl.types, events, 0, policy, outcome);
      !applied.ok()) {
    // Nothing was kept, but the feed has moved on: leave the group, and the
    // next run resumes from the offsets the read model holds.
    impl.feed.reset();
    return applied;
  }
  // Committed: the offsets and versions now stand.
  for (const auto& [partition, next] : next_offsets) impl.offsets[partition] = next;
  for (const auto& [stream, version] : versions) impl.duplicates.Remember(stream, version);
  for (const RecordedEvent& event : events) impl.applied += impl.types.Accepts(event.type);
  return items.size();
}

Status KafkaProjectionRunner::Start() {
  CAIRN_RETURN_IF_ERROR(Open());
  impl_->stop.Reset();
  impl_->thread = std::thread([this] {
    Backoff backoff(std::chrono::milliseconds(10), std::chrono::seconds(5));
    std::string failing;  // said once per change, not once per attempt
    while (!impl_->stop.requested()) {
      Result<size_t> ran = RunOnce(std::chrono::milliseconds(100));
      if (ran.ok()) {
        if (!failing.empty()) {
          spdlog::info("kafka projection {} is running again", projector_.name());
          ReportUp();
        }
        failing.clear();
        backoff.Reset();
        continue;
      }
      if (ran.status().ToString() != failing) {
        spdlog::error("kafka projection {}: {}; retrying", projector_.name(), ran.status().ToString());
        ReportDown(ran.status().ToString());
      }
      failing = ran.status().ToString();
      impl_->stop.WaitFor(backoff.Next());
    }
  });
  return OkStatus();
}

Status KafkaProjectionRunner::Stop() {
  if (impl_->thread.joinable()) {
    impl_->stop.Request();
    impl_->thread.join();
  }
  impl_->feed.reset();  // leaves the group
  return OkStatus();
}

uint64_t KafkaProjectionRunner::applied() const { return impl_->applied; }

}  // namespace cairn::projections
