// Opening and closing the RocksDB store: the lock, column families, tuning for
// an append-heavy log, and the store format version.
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <stdlib.h>

#include <filesystem>

#include "store/internal/keys.h"
#include "store/internal/record_codec.h"
#include "store/internal/rocksdb_event_store.h"

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
  // Point lookups (idempotence, stream heads) mostly miss or hit one key: a
  // Bloom filter answers a miss without reading a block.
  if (which == kEventIdsCf || which == kStreamHeadsCf) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Every append with client event ids looks each id up, and almost every
  // lookup misses: a memtable Bloom filter answers those without a skiplist search.
  if (which == kEventIdsCf) {
    options.memtable_whole_key_filtering = true;
    options.memtable_prefix_bloom_size_ratio = 0.05;
  }
  options.compression = rocksdb::kLZ4Compression;
  // `events` takes all the payload bytes: a larger memtable means fewer flushes.
  options.write_buffer_size = which == kEventsCf ? (64 << 20) : (16 << 20);
  options.max_write_buffer_number = 4;
  return options;
}

std::vector<rocksdb::ColumnFamilyDescriptor> Descriptors() {
  auto cache = rocksdb::NewLRUCache(64 << 20);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kCfCount; ++i) {
    descriptors.emplace_back(kCfNames[i], CfOptions(static_cast<Cf>(i), cache));
  }
  return descriptors;
}

bool HasStore(const std::string& path) { return fs::exists(fs::path(path) / "CURRENT"); }

}  // namespace

Status FromRocks(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return OkStatus();
  std::string message = std::string(what) + ": " + status.ToString();
  if (status.IsCorruption()) return DataLossError(message);
  if (status.IsNotFound()) return NotFoundError(message);
  if (status.IsIOError() || status.IsBusy() || status.IsTimedOut() || status.IsTryAgain()) {
    return UnavailableError(message);
  }
  return InternalError(message);
}

RocksDbEventStore::RocksDbEventStore(std::string path, const StoreOptions& options, bool read_only)
    : path_(std::move(path)), options_(options), read_only_(read_only) {
  write_options_.sync = options.durability == Durability::kSync;
}

RocksDbEventStore::~RocksDbEventStore() { Close(); }

Result<std::unique_ptr<EventStore>> RocksDbEventStore::OpenForWriting(std::string_view path,
                                                                      const StoreOptions& options) {
  std::unique_ptr<RocksDbEventStore> store(new RocksDbEventStore(std::string(path), options, false));
  std::error_code error;
  fs::create_directories(store->path_, error);
  if (error) {
    return FailedPreconditionError("cannot create data dir " + store->path_ + ": " + error.message());
  }
  auto lock = LockFile::Acquire(store->path_ + "/cairn.lock");
  if (!lock.ok()) {
    return FailedPreconditionError(store->path_ + ": data dir is " + lock.status().message());
  }
  store->lock_ = std::move(lock).value();
  const bool fresh = !HasStore(store->path_);
  CAIRN_RETURN_IF_ERROR(store->OpenDb());
  CAIRN_RETURN_IF_ERROR(store->LoadMeta(fresh));
  store->writer_ = std::thread([s = store.get()] { s->WriterLoop(); });
  return std::unique_ptr<EventStore>(std::move(store));
}

Result<std::unique_ptr<EventStore>> RocksDbEventStore::OpenForReading(std::string_view path) {
  std::unique_ptr<RocksDbEventStore> store(new RocksDbEventStore(std::string(path), {}, true));
  if (!HasStore(store->path_)) {
    return FailedPreconditionError("no Cairn store in " + store->path_);
  }
  // A secondary instance keeps its own small info log in a private folder.
  std::string secondary = (fs::temp_directory_path() / "cairn-reader-XXXXXX").string();
  if (mkdtemp(secondary.data()) == nullptr) {
    return FailedPreconditionError("cannot create a folder for the read-only instance");
  }
  store->secondary_path_ = secondary;
  CAIRN_RETURN_IF_ERROR(store->OpenDb());
  CAIRN_RETURN_IF_ERROR(store->LoadMeta(false));
  return std::unique_ptr<EventStore>(std::move(store));
}

Status RocksDbEventStore::OpenDb() {
  rocksdb::DBOptions options;
  options.max_background_jobs = 2;
  options.bytes_per_sync = 1 << 20;
  options.max_total_wal_size = 512 << 20;
  options.keep_log_file_num = 3;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  if (!read_only_) {
    std::vector<std::string> existing;
    if (HasStore(path_)) {
      CAIRN_RETURN_IF_ERROR(
          FromRocks(rocksdb::DB::ListColumnFamilies(options, path_, &existing), "cannot read " + path_));
      for (const char* name : kCfNames) {
        if (std::find(existing.begin(), existing.end(), name) == existing.end()) {
          return FailedPreconditionError(path_ + " is not a Cairn data dir (no column family " + name + ")");
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
      read_only_ ? rocksdb::DB::OpenAsSecondary(options, path_, secondary_path_, Descriptors(), &handles_, &db)
                 : rocksdb::DB::Open(options, path_, Descriptors(), &handles_, &db);
  if (!status.ok()) {
    Status error = FromRocks(status, "cannot open " + path_);
    return error.code() == StatusCode::kDataLoss ? error : FailedPreconditionError(error.message());
  }
  db_.reset(db);
  return OkStatus();
}

Status RocksDbEventStore::LoadMeta(bool fresh) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> format, GetValue(kMetaCf, kFormatVersionKey));
  if (!format) {
    if (!fresh) return FailedPreconditionError(path_ + " has no store format version");
    CAIRN_RETURN_IF_ERROR(PutMeta(kMetaCf, kFormatVersionKey, kFormatVersion));
  } else if (*format != kFormatVersion) {
    return FailedPreconditionError(path_ + " has store format version " + *format +
                                   "; this Cairn reads version " + std::string(kFormatVersion));
  }
  head_ = ReadHeadFromMeta(&chain_head_);
  if (chain_head_.empty()) chain_head_.assign(kChainHashBytes, '\0');
  return OkStatus();
}

void RocksDbEventStore::Close() {
  if (writer_.joinable()) {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    writer_.join();
  }
  if (db_) {
    // A clean close leaves no log to replay on the next open.
    if (!read_only_) db_->Flush(rocksdb::FlushOptions(), handles_);
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
