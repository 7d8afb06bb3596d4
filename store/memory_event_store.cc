// MemoryEventStore: the EventStore contract held in memory, for tests of the
// modules above the store. Appends are serialized by one mutex; the planner
// shared with the RocksDB store makes both give the same answers.
#include <condition_variable>
#include <map>
#include <mutex>

#include "store/event_record.h"
#include "store/event_store.h"
#include "store/internal/append_planner.h"
#include "store/internal/head_waiters.h"
#include "store/internal/validation.h"

namespace cairn {
namespace {

using internal::StoredEvent;

class MemoryEventStore final : public EventStore, private internal::AppendState {
 public:
  explicit MemoryEventStore(const StoreOptions& options)
      : options_(options), clock_(options.clock ? *options.clock : SystemClock()) {}

  using EventStore::Append;
  ~MemoryEventStore() override { waiters_.Close(HeadPosition()); }

  Result<AppendResult> Append(const std::vector<StreamAppend>& appends) override {
    Result<AppendResult> result = Commit(appends);
    if (result.ok()) waiters_.Passed(HeadPosition());  // outside the lock: callbacks may read
    return result;
  }

  void NotifyWhenHeadPasses(uint64_t position, HeadCallback done) override {
    waiters_.Add(position, std::move(done), [this] { return HeadPosition(); });
  }

  Result<AppendResult> Commit(const std::vector<StreamAppend>& appends) {
    CAIRN_RETURN_IF_ERROR(ValidateAppend(appends, options_));
    std::lock_guard lock(mu_);
    CAIRN_ASSIGN_OR_RETURN(std::vector<internal::StreamPlan> plans,
                           internal::PlanAppend(appends, *this));
    AppendResult result;
    const int64_t now = clock_.NowMicros();
    for (size_t i = 0; i < appends.size(); ++i) {
      if (plans[i].duplicate) {
        result.events.insert(result.events.end(), plans[i].originals.begin(),
                             plans[i].originals.end());
        continue;
      }
      const StreamAppend& append = appends[i];
      uint64_t version = plans[i].first_version;
      for (const EventData& data : append.events) {
        RecordedEvent& event = log_.emplace_back();
        event.event_id = data.event_id ? *data.event_id : Uuid::Random();
        event.stream = append.stream;
        event.version = version++;
        event.position = log_.size();
        event.type = data.type;
        event.schema_version = data.schema_version;
        event.content_type = data.content_type;
        event.recorded_at_us = now;
        event.metadata = data.metadata;
        event.data = data.data;
        streams_[event.stream].push_back(event.position);
        categories_[std::string(CategoryOf(event.stream))].push_back(event.position);
        event_ids_[event.event_id] = event.position;
        result.events.push_back({event.stream, event.event_id, event.version, event.position, event.recorded_at_us});
      }
    }
    head_cv_.notify_all();
    return result;
  }

  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream,
                                                const ReadStreamOptions& options) override {
    CAIRN_RETURN_IF_ERROR(internal::ValidateStreamId(stream));
    std::lock_guard lock(mu_);
    auto it = streams_.find(stream);
    if (it == streams_.end()) return NotFoundError("stream " + std::string(stream) + " not found");
    const std::vector<uint64_t>& positions = it->second;
    std::vector<RecordedEvent> out;
    if (options.backward) {
      uint64_t version = std::min<uint64_t>(options.from_version, positions.size() - 1);
      for (size_t n = 0; n < options.max_count; ++n) {
        out.push_back(log_[positions[version] - 1]);
        if (version-- == 0) break;
      }
    } else {
      for (uint64_t v = options.from_version; v < positions.size() && out.size() < options.max_count; ++v) {
        out.push_back(log_[positions[v] - 1]);
      }
    }
    return out;
  }

  Result<std::vector<RecordedEvent>> ReadAll(uint64_t from_position, size_t max_count) override {
    std::lock_guard lock(mu_);
    std::vector<RecordedEvent> out;
    for (uint64_t p = std::max<uint64_t>(from_position, 1); p <= log_.size() && out.size() < max_count; ++p) {
      out.push_back(log_[p - 1]);
    }
    return out;
  }

  Result<std::vector<std::string>> ReadAllRecords(uint64_t from_position, size_t max_count) override {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (uint64_t p = std::max<uint64_t>(from_position, 1); p <= log_.size() && out.size() < max_count; ++p) {
      out.push_back(EncodeEventRecord(log_[p - 1]));
    }
    return out;
  }

  Result<std::vector<RecordedEvent>> ReadCategory(std::string_view category, uint64_t from_position,
                                                  size_t max_count) override {
    std::lock_guard lock(mu_);
    std::vector<RecordedEvent> out;
    auto it = categories_.find(category);
    if (it == categories_.end()) return out;
    auto first = std::lower_bound(it->second.begin(), it->second.end(), from_position);
    for (; first != it->second.end() && out.size() < max_count; ++first) out.push_back(log_[*first - 1]);
    return out;
  }

  Result<RecordedEvent> ReadEvent(const Uuid& event_id) override {
    std::lock_guard lock(mu_);
    auto it = event_ids_.find(event_id);
    if (it == event_ids_.end()) return NotFoundError("event " + event_id.ToString() + " not found");
    return log_[it->second - 1];
  }

  Result<StreamHeadInfo> GetStreamHead(std::string_view stream) override {
    std::lock_guard lock(mu_);
    auto it = streams_.find(stream);
    if (it == streams_.end()) return NotFoundError("stream " + std::string(stream) + " not found");
    return HeadOf(it->first, it->second);
  }

  Result<std::vector<StreamHeadInfo>> ListStreams(std::string_view category, std::string_view after,
                                                  size_t max_count) override {
    std::lock_guard lock(mu_);
    std::vector<StreamHeadInfo> out;
    for (auto it = streams_.upper_bound(after); it != streams_.end() && out.size() < max_count; ++it) {
      if (category.empty() || CategoryOf(it->first) == category) out.push_back(HeadOf(it->first, it->second));
    }
    return out;
  }

  uint64_t HeadPosition() override {
    std::lock_guard lock(mu_);
    return log_.size();
  }

  uint64_t WaitForHead(uint64_t position, std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    head_cv_.wait_for(lock, timeout, [&] { return log_.size() > position; });
    return log_.size();
  }

  Status SaveCheckpoint(std::string_view name, const Checkpoint& checkpoint) override {
    CAIRN_RETURN_IF_ERROR(internal::ValidateCheckpoint(name, checkpoint));
    std::lock_guard lock(mu_);
    Checkpoint& saved = checkpoints_[std::string(name)] = checkpoint;
    saved.updated_at_us = clock_.NowMicros();
    return OkStatus();
  }
  Result<std::optional<Checkpoint>> LoadCheckpoint(std::string_view name) override {
    return Find(checkpoints_, name);
  }
  Status SaveSnapshot(std::string_view stream, const Snapshot& snapshot) override {
    CAIRN_RETURN_IF_ERROR(internal::ValidateSnapshot(stream, snapshot));
    std::lock_guard lock(mu_);
    Snapshot& saved = snapshots_[std::string(stream)] = snapshot;
    if (saved.taken_at_us == 0) saved.taken_at_us = clock_.NowMicros();
    return OkStatus();
  }
  Result<std::optional<Snapshot>> LoadSnapshot(std::string_view stream) override {
    return Find(snapshots_, stream);
  }
  Status DeleteSnapshot(std::string_view stream) override {
    std::lock_guard lock(mu_);
    snapshots_.erase(std::string(stream));
    return OkStatus();
  }
  Status SaveSchema(std::string_view type_name, std::string_view descriptor_set) override {
    CAIRN_RETURN_IF_ERROR(internal::ValidateSchemaName(type_name));
    std::lock_guard lock(mu_);
    schemas_[std::string(type_name)] = std::string(descriptor_set);
    return OkStatus();
  }
  Result<std::optional<std::string>> LoadSchema(std::string_view type_name) override {
    return Find(schemas_, type_name);
  }

  Result<StoreStats> Stats() override {
    std::lock_guard lock(mu_);
    StoreStats stats;
    stats.events = stats.last_position = log_.size();
    stats.streams = streams_.size();
    stats.categories = categories_.size();
    for (const RecordedEvent& event : log_) stats.bytes += event.data.size() + event.type.size();
    return stats;
  }

  Result<VerifyReport> Verify(const VerifyOptions& options) override {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < log_.size(); ++i) {
      const RecordedEvent& event = log_[i];
      const uint64_t position = i + 1;
      auto stream = streams_.find(event.stream);
      auto id = event_ids_.find(event.event_id);
      if (event.position != position || stream == streams_.end() ||
          stream->second.size() <= event.version || stream->second[event.version] != position ||
          id == event_ids_.end() || id->second != position) {
        return DataLossError("index disagrees with the log at global position " + std::to_string(position));
      }
      if (options.progress && position % 65536 == 0) options.progress(position, log_.size());
    }
    if (event_ids_.size() != log_.size()) return DataLossError("event id index has extra entries");
    return VerifyReport{log_.size(), streams_.size(), ""};
  }

 private:
  static StreamHeadInfo HeadOf(const std::string& stream, const std::vector<uint64_t>& positions) {
    return {stream, positions.size() - 1, positions.back()};
  }

  template <typename Map>
  auto Find(const Map& map, std::string_view key)
      -> Result<std::optional<typename Map::mapped_type>> {
    std::lock_guard lock(mu_);
    auto it = map.find(key);
    if (it == map.end()) return std::optional<typename Map::mapped_type>();
    return std::optional<typename Map::mapped_type>(it->second);
  }

  // AppendState, called with mu_ held.
  Result<std::optional<uint64_t>> LastVersion(const std::string& stream) override {
    auto it = streams_.find(stream);
    if (it == streams_.end()) return std::optional<uint64_t>();
    return std::optional<uint64_t>(it->second.size() - 1);
  }
  Result<std::optional<StoredEvent>> FindEvent(const Uuid& event_id) override {
    auto it = event_ids_.find(event_id);
    if (it == event_ids_.end()) return std::optional<StoredEvent>();
    const RecordedEvent& e = log_[it->second - 1];
    return std::optional<StoredEvent>(
        StoredEvent{e.stream, e.version, e.position, e.recorded_at_us, e.type, e.content_type, e.data});
  }

  const StoreOptions options_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable head_cv_;
  internal::HeadWaiters waiters_;
  std::vector<RecordedEvent> log_;  // log_[p - 1] holds global position p
  std::map<std::string, std::vector<uint64_t>, std::less<>> streams_;     // positions by version
  std::map<std::string, std::vector<uint64_t>, std::less<>> categories_;  // positions in order
  std::map<Uuid, uint64_t> event_ids_;
  std::map<std::string, Checkpoint, std::less<>> checkpoints_;
  std::map<std::string, Snapshot, std::less<>> snapshots_;
  std::map<std::string, std::string, std::less<>> schemas_;
};

}  // namespace

std::unique_ptr<EventStore> NewMemoryEventStore(const StoreOptions& options) {
  return std::make_unique<MemoryEventStore>(options);
}

}  // namespace cairn
