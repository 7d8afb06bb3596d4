#include "projections/kafka/kafka_runner.h"

#include <spdlog/spdlog.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <atomic>
#include <map>

#include "engine/backoff.h"
#include "engine/component_driver.h"
#include "engine/event_pipe.h"
#include "projections/internal/apply_batch.h"
#include "projections/internal/feed.h"
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
  internal::EventFilter filter;
  std::atomic<uint64_t> applied{0};
  // While started: every feed writes to it when messages arrive. It outlives
  // the feeds, so it is reset only after `feed` (see ~KafkaProjectionRunner).
  std::unique_ptr<EventPipe> events;
};

KafkaProjectionRunner::KafkaProjectionRunner(Projector& projector, KafkaRunnerOptions options)
    : projector_(projector), impl_(std::make_unique<Impl>(std::move(options), projector.name())) {}

KafkaProjectionRunner::~KafkaProjectionRunner() {
  (void)Stop();
  impl_->feed.reset();  // before the pipe it writes to closes
}

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
  impl.filter = internal::EventFilter(projector_);
  return EnsureFeed();
}

Status KafkaProjectionRunner::EnsureFeed() {
  if (impl_->feed) return OkStatus();
  CAIRN_ASSIGN_OR_RETURN(impl_->feed, kafka::ConsumerFeed::Open(impl_->options.consumer, this));
  if (impl_->events) impl_->feed->NotifyOn(impl_->events->write_fd());
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
    auto in_batch = versions.find(item.event.stream);
    const uint64_t next = in_batch != versions.end() ? in_batch->second + 1 : impl.duplicates.Next(item.event.stream);
    if (item.event.version < next) continue;  // sent again by the publisher: applied already
    if (item.event.version > next) {
      // The versions between never came: Kafka deleted them (retention)
      // before this model read them. Applying on would hide the loss.
      impl.feed.reset();
      return DataLossError("stream " + item.event.stream + " went from version " + std::to_string(next) + " to " +
                           std::to_string(item.event.version) + " at " + item.topic + "/" +
                           std::to_string(item.partition) + "@" + std::to_string(item.offset) +
                           ": Kafka no longer holds the events between; build the read model from the store with "
                           "cairn projections rebuild " + projector_.name());
    }
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
  if (Status applied = internal::ApplyBatch(*impl.db, projector_, impl.filter, events, 0, policy, outcome);
      !applied.ok()) {
    // Nothing was kept, but the feed has moved on: leave the group, and the
    // next run resumes from the offsets the read model holds.
    impl.feed.reset();
    return applied;
  }
  // Committed: the offsets and versions now stand.
  for (const auto& [partition, next] : next_offsets) impl.offsets[partition] = next;
  for (const auto& [stream, version] : versions) impl.duplicates.Remember(stream, version);
  for (const RecordedEvent& event : events) impl.applied += impl.filter.Accepts(event);
  return items.size();
}

// Runs the runner's steps on a Runtime. It waits for librdkafka's queue
// through the pipe, polls on the blocking pool (a poll applies its batch in
// an SQLite transaction), and after a failure waits out a back-off.
class KafkaProjectionRunner::Driver final : public ComponentDriver {
 public:
  Driver(KafkaProjectionRunner& runner, Runtime& runtime)
      : ComponentDriver(runtime), runner_(runner), events_(strand(), runner.impl_->events->DuplicateReadFd()) {}

  void Begin() {
    Post([self = self<Driver>()] { self->Step(); });
  }

 private:
  // librdkafka leaves the group of a member that does not poll for
  // max.poll.interval.ms (5 minutes by default): poll at least this often.
  static constexpr std::chrono::seconds kKeepInGroup{60};

  void OnEnd() override {
    boost::system::error_code ignored;
    events_.cancel(ignored);
  }

  void Step() {
    runner_.impl_->events->Drain();  // a write after this wakes the next wait
    Blocking([self = self<Driver>()] { return self->runner_.RunOnce(std::chrono::milliseconds(0)); },
             [this](Result<size_t> ran) { OnStep(std::move(ran)); });
  }

  void OnStep(Result<size_t> ran) {
    const std::string& name = runner_.projector_.name();
    if (ran.ok()) {
      if (!failing_.empty()) {
        spdlog::info("kafka projection {} is running again", name);
        runner_.ReportUp();
      }
      failing_.clear();
      backoff_.Reset();
      // A full batch may have left messages queued, and the pipe only
      // signals a queue that was empty.
      if (*ran >= runner_.impl_->options.batch_size) return Step();
      return WaitForMessages();
    }
    if (ran.status().code() == StatusCode::kDataLoss) {
      // No retry mends it: the node stops, and a rebuild resumes the model.
      spdlog::error("kafka projection {} failed: {}", name, ran.status().ToString());
      return runner_.ReportFailed(ran.status().ToString());
    }
    // Said once per change, not once per attempt.
    if (ran.status().ToString() != failing_) {
      spdlog::error("kafka projection {}: {}; retrying", name, ran.status().ToString());
      runner_.ReportDown(ran.status().ToString());
    }
    failing_ = ran.status().ToString();
    After(backoff_.Next(), [this] { Step(); });
  }

  void WaitForMessages() {
    After(kKeepInGroup, [this] { Step(); });
    if (watching_) return;
    watching_ = true;
    events_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [self = self<Driver>()](boost::system::error_code error) {
                         self->watching_ = false;
                         // A step in progress empties the queue and watches again;
                         // a failing runner waits out its back-off.
                         if (error || self->stopping() || self->busy() || !self->failing_.empty()) return;
                         self->Step();
                       });
  }

  KafkaProjectionRunner& runner_;
  boost::asio::posix::stream_descriptor events_;
  Backoff backoff_{std::chrono::milliseconds(10), std::chrono::seconds(5)};
  std::string failing_;
  bool watching_ = false;
};

Status KafkaProjectionRunner::Start(Runtime& runtime) {
  if (!impl_->events) {
    CAIRN_ASSIGN_OR_RETURN(impl_->events, EventPipe::Open());
  }
  if (impl_->feed) impl_->feed->NotifyOn(impl_->events->write_fd());  // joined before the start
  CAIRN_RETURN_IF_ERROR(Open());
  driver_ = std::make_shared<Driver>(*this, runtime);
  driver_->Begin();
  return OkStatus();
}

Status KafkaProjectionRunner::Stop() {
  if (driver_) {
    driver_->End();
    driver_.reset();
  }
  impl_->feed.reset();  // leaves the group
  return OkStatus();
}

uint64_t KafkaProjectionRunner::applied() const { return impl_->applied; }

}  // namespace cairn::projections
