// The write path: one committer at a time. A lone appender commits on its
// own thread; otherwise appenders enqueue and the writer thread commits
// groups. With Sync durability the writer only writes each group; the
// syncer (rocksdb_event_store_sync.cc) makes it durable and completes it.
#include <map>

#include "store/internal/append_planner.h"
#include "store/internal/elapsed.h"
#include "store/internal/keys.h"
#include "store/internal/record_codec.h"
#include "store/internal/rocksdb_event_store.h"
#include "store/internal/validation.h"
#include "store/proto/event_record.pb.h"

namespace cairn::internal {

// The store as the jobs of one commit group see it: committed state plus what
// earlier jobs of the group wrote into the batch.
class GroupState final : public AppendState {
 public:
  explicit GroupState(RocksDbEventStore& store) : store_(store) {}

  Result<std::optional<uint64_t>> LastVersion(const std::string& stream) override {
    CAIRN_ASSIGN_OR_RETURN(std::optional<StreamHeadEntry> head, Head(stream));
    if (!head) return std::optional<uint64_t>();
    return std::optional<uint64_t>(head->last_version);
  }

  Result<std::optional<StoredEvent>> FindEvent(const Uuid& event_id) override {
    if (auto it = pending_ids_.find(event_id); it != pending_ids_.end()) {
      const PendingEvent& p = it->second;
      return std::optional<StoredEvent>(StoredEvent{*p.stream, p.version, p.position, p.recorded_at_us, p.event->type,
                                                    p.event->content_type, p.event->data});
    }
    // Most ids are new: the Bloom filters answer without building an error.
    CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> position,
                           store_.GetValue(kEventIdsCf, event_id.bytes()));
    if (!position) return std::optional<StoredEvent>();
    CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> events,
                           store_.ReadPositions({ReadBigEndian64(*position)}));
    RecordedEvent& e = events.front();
    return std::optional<StoredEvent>(StoredEvent{std::move(e.stream), e.version, e.position, e.recorded_at_us,
                                                  std::move(e.type), std::move(e.content_type),
                                                  std::move(e.data)});
  }

  Result<std::optional<StreamHeadEntry>> Head(const std::string& stream) {
    if (auto it = pending_heads_.find(stream); it != pending_heads_.end()) {
      return std::optional<StreamHeadEntry>(it->second);
    }
    return store_.LoadStreamHead(stream);
  }

  void Wrote(const std::string& stream, const EventData& event, const Uuid& id, uint64_t version,
             uint64_t position, int64_t recorded_at_us) {
    pending_heads_[stream] = {version, position};
    if (event.event_id) pending_ids_[id] = {&stream, &event, version, position, recorded_at_us};
  }

  const std::unordered_map<std::string, StreamHeadEntry>& pending_heads() const {
    return pending_heads_;
  }

 private:
  struct PendingEvent {
    const std::string* stream;
    const EventData* event;
    uint64_t version;
    uint64_t position;
    int64_t recorded_at_us;
  };
  RocksDbEventStore& store_;
  std::unordered_map<std::string, StreamHeadEntry> pending_heads_;
  std::map<Uuid, PendingEvent> pending_ids_;
};

namespace {

// Past this many cached stream heads the cache starts over; RocksDB holds the truth.
constexpr size_t kMaxCachedHeads = 1 << 20;

size_t RequestBytes(const std::vector<StreamAppend>& appends) {
  size_t bytes = 0;
  for (const StreamAppend& append : appends) {
    for (const EventData& event : append.events) bytes += event.data.size() + 128;
  }
  return bytes;
}

}  // namespace

Result<AppendResult> RocksDbEventStore::Append(const std::vector<StreamAppend>& appends) {
  CAIRN_RETURN_IF_ERROR(RequireWritable());
  CAIRN_RETURN_IF_ERROR(ValidateAppend(appends, options_));
  AppendJob job;
  job.appends = &appends;
  job.bytes = RequestBytes(appends);
  appenders_.fetch_add(1, std::memory_order_relaxed);
  struct Leave {
    std::atomic<int>& count;
    ~Leave() { count.fetch_sub(1, std::memory_order_relaxed); }
  } leave{appenders_};
  std::unique_lock lock(queue_mu_);
  if (stopping_) return UnavailableError("the store is closing");
  CAIRN_RETURN_IF_ERROR(broken_);
  if (appenders_.load(std::memory_order_relaxed) == 1 && !committing_ && queue_.empty() && unsynced_groups_ == 0) {
    // A lone appender commits on its own thread and spares the two thread
    // switches of a hand-off to the writer, which cost as much as a fast
    // fsync. With company it queues, so that the writer can group them.
    committing_ = true;
    lock.unlock();
    std::vector<AppendJob*> group{&job};
    if (CommitGroup(group, write_options_)) Publish(written_head_);
    lock.lock();
    committing_ = false;
    if (!queue_.empty()) queue_cv_.notify_one();
    return std::move(job.result);
  }
  queue_.push_back(&job);
  const bool wake = queue_.size() == 1;  // else the writer is awake already
  lock.unlock();
  if (wake) queue_cv_.notify_one();
  job.done.Wait();
  return std::move(job.result);
}

void RocksDbEventStore::AppendAsync(std::vector<StreamAppend> appends, AppendCallback done) {
  if (Status refused = RequireWritable(); !refused.ok()) return done(refused);
  if (Status invalid = ValidateAppend(appends, options_); !invalid.ok()) return done(invalid);
  auto job = std::make_unique<AppendJob>();
  job->owned = std::move(appends);
  job->appends = &job->owned;
  job->bytes = RequestBytes(job->owned);
  job->callback = std::move(done);
  Status refused;
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) {
      refused = UnavailableError("the store is closing");
    } else if (!broken_.ok()) {
      refused = broken_;
    } else {
      queue_.push_back(job.release());
      if (queue_.size() != 1) return;  // the writer is awake already
    }
  }
  // Outside the lock: a callback may append again.
  if (!refused.ok()) return job->callback(refused);
  queue_cv_.notify_one();
}

void RocksDbEventStore::Finish(AppendJob* job) {
  if (!job->callback) return job->done.Signal();
  std::unique_ptr<AppendJob> owned(job);
  owned->callback(std::move(owned->result));
}

void RocksDbEventStore::WriterLoop() {
  std::vector<AppendJob*> group;
  std::unique_lock lock(queue_mu_);
  for (;;) {
    queue_cv_.wait(lock, [&] { return (stopping_ && !committing_) || (!queue_.empty() && !committing_); });
    if (queue_.empty()) return;  // stopping, and every job is done
    size_t bytes = 0;
    while (!queue_.empty() && (group.empty() || bytes + queue_.front()->bytes <= options_.max_group_bytes)) {
      bytes += queue_.front()->bytes;
      group.push_back(queue_.front());
      queue_.pop_front();
    }
    committing_ = true;
    const Status refused = broken_;
    lock.unlock();
    if (!refused.ok()) {
      for (AppendJob* job : group) {
        job->result = refused;
        Finish(job);
      }
    } else if (pipelined()) {
      CommitGroup(group, unsynced_options_);
      lock.lock();
      ++unsynced_groups_;  // before the lone path may look
      lock.unlock();
      HandToSyncer(std::move(group));
    } else {
      if (CommitGroup(group, write_options_)) Publish(written_head_);
      for (AppendJob* job : group) Finish(job);
    }
    group.clear();
    lock.lock();
    committing_ = false;
  }
}

bool RocksDbEventStore::CommitGroup(std::vector<AppendJob*>& jobs, const rocksdb::WriteOptions& options) {
  const AddElapsed timed(commit_nanos_);
  GroupState state(*this);
  rocksdb::WriteBatch batch;
  uint64_t next_position = written_head_ + 1;
  std::string chain = chain_head_;
  RecordPlacement placement;
  std::string value;
  bool wrote = false;

  for (AppendJob* job : jobs) {
    const std::vector<StreamAppend>& appends = *job->appends;
    Result<std::vector<StreamPlan>> plans = PlanAppend(appends, state);
    if (!plans.ok()) {
      job->result = plans.status();
      continue;
    }
    AppendResult result;
    placement.recorded_at_us = clock_.NowMicros();
    for (size_t i = 0; i < appends.size(); ++i) {
      const StreamPlan& plan = (*plans)[i];
      if (plan.duplicate) {
        result.events.insert(result.events.end(), plan.originals.begin(), plan.originals.end());
        continue;
      }
      const StreamAppend& append = appends[i];
      const std::string_view category = CategoryOf(append.stream);
      placement.stream = append.stream;
      placement.version = plan.first_version;
      for (const EventData& data : append.events) {
        placement.event_id = data.event_id ? *data.event_id : Uuid::Random();
        placement.position = next_position++;
        EncodeRecord(data, placement, hasher_, chain, value);
        const std::string position_key = PositionKey(placement.position);
        batch.Put(cf(kEventsCf), position_key, value);
        batch.Put(cf(kStreamsCf), StreamVersionKey(append.stream, placement.version), position_key);
        batch.Put(cf(kCategoriesCf), CategoryPositionKey(category, placement.position), rocksdb::Slice());
        batch.Put(cf(kEventIdsCf), placement.event_id.bytes(), position_key);
        state.Wrote(append.stream, data, placement.event_id, placement.version, placement.position,
                    placement.recorded_at_us);
        result.events.push_back(
            {append.stream, placement.event_id, placement.version, placement.position, placement.recorded_at_us});
        ++placement.version;
        wrote = true;
      }
    }
    job->result = std::move(result);
  }
  if (!wrote) return false;

  store::StreamHead head;
  for (const auto& [stream, entry] : state.pending_heads()) {
    head.set_last_version(entry.last_version);
    head.set_last_position(entry.last_position);
    batch.Put(cf(kStreamHeadsCf), stream, head.SerializeAsString());
  }
  const uint64_t last_position = next_position - 1;
  std::string meta_head = PositionKey(last_position) + chain;
  batch.Put(cf(kMetaCf), kHeadKey, meta_head);

  rocksdb::Status status = db_->Write(options, &batch);
  if (!status.ok()) {
    Status error = FromRocks(status, "append failed");
    if (error.code() != StatusCode::kResourceExhausted) error = UnavailableError(error.message());
    for (AppendJob* job : jobs) {
      if (job->result.ok()) job->result = error;
    }
    return false;
  }
  commit_groups_.fetch_add(1, std::memory_order_relaxed);
  grouped_appends_.fetch_add(jobs.size(), std::memory_order_relaxed);
  if (head_cache_.size() > kMaxCachedHeads) head_cache_.clear();
  for (const auto& [stream, entry] : state.pending_heads()) head_cache_[stream] = entry;
  chain_head_ = std::move(chain);
  written_head_ = last_position;
  return true;
}

void RocksDbEventStore::Publish(uint64_t head) {
  {
    std::lock_guard lock(head_mu_);
    if (head <= head_.load(std::memory_order_relaxed)) return;
    head_.store(head, std::memory_order_release);
  }
  head_cv_.notify_all();
  waiters_.Passed(head);
}

Result<std::optional<StreamHeadEntry>> RocksDbEventStore::LoadStreamHead(const std::string& stream) {
  if (auto it = head_cache_.find(stream); it != head_cache_.end()) {
    return std::optional<StreamHeadEntry>(it->second);
  }
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> value, GetValue(kStreamHeadsCf, stream));
  if (!value) return std::optional<StreamHeadEntry>();
  store::StreamHead head;
  if (!head.ParseFromString(*value)) return DataLossError("stream head of " + stream + " does not parse");
  StreamHeadEntry entry{head.last_version(), head.last_position()};
  head_cache_[stream] = entry;
  return std::optional<StreamHeadEntry>(entry);
}

Status RocksDbEventStore::PutMeta(Cf which, std::string_view key, std::string_view value) {
  CAIRN_RETURN_IF_ERROR(RequireWritable());
  return FromRocks(db_->Put(write_options_, cf(which), key, value), "write failed");
}

}  // namespace cairn::internal
