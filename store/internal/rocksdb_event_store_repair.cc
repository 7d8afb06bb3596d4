// Repair: the one way past a damaged write-ahead log. RocksDB replays what it
// can read (skipping the damaged records), and the repair then cuts every
// family back to the longest whole, chained prefix of the log, so that the
// store verifies again and says what it lost.
#include <rocksdb/db.h>

#include <filesystem>
#include <map>
#include <memory>

#include "store/event_store.h"
#include "store/clock.h"
#include "store/internal/keys.h"
#include "store/internal/record_codec.h"
#include "store/internal/rocksdb_event_store.h"
#include "store/internal/wal_scan.h"
#include "store/lock_file.h"
#include "store/proto/event_record.pb.h"

namespace cairn::internal {
namespace {

std::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

struct OpenDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  ~OpenDb() {
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
    if (db) db->Close();
  }
};

// Opens the data dir replaying every WAL record that can be read.
Result<std::unique_ptr<OpenDb>> OpenSkippingDamage(const std::string& path, bool read_only) {
  rocksdb::DBOptions options = BaseDbOptions();
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kSkipAnyCorruptedRecords;
  auto open = std::make_unique<OpenDb>();
  rocksdb::DB* db = nullptr;
  rocksdb::Status status =
      read_only ? rocksdb::DB::OpenForReadOnly(options, path, ColumnFamilyDescriptors(), &open->handles, &db)
                : rocksdb::DB::Open(options, path, ColumnFamilyDescriptors(), &open->handles, &db);
  CAIRN_RETURN_IF_ERROR(FromRocks(status, "cannot open " + path));
  open->db.reset(db);
  return open;
}

// What the readable part of the log holds.
struct Survey {
  uint64_t kept = 0;         // the last global position of the whole, chained prefix
  std::string chain;         // the chain hash at `kept`
  uint64_t seen = 0;         // the last global position any readable record names
  std::map<std::string, StreamHeadEntry> heads;  // stream heads within the prefix
};

Result<Survey> SurveyLog(OpenDb& open) {
  Survey survey;
  survey.chain.assign(kChainHashBytes, '\0');
  ChainHasher hasher;
  RecordedEvent event;
  std::unique_ptr<rocksdb::Iterator> it(open.db->NewIterator({}, open.handles[kEventsCf]));
  bool whole = true;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint64_t position = ReadBigEndian64(View(it->key()));
    survey.seen = std::max(survey.seen, position);
    if (!whole) continue;
    std::string chain = survey.chain;
    if (position != survey.kept + 1 || !CheckChain(View(it->value()), hasher, chain) ||
        !DecodeRecord(View(it->value()), position, event).ok()) {
      whole = false;
      continue;
    }
    auto [head, is_new] = survey.heads.try_emplace(event.stream, StreamHeadEntry{event.version, position});
    if (!is_new && event.version != head->second.last_version + 1) {
      whole = false;
      continue;
    }
    head->second = {event.version, position};
    survey.kept = position;
    survey.chain = std::move(chain);
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "read of the log"));
  std::string meta;
  if (open.db->Get({}, open.handles[kMetaCf], kHeadKey, &meta).ok() && meta.size() >= 8) {
    survey.seen = std::max(survey.seen, ReadBigEndian64(meta));
  }
  return survey;
}

// Deletes, in `batch`, every entry of `which` for which `beyond` holds.
Status DeleteWhere(OpenDb& open, Cf which, rocksdb::WriteBatch& batch,
                   const std::function<bool(std::string_view key, std::string_view value)>& beyond) {
  std::unique_ptr<rocksdb::Iterator> it(open.db->NewIterator({}, open.handles[which]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (beyond(View(it->key()), View(it->value()))) batch.Delete(open.handles[which], it->key());
  }
  return FromRocks(it->status(), "read of an index");
}

Status CutBack(OpenDb& open, const Survey& survey, RepairReport& report) {
  const uint64_t kept = survey.kept;
  rocksdb::WriteBatch batch;
  batch.DeleteRange(open.handles[kEventsCf], PositionKey(kept + 1), PositionKey(UINT64_MAX));
  auto position_beyond = [&](std::string_view, std::string_view value) {
    return value.size() != 8 || ReadBigEndian64(value) > kept;
  };
  CAIRN_RETURN_IF_ERROR(DeleteWhere(open, kStreamsCf, batch, position_beyond));
  CAIRN_RETURN_IF_ERROR(DeleteWhere(open, kEventIdsCf, batch, position_beyond));
  CAIRN_RETURN_IF_ERROR(DeleteWhere(open, kCategoriesCf, batch, [&](std::string_view key, std::string_view) {
    return TrailingNumber(key) > kept;
  }));
  CAIRN_RETURN_IF_ERROR(DeleteWhere(open, kStreamHeadsCf, batch, [&](std::string_view key, std::string_view) {
    return !survey.heads.contains(std::string(key));
  }));
  store::StreamHead head;
  for (const auto& [stream, entry] : survey.heads) {
    head.set_last_version(entry.last_version);
    head.set_last_position(entry.last_position);
    batch.Put(open.handles[kStreamHeadsCf], stream, head.SerializeAsString());
  }
  // A snapshot past its stream's new head holds the state of lost events.
  CAIRN_RETURN_IF_ERROR(DeleteWhere(open, kSnapshotsCf, batch, [&](std::string_view key, std::string_view value) {
    store::SnapshotRecord snapshot;
    auto found = survey.heads.find(std::string(key));
    return !snapshot.ParseFromArray(value.data(), static_cast<int>(value.size())) || found == survey.heads.end() ||
           snapshot.version() > found->second.last_version;
  }));
  std::unique_ptr<rocksdb::Iterator> it(open.db->NewIterator({}, open.handles[kCheckpointsCf]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    store::CheckpointRecord checkpoint;
    if (checkpoint.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) &&
        checkpoint.position() > kept) {
      report.checkpoints_ahead.emplace_back(View(it->key()));
    }
  }
  batch.Put(open.handles[kMetaCf], kHeadKey, PositionKey(kept) + survey.chain);
  std::string format;
  if (open.db->Get({}, open.handles[kMetaCf], kFormatVersionKey, &format).IsNotFound()) {
    // Lost with the first records of the log; the column families say it is a Cairn store of this format.
    batch.Put(open.handles[kMetaCf], kFormatVersionKey, kFormatVersion);
  }
  std::string key(kRepairKeyPrefix);
  AppendBigEndian64(key, static_cast<uint64_t>(SystemClock().NowMicros()));
  batch.Put(open.handles[kMetaCf], key, report.ToString());
  rocksdb::WriteOptions sync;
  sync.sync = true;
  CAIRN_RETURN_IF_ERROR(FromRocks(open.db->Write(sync, &batch), "repair failed"));
  // Flushed memtables make the damaged log obsolete, so RocksDB deletes it.
  return FromRocks(open.db->Flush({}, open.handles), "repair flush failed");
}

}  // namespace

Result<RepairReport> RepairStore(const std::string& path, bool accept_loss) {
  if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT")) {
    return NotFoundError("no Cairn store in " + path);
  }
  CAIRN_ASSIGN_OR_RETURN(auto lock, LockFile::Acquire(path + "/cairn.lock"));
  RepairReport report;
  std::optional<WalDamage> damage = FindWalDamage(path);
  if (!damage) return report;  // nothing for a repair to do
  report.damage = damage->ToString();
  {
    CAIRN_ASSIGN_OR_RETURN(auto survey_open, OpenSkippingDamage(path, /*read_only=*/true));
    CAIRN_ASSIGN_OR_RETURN(Survey survey, SurveyLog(*survey_open));
    report.kept_head = survey.kept;
    report.seen_head = survey.seen;
  }
  if (!accept_loss) return report;
  CAIRN_ASSIGN_OR_RETURN(auto open, OpenSkippingDamage(path, /*read_only=*/false));
  CAIRN_ASSIGN_OR_RETURN(Survey survey, SurveyLog(*open));
  report.kept_head = survey.kept;
  report.seen_head = std::max(report.seen_head, survey.seen);
  CAIRN_RETURN_IF_ERROR(CutBack(*open, survey, report));
  report.repaired = true;
  return report;
}

}  // namespace cairn::internal

namespace cairn {

std::string RepairReport::ToString() const {
  if (damage.empty()) return "the write-ahead log is whole; global positions 1.." + std::to_string(kept_head);
  std::string out = "write-ahead log " + damage + "; kept global positions 1.." + std::to_string(kept_head);
  // Records after the damage in the same block cannot be read at all: how
  // many events they held is not known, only that they came after the kept head.
  if (seen_head > kept_head) {
    out += "; lost global positions " + std::to_string(kept_head + 1) + ".." + std::to_string(seen_head) + " (" +
           std::to_string(seen_head - kept_head) + " events), and whatever the damaged records held";
  } else {
    out += "; lost whatever the damaged records held, all after global position " + std::to_string(kept_head);
  }
  for (size_t i = 0; i < checkpoints_ahead.size(); ++i) {
    out += (i == 0 ? "; checkpoints past the new head: " : ", ") + checkpoints_ahead[i];
  }
  return out;
}

Result<RepairReport> RepairEventStore(std::string_view path, bool accept_loss) {
  CAIRN_ASSIGN_OR_RETURN(RepairReport report, internal::RepairStore(std::string(path), accept_loss));
  if (report.damage.empty()) {
    // A whole log: an ordinary open says whether the store is otherwise sound.
    CAIRN_ASSIGN_OR_RETURN(auto store, OpenEventStore(path));
    report.kept_head = report.seen_head = store->HeadPosition();
    return report;
  }
  if (!report.repaired) return report;
  // The repaired store must open as any store does, and verify.
  CAIRN_ASSIGN_OR_RETURN(auto store, OpenEventStore(path));
  CAIRN_ASSIGN_OR_RETURN(VerifyReport verified, store->Verify({}));
  if (verified.events != report.kept_head) {
    return InternalError("the repaired store holds " + std::to_string(verified.events) + " events, not " +
                         std::to_string(report.kept_head));
  }
  return report;
}

}  // namespace cairn
