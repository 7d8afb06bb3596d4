// Opening and closing the RocksDB store: the lock, column families, tuning for
// an append-heavy log, and the store format version.
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <stdlib.h>

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "store/internal/keys.h"
#include "store/internal/record_codec.h"
#include "store/internal/rocksdb_event_store.h"
#include "store/internal/wal_scan.h"
#include "store/thread_name.h"

namespace cairn::internal {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCfNames[kCfCount] = {
    "default", "events",      "streams",   "stream_heads", "categories",
    "event_ids", "checkpoints", "snapshots", "schemas",      "meta",
};

rocksdb::ColumnFamilyOptions CfOptions(Cf which, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions options;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Point lookups (idempotence, stream heads, snapshots) mostly miss or hit
  // one key: a Bloom filter answers a miss without reading a block, and in
  // the memtable without a skiplist search. Every command on a new aggregate
  // misses all three.
  const bool looked_up = which == kEventIdsCf || which == kStreamHeadsCf || which == kSnapshotsCf;
  if (looked_up) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (looked_up) {
    options.memtable_whole_key_filtering = true;
    options.memtable_prefix_bloom_size_ratio = 0.05;
  }
  options.compression = rocksdb::kLZ4Compression;
  // `events` takes all the payload bytes: a larger memtable means fewer flushes.
  options.write_buffer_size = which == kEventsCf ? (64 << 20) : (16 << 20);
  options.max_write_buffer_number = 4;
  return options;
}

class SilentLogger final : public rocksdb::Logger {
 public:
  SilentLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::HEADER_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

bool HasStore(const std::string& path) { return fs::exists(fs::path(path) / "CURRENT"); }

// Files that only a store that was once opened holds. A directory holding any
// of them without a CURRENT file is a damaged store, not a place for a new
// one. What a creation killed before CURRENT leaves (IDENTITY, LOCK, the first
// MANIFEST, an empty log) RocksDB creates again.
bool IsStoreFile(const fs::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  auto has_suffix = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  std::error_code error;
  if (has_suffix(".log")) return name.rfind("LOG", 0) != 0 && entry.file_size(error) > 0;
  return (name.rfind("MANIFEST-", 0) == 0 && name != "MANIFEST-000001") || name.rfind("OPTIONS-", 0) == 0 ||
         has_suffix(".sst") || has_suffix(".blob");
}

// "000004.log, MANIFEST-000005 and 12 more": what a directory holds, for messages.
std::string StoreFilesIn(const std::string& path) {
  std::vector<std::string> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(path, error)) {
    if (IsStoreFile(entry)) found.push_back(entry.path().filename().string());
  }
  std::sort(found.begin(), found.end());
  std::string out;
  for (size_t i = 0; i < found.size() && i < 3; ++i) out += (i ? ", " : "") + found[i];
  if (found.size() > 3) out += " and " + std::to_string(found.size() - 3) + " more";
  return out;
}

// Folders of read-only instances whose process is gone (killed, or cut off by
// a closed pipe) are removed by the next reader.
constexpr std::string_view kReaderPrefix = "cairn-reader-";

void RemoveStaleReaderFolders() {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kReaderPrefix, 0) != 0) continue;
    const int pid = std::atoi(name.c_str() + kReaderPrefix.size());
    if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH)) {
      std::error_code ignored;
      fs::remove_all(entry.path(), ignored);
    }
  }
}

// True when the RocksDB directory's column families `names` hold no key at all.
bool HoldsNoData(const std::string& path, const std::vector<std::string>& names) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  rocksdb::DBOptions options;
  options.info_log = std::make_shared<SilentLogger>();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(options, path, descriptors, &handles, &raw).ok()) return false;
  bool empty = true;
  for (auto* handle : handles) {
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator({}, handle));
    it->SeekToFirst();
    empty = empty && !it->Valid() && it->status().ok();
  }
  for (auto* handle : handles) raw->DestroyColumnFamilyHandle(handle);
  delete raw;
  return empty;
}

}  // namespace

std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilyDescriptors() {
  auto cache = rocksdb::NewLRUCache(64 << 20);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kCfCount; ++i) {
    descriptors.emplace_back(kCfNames[i], CfOptions(static_cast<Cf>(i), cache));
  }
  return descriptors;
}

rocksdb::DBOptions BaseDbOptions() {
  rocksdb::DBOptions options;
  options.max_background_jobs = 2;
  options.bytes_per_sync = 1 << 20;
  options.max_total_wal_size = 512 << 20;
  // RocksDB's own LOG file is not kept: writing it on a full disk aborts
  // inside RocksDB, and Cairn reports every error it acts on itself.
  options.info_log = std::make_shared<SilentLogger>();
  // Recovery may drop only a torn tail (the unsynced end of a crash). The
  // default, point-in-time recovery, would stop at the first damaged record
  // and drop every acknowledged event after it without a word.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  return options;
}

Status FromRocks(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return OkStatus();
  std::string message = std::string(what) + ": " + status.ToString();
  if (status.IsCorruption()) return DataLossError(message);
  if (status.IsNoSpace() || status.ToString().find("No space left") != std::string::npos) {
    return ResourceExhaustedError(message);
  }
  if (status.IsNotFound()) return NotFoundError(message);
  if (status.IsIOError() || status.IsBusy() || status.IsTimedOut() || status.IsTryAgain()) {
    return UnavailableError(message);
  }
  return InternalError(message);
}

Status DescribeWalDamage(const std::string& path, Status error) {
  if (error.code() != StatusCode::kDataLoss) return error;
  std::optional<WalDamage> damage = FindWalDamage(path);
  if (!damage) return error;
  return DataLossError(path + ": the write-ahead log " + damage->ToString() +
                       "; the events from there on cannot be read. Nothing was changed. "
                       "`cairn repair` shows what would be lost; `cairn repair --accept-loss` drops it");
}

RocksDbEventStore::RocksDbEventStore(std::string path, const StoreOptions& options, bool read_only)
    : path_(std::move(path)),
      options_(options),
      clock_(options.clock ? *options.clock : SystemClock()),
      read_only_(read_only) {
  write_options_.sync = options.durability == Durability::kSync;
}

RocksDbEventStore::~RocksDbEventStore() { Close(); }

Result<std::unique_ptr<EventStore>> RocksDbEventStore::OpenForWriting(std::string_view path,
                                                                      const StoreOptions& options) {
  std::unique_ptr<RocksDbEventStore> store(new RocksDbEventStore(std::string(path), options, false));
  std::error_code error;
  fs::create_directories(store->path_, error);
  if (error) {
    return UnavailableError("cannot create the data dir " + store->path_ + ": " + error.message());
  }
  auto lock = LockFile::Acquire(store->path_ + "/cairn.lock", options.lock_wait);
  if (!lock.ok()) return UnavailableError(store->path_ + ": " + lock.status().message());
  store->lock_ = std::move(lock).value();
  const bool fresh = !HasStore(store->path_);
  if (fresh) {
    if (std::string found = StoreFilesIn(store->path_); !found.empty()) {
      return DataLossError(store->path_ + " has no CURRENT file but holds store files (" + found +
                           "): it is a damaged store, not an empty folder; nothing was written");
    }
  }
  CAIRN_RETURN_IF_ERROR(store->OpenDb());
  CAIRN_RETURN_IF_ERROR(store->LoadMeta(fresh));
  store->StartSyncer();
  store->writer_ = std::thread([s = store.get()] { s->WriterLoop(); });
  NameThread(store->writer_, "cairn-writer");
  return std::unique_ptr<EventStore>(std::move(store));
}

Result<std::unique_ptr<EventStore>> RocksDbEventStore::OpenForReading(std::string_view path) {
  std::unique_ptr<RocksDbEventStore> store(new RocksDbEventStore(std::string(path), {}, true));
  if (!HasStore(store->path_)) {
    if (std::string found = StoreFilesIn(store->path_); !found.empty()) {
      return DataLossError(store->path_ + " has no CURRENT file but holds store files (" + found + ")");
    }
    return NotFoundError("no Cairn store in " + store->path_);
  }
  RemoveStaleReaderFolders();
  // A secondary instance keeps its own small state in a private folder named
  // after this process, so that a later reader can tell when it is stale.
  std::string secondary = (fs::temp_directory_path() /
                           (std::string(kReaderPrefix) + std::to_string(getpid()) + "-XXXXXX")).string();
  if (mkdtemp(secondary.data()) == nullptr) {
    return UnavailableError("cannot create a folder for the read-only instance: " +
                            std::string(std::strerror(errno)));
  }
  store->secondary_path_ = secondary;
  // Watched before the open's first catch-up, so that no later commit goes unseen.
  store->watch_ = std::make_unique<DirectoryWatch>(store->path_);
  CAIRN_RETURN_IF_ERROR(store->OpenDb());
  CAIRN_RETURN_IF_ERROR(store->LoadMeta(false));
  return std::unique_ptr<EventStore>(std::move(store));
}

Status RocksDbEventStore::OpenDb() {
  rocksdb::DBOptions options = BaseDbOptions();
  if (!read_only_) {
    std::vector<std::string> existing;
    if (HasStore(path_)) {
      CAIRN_RETURN_IF_ERROR(
          FromRocks(rocksdb::DB::ListColumnFamilies(options, path_, &existing), "cannot read " + path_));
      for (const char* name : kCfNames) {
        // A writer killed while it created the store leaves some families and no data: finish the creation.
        if (std::find(existing.begin(), existing.end(), name) == existing.end() && !HoldsNoData(path_, existing)) {
          return InvalidArgumentError(path_ + " is not a Cairn data dir (no column family " + name + ")");
        }
      }
    }
    options.create_if_missing = true;
    options.create_missing_column_families = true;
  } else {
    options.max_open_files = -1;  // required for a secondary instance
  }
  rocksdb::DB* db = nullptr;
  rocksdb::Status status =
      read_only_ ? rocksdb::DB::OpenAsSecondary(options, path_, secondary_path_, ColumnFamilyDescriptors(),
                                                &handles_, &db)
                 : rocksdb::DB::Open(options, path_, ColumnFamilyDescriptors(), &handles_, &db);
  if (!status.ok()) return DescribeWalDamage(path_, FromRocks(status, "cannot open " + path_));
  db_.reset(db);
  return OkStatus();
}

Status RocksDbEventStore::LoadMeta(bool fresh) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> format, GetValue(kMetaCf, kFormatVersionKey));
  if (!format) {
    // Written right after the families are created: without it, only a store
    // whose creation never finished, and so holds nothing, may go on.
    std::unique_ptr<rocksdb::Iterator> events(db_->NewIterator({}, cf(kEventsCf)));
    events->SeekToFirst();
    if (!fresh && (events->Valid() || head_ != 0 || ReadHeadFromMeta(nullptr) != 0)) {
      return DataLossError(path_ + " has no store format version");
    }
    CAIRN_RETURN_IF_ERROR(PutMeta(kMetaCf, kFormatVersionKey, kFormatVersion));
  } else if (*format != kFormatVersion) {
    return InvalidArgumentError(path_ + " has store format version " + *format +
                                   "; this Cairn reads version " + std::string(kFormatVersion));
  }
  head_ = written_head_ = ReadHeadFromMeta(&chain_head_);
  if (chain_head_.empty()) chain_head_.assign(kChainHashBytes, '\0');
  return OkStatus();
}

void RocksDbEventStore::MergeSmallFiles() {
  // Each close flushes every family's memtable into a small file. Files whose
  // keys do not overlap are moved down a level as they are, never merged, so
  // a writer that lives for one `cairn append` would leave files without end:
  // once a family holds enough small files below level 0, merge them.
  constexpr uint64_t kSmallFileBytes = 1 << 20;
  constexpr size_t kMaxSmallFiles = 8;
  for (auto* handle : handles_) {
    rocksdb::ColumnFamilyMetaData family;
    db_->GetColumnFamilyMetaData(handle, &family);
    std::vector<const rocksdb::SstFileMetaData*> small;
    for (const auto& level : family.levels) {
      for (const auto& file : level.files) {
        if (level.level > 0 && file.size < kSmallFileBytes) small.push_back(&file);
      }
    }
    if (small.size() < kMaxSmallFiles) continue;
    std::string begin = small.front()->smallestkey, end = small.front()->largestkey;
    for (const auto* file : small) {
      begin = std::min(begin, file->smallestkey);
      end = std::max(end, file->largestkey);
    }
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    rocksdb::Slice from(begin), to(end);
    db_->CompactRange(options, handle, &from, &to);  // best effort: a failure leaves the files as they were
  }
}

void RocksDbEventStore::Close() {
  {
    std::lock_guard lock(follow_mu_);
    stop_following_ = true;
  }
  follow_cv_.notify_all();
  if (follower_.joinable()) follower_.join();
  if (writer_.joinable()) {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    writer_.join();
  }
  StopSyncer();  // after the writer: the groups it wrote are synced and completed
  waiters_.Close(head_.load());  // after the last commit: nobody waits on a closed store
  if (db_) {
    if (!read_only_) {
      // A clean close leaves no log to replay on the next open, and no pile
      // of level-0 files for the next writer to open.
      db_->Flush(rocksdb::FlushOptions(), handles_);
      MergeSmallFiles();
    }
    for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
    handles_.clear();
    db_->Close();
    db_.reset();
  }
  if (!secondary_path_.empty()) {
    std::error_code ignored;
    fs::remove_all(secondary_path_, ignored);
  }
}

}  // namespace cairn::internal

namespace cairn {

Result<std::unique_ptr<EventStore>> OpenEventStore(std::string_view path, const StoreOptions& options) {
  return internal::RocksDbEventStore::OpenForWriting(path, options);
}

Result<std::unique_ptr<EventStore>> OpenEventStoreForReading(std::string_view path) {
  return internal::RocksDbEventStore::OpenForReading(path);
}

}  // namespace cairn
