// The read path: streams, `$all`, categories, stream heads and the small
// key-value families (checkpoints, snapshots, schemas).
#include <filesystem>
#include <thread>

#include "store/internal/keys.h"
#include "store/internal/record_codec.h"
#include "store/internal/rocksdb_event_store.h"
#include "store/internal/validation.h"
#include "store/thread_name.h"
#include "store/proto/event_record.pb.h"

namespace cairn::internal {
namespace {

bool StartsWith(const rocksdb::Slice& key, std::string_view prefix) {
  return key.size() >= prefix.size() && std::string_view(key.data(), prefix.size()) == prefix;
}

std::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

Status MissingFromLog(uint64_t position) {
  return DataLossError("global position " + std::to_string(position) + " is missing from the log");
}

// A read that ran out of events at `next` while the head says the log goes on to `head`.
Status RequireLogReaches(uint64_t next, uint64_t head) {
  if (next > head) return OkStatus();
  return DataLossError("the log ends before global position " + std::to_string(next) +
                       " but the store head is " + std::to_string(head) + ": events are missing");
}

}  // namespace

Status RocksDbEventStore::RequireWritable() const {
  if (read_only_) return PermissionDeniedError("the store at " + path_ + " is open for reading only");
  return OkStatus();
}

Result<std::optional<std::string>> RocksDbEventStore::GetValue(Cf which, std::string_view key,
                                                               const rocksdb::ReadOptions& options) {
  std::string value;
  rocksdb::Status status = db_->Get(options, cf(which), key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  CAIRN_RETURN_IF_ERROR(FromRocks(status, "read failed"));
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<RecordedEvent>> RocksDbEventStore::ReadPositions(const std::vector<uint64_t>& positions) {
  std::vector<std::string> keys;
  keys.reserve(positions.size());
  for (uint64_t position : positions) keys.push_back(PositionKey(position));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::ColumnFamilyHandle*> families(keys.size(), cf(kEventsCf));
  std::vector<std::string> values;
  std::vector<rocksdb::Status> statuses = db_->MultiGet(rocksdb::ReadOptions(), families, slices, &values);
  std::vector<RecordedEvent> events(positions.size());
  for (size_t i = 0; i < positions.size(); ++i) {
    if (statuses[i].IsNotFound()) {
      return DataLossError("an index names global position " + std::to_string(positions[i]) +
                           ", which is not in the log");
    }
    CAIRN_RETURN_IF_ERROR(FromRocks(statuses[i], "read of global position " + std::to_string(positions[i])));
    CAIRN_RETURN_IF_ERROR(DecodeRecord(values[i], positions[i], events[i]));
  }
  return events;
}

Result<std::vector<RecordedEvent>> RocksDbEventStore::ReadStream(std::string_view stream,
                                                                 const ReadStreamOptions& options) {
  CAIRN_RETURN_IF_ERROR(ValidateStreamId(stream));
  // The head first: a point lookup answers a stream with no events, or a
  // forward read past its end (a load after a snapshot), without the cost of
  // an iterator.
  CAIRN_ASSIGN_OR_RETURN(StreamHeadInfo head, GetStreamHead(stream));
  if (!options.backward && options.from_version > head.last_version) return std::vector<RecordedEvent>();
  const std::string prefix = StreamPrefix(stream);
  std::vector<uint64_t> positions;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kStreamsCf)));
  if (options.backward) {
    it->SeekForPrev(StreamVersionKey(stream, options.from_version));
    for (; it->Valid() && StartsWith(it->key(), prefix) && positions.size() < options.max_count; it->Prev()) {
      positions.push_back(ReadBigEndian64(View(it->value())));
    }
  } else {
    it->Seek(StreamVersionKey(stream, options.from_version));
    for (; it->Valid() && StartsWith(it->key(), prefix) && positions.size() < options.max_count; it->Next()) {
      positions.push_back(ReadBigEndian64(View(it->value())));
    }
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "read of stream " + std::string(stream)));
  if (positions.empty()) {
    if (!options.backward && options.from_version <= head.last_version) {
      return DataLossError("stream " + std::string(stream) + " has events up to version " +
                           std::to_string(head.last_version) + " but its index holds none from version " +
                           std::to_string(options.from_version));
    }
    return std::vector<RecordedEvent>();
  }
  return ReadPositions(positions);
}

Result<std::vector<RecordedEvent>> RocksDbEventStore::ReadAll(uint64_t from_position, size_t max_count) {
  std::vector<RecordedEvent> events;
  uint64_t expected = std::max<uint64_t>(from_position, 1);
  // The head is read before the iterator is made, so the iterator sees every
  // event up to it: a log that ends sooner has lost events. Events past it
  // are written but not yet durable: readers of `$all` do not see them.
  const uint64_t head = HeadPosition();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kEventsCf)));
  for (it->Seek(PositionKey(expected)); it->Valid() && expected <= head && events.size() < max_count;
       it->Next(), ++expected) {
    if (ReadBigEndian64(View(it->key())) != expected) return MissingFromLog(expected);
    CAIRN_RETURN_IF_ERROR(DecodeRecord(View(it->value()), expected, events.emplace_back()));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "read of global position " + std::to_string(expected)));
  if (events.size() < max_count) CAIRN_RETURN_IF_ERROR(RequireLogReaches(expected, head));
  return events;
}

Result<std::vector<std::string>> RocksDbEventStore::ReadAllRecords(uint64_t from_position, size_t max_count) {
  std::vector<std::string> records;
  uint64_t expected = std::max<uint64_t>(from_position, 1);
  const uint64_t head = HeadPosition();  // before the iterator, as in ReadAll
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kEventsCf)));
  for (it->Seek(PositionKey(expected)); it->Valid() && expected <= head && records.size() < max_count;
       it->Next(), ++expected) {
    if (ReadBigEndian64(View(it->key())) != expected) return MissingFromLog(expected);
    std::string_view value = View(it->value());
    if (!StripChainHash(value)) {
      return DataLossError("record at global position " + std::to_string(expected) + " has no chain hash");
    }
    records.emplace_back(value);
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "read of global position " + std::to_string(expected)));
  if (records.size() < max_count) CAIRN_RETURN_IF_ERROR(RequireLogReaches(expected, head));
  return records;
}

Result<std::vector<RecordedEvent>> RocksDbEventStore::ReadCategory(std::string_view category,
                                                                   uint64_t from_position,
                                                                   size_t max_count) {
  const std::string prefix = StreamPrefix(category);
  std::vector<uint64_t> positions;
  const uint64_t head = HeadPosition();  // durable events only, as in ReadAll
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kCategoriesCf)));
  for (it->Seek(CategoryPositionKey(category, from_position));
       it->Valid() && StartsWith(it->key(), prefix) && positions.size() < max_count; it->Next()) {
    const uint64_t position = TrailingNumber(View(it->key()));
    if (position > head) break;
    positions.push_back(position);
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "read of category " + std::string(category)));
  if (positions.empty()) return std::vector<RecordedEvent>();
  return ReadPositions(positions);
}

Result<RecordedEvent> RocksDbEventStore::ReadEvent(const Uuid& event_id) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> position, GetValue(kEventIdsCf, event_id.bytes()));
  if (!position) return NotFoundError("event " + event_id.ToString() + " not found");
  CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> events, ReadPositions({ReadBigEndian64(*position)}));
  return std::move(events.front());
}

Result<StreamHeadInfo> RocksDbEventStore::GetStreamHead(std::string_view stream) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> value, GetValue(kStreamHeadsCf, stream));
  if (!value) return NotFoundError("stream " + std::string(stream) + " not found");
  store::StreamHead head;
  if (!head.ParseFromString(*value)) {
    return DataLossError("stream head of " + std::string(stream) + " does not parse");
  }
  return StreamHeadInfo{std::string(stream), head.last_version(), head.last_position()};
}

Result<std::vector<StreamHeadInfo>> RocksDbEventStore::ListStreams(std::string_view category,
                                                                   std::string_view after,
                                                                   size_t max_count) {
  std::vector<StreamHeadInfo> streams;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kStreamHeadsCf)));
  it->Seek(std::max(after, category));
  for (; it->Valid() && streams.size() < max_count; it->Next()) {
    std::string_view stream = View(it->key());
    if (!after.empty() && stream == after) continue;
    if (!category.empty() && !StartsWith(it->key(), category)) break;
    if (!category.empty() && CategoryOf(stream) != category) continue;
    store::StreamHead head;
    if (!head.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return DataLossError("stream head of " + std::string(stream) + " does not parse");
    }
    streams.push_back({std::string(stream), head.last_version(), head.last_position()});
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "list of streams"));
  return streams;
}

uint64_t RocksDbEventStore::ReadHeadFromMeta(std::string* chain_head,
                                             const rocksdb::ReadOptions& options) {
  Result<std::optional<std::string>> value = GetValue(kMetaCf, kHeadKey, options);
  if (!value.ok() || !*value || (*value)->size() != 8 + kChainHashBytes) return 0;
  if (chain_head) *chain_head = (*value)->substr(8);
  return ReadBigEndian64(**value);
}

uint64_t RocksDbEventStore::HeadPosition() { return head_.load(std::memory_order_acquire); }

uint64_t RocksDbEventStore::WaitForHead(uint64_t position, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!read_only_) {
    std::unique_lock lock(head_mu_);
    head_cv_.wait_until(lock, deadline, [&] { return head_.load() > position; });
    return head_.load();
  }
  // A read-only instance learns of new commits by catching up with the
  // writer's log, when the writer has touched its files. Waiters take turns.
  std::lock_guard lock(catch_up_mu_);
  for (;;) {
    if (db_->TryCatchUpWithPrimary().ok()) head_ = ReadHeadFromMeta(nullptr);
    const auto now = std::chrono::steady_clock::now();
    if (head_.load() > position || now >= deadline) return head_.load();
    // A write the watch missed (it was set up after it) is seen within a second.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    watch_->Wait(std::min(left + std::chrono::milliseconds(1), std::chrono::milliseconds(1000)));
  }
}

void RocksDbEventStore::NotifyWhenHeadPasses(uint64_t position, HeadCallback done) {
  waiters_.Add(position, std::move(done), [this] { return head_.load(std::memory_order_acquire); });
  if (!read_only_) return;  // commits call the waiters
  std::lock_guard lock(follow_mu_);
  if (!follower_.joinable() && !stop_following_) {
    follower_ = std::thread([this] { FollowLoop(); });
    NameThread(follower_, "cairn-follower");
  }
  follow_cv_.notify_one();
}

void RocksDbEventStore::FollowLoop() {
  for (;;) {
    uint64_t lowest = 0;
    {
      std::unique_lock lock(follow_mu_);
      follow_cv_.wait(lock, [&] { return stop_following_ || waiters_.Lowest(&lowest); });
      if (stop_following_) return;
    }
    // Woken by the writer's files; a short bound so that a close is seen soon.
    waiters_.Passed(WaitForHead(lowest, std::chrono::milliseconds(200)));
  }
}

Status RocksDbEventStore::SaveCheckpoint(std::string_view name, const Checkpoint& checkpoint) {
  CAIRN_RETURN_IF_ERROR(ValidateCheckpoint(name, checkpoint));
  store::CheckpointRecord record;
  record.set_position(checkpoint.position);
  for (const PartitionOffset& offset : checkpoint.offsets) {
    store::PartitionOffset* out = record.add_offsets();
    out->set_topic(offset.topic);
    out->set_partition(offset.partition);
    out->set_offset(offset.offset);
  }
  record.set_updated_at_us(clock_.NowMicros());
  return PutMeta(kCheckpointsCf, name, record.SerializeAsString());
}

Result<std::optional<Checkpoint>> RocksDbEventStore::LoadCheckpoint(std::string_view name) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> value, GetValue(kCheckpointsCf, name));
  if (!value) return std::optional<Checkpoint>();
  store::CheckpointRecord record;
  if (!record.ParseFromString(*value)) return DataLossError("checkpoint " + std::string(name) + " does not parse");
  Checkpoint checkpoint{record.position(), {}, record.updated_at_us()};
  for (const auto& offset : record.offsets()) {
    checkpoint.offsets.push_back({offset.topic(), offset.partition(), offset.offset()});
  }
  return std::optional<Checkpoint>(std::move(checkpoint));
}

Status RocksDbEventStore::SaveSnapshot(std::string_view stream, const Snapshot& snapshot) {
  CAIRN_RETURN_IF_ERROR(ValidateSnapshot(stream, snapshot));
  store::SnapshotRecord record;
  record.set_version(snapshot.version);
  record.set_type(snapshot.type);
  record.set_schema_version(snapshot.schema_version);
  record.set_state(snapshot.state);
  record.set_taken_at_us(snapshot.taken_at_us ? snapshot.taken_at_us : clock_.NowMicros());
  record.set_position(snapshot.position);
  record.set_recorded_at_us(snapshot.recorded_at_us);
  return PutMeta(kSnapshotsCf, stream, record.SerializeAsString());
}

Result<std::optional<Snapshot>> RocksDbEventStore::LoadSnapshot(std::string_view stream) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> value, GetValue(kSnapshotsCf, stream));
  if (!value) return std::optional<Snapshot>();
  store::SnapshotRecord record;
  if (!record.ParseFromString(*value)) return DataLossError("snapshot of " + std::string(stream) + " does not parse");
  return std::optional<Snapshot>(Snapshot{record.version(), record.type(), record.schema_version(), record.state(),
                                          record.taken_at_us(), record.position(), record.recorded_at_us()});
}

Status RocksDbEventStore::DeleteSnapshot(std::string_view stream) {
  CAIRN_RETURN_IF_ERROR(RequireWritable());
  return FromRocks(db_->Delete(write_options_, cf(kSnapshotsCf), stream), "delete failed");
}

Status RocksDbEventStore::SaveSchema(std::string_view type_name, std::string_view descriptor_set) {
  CAIRN_RETURN_IF_ERROR(ValidateSchemaName(type_name));
  return PutMeta(kSchemasCf, type_name, descriptor_set);
}

Result<std::optional<std::string>> RocksDbEventStore::LoadSchema(std::string_view type_name) {
  return GetValue(kSchemasCf, type_name);
}

Result<StoreStats> RocksDbEventStore::Stats() {
  StoreStats stats;
  stats.last_position = stats.events = HeadPosition();
  stats.commit_groups = commit_groups_.load(std::memory_order_relaxed);
  stats.grouped_appends = grouped_appends_.load(std::memory_order_relaxed);
  stats.commit_micros = commit_nanos_.load(std::memory_order_relaxed) / 1000;
  stats.log_syncs = log_syncs_.load(std::memory_order_relaxed);
  stats.log_sync_micros = log_sync_nanos_.load(std::memory_order_relaxed) / 1000;
  std::unique_ptr<rocksdb::Iterator> streams(db_->NewIterator(rocksdb::ReadOptions(), cf(kStreamHeadsCf)));
  for (streams->SeekToFirst(); streams->Valid(); streams->Next()) ++stats.streams;
  CAIRN_RETURN_IF_ERROR(FromRocks(streams->status(), "count of streams"));
  // Categories: jump from one category to the next instead of visiting every event.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kCategoriesCf)));
  for (it->SeekToFirst(); it->Valid();) {
    ++stats.categories;
    std::string next(LeadingName(View(it->key())));
    next.push_back('\x01');
    it->Seek(next);
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "count of categories"));
  std::unique_ptr<rocksdb::Iterator> repairs(db_->NewIterator(rocksdb::ReadOptions(), cf(kMetaCf)));
  for (repairs->Seek(kRepairKeyPrefix); repairs->Valid() && StartsWith(repairs->key(), kRepairKeyPrefix);
       repairs->Next()) {
    stats.repairs.emplace_back(View(repairs->value()));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(repairs->status(), "list of repairs"));
  std::error_code error;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path_, error)) {
    if (entry.is_regular_file(error)) stats.bytes += entry.file_size(error);
  }
  return stats;
}

}  // namespace cairn::internal
