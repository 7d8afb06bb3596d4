// RocksDbEventStore: the EventStore on RocksDB (DESIGN.md, "The store").
//
// One committer at a time owns positions. An appender that finds nobody
// committing commits its own append at once; otherwise it enqueues a job and
// waits, and the writer thread takes every waiting job, checks expected
// versions against a cache of stream heads kept true across the jobs of the
// group, writes one WriteBatch with one sync, and then completes every job.
// Readers use RocksDB directly.
#ifndef CAIRN_STORE_INTERNAL_ROCKSDB_EVENT_STORE_H_
#define CAIRN_STORE_INTERNAL_ROCKSDB_EVENT_STORE_H_

#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/event_store.h"
#include "store/internal/directory_watch.h"
#include "store/internal/head_waiters.h"
#include "store/internal/record_codec.h"
#include "store/lock_file.h"

namespace cairn::internal {

// Column families, in the order they are opened.
enum Cf : size_t {
  kDefaultCf,
  kEventsCf,
  kStreamsCf,
  kStreamHeadsCf,
  kCategoriesCf,
  kEventIdsCf,
  kCheckpointsCf,
  kSnapshotsCf,
  kSchemasCf,
  kMetaCf,
  kCfCount,
};

Status FromRocks(const rocksdb::Status& status, std::string_view what);
// `error` with the damaged write-ahead log named, when a scan of `path` finds one.
Status DescribeWalDamage(const std::string& path, Status error);
// The options every open of a data dir starts from, and its column families.
rocksdb::DBOptions BaseDbOptions();
std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilyDescriptors();
// rocksdb_event_store_repair.cc; RepairEventStore (event_store.h) verifies after it.
Result<RepairReport> RepairStore(const std::string& path, bool accept_loss);

struct StreamHeadEntry {
  uint64_t last_version = 0;
  uint64_t last_position = 0;
};

class RocksDbEventStore final : public EventStore {
 public:
  ~RocksDbEventStore() override;

  static Result<std::unique_ptr<EventStore>> OpenForWriting(std::string_view path,
                                                            const StoreOptions& options);
  static Result<std::unique_ptr<EventStore>> OpenForReading(std::string_view path);

  using EventStore::Append;
  Result<AppendResult> Append(const std::vector<StreamAppend>& appends) override;
  void AppendAsync(std::vector<StreamAppend> appends, AppendCallback done) override;
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream,
                                                const ReadStreamOptions& options) override;
  Result<std::vector<RecordedEvent>> ReadAll(uint64_t from_position, size_t max_count) override;
  Result<std::vector<std::string>> ReadAllRecords(uint64_t from_position, size_t max_count) override;
  Result<std::vector<RecordedEvent>> ReadCategory(std::string_view category, uint64_t from_position,
                                                  size_t max_count) override;
  Result<RecordedEvent> ReadEvent(const Uuid& event_id) override;
  Result<StreamHeadInfo> GetStreamHead(std::string_view stream) override;
  Result<std::vector<StreamHeadInfo>> ListStreams(std::string_view category, std::string_view after,
                                                  size_t max_count) override;
  uint64_t HeadPosition() override;
  uint64_t WaitForHead(uint64_t position, std::chrono::milliseconds timeout) override;
  void NotifyWhenHeadPasses(uint64_t position, HeadCallback done) override;
  Status SaveCheckpoint(std::string_view name, const Checkpoint& checkpoint) override;
  Result<std::optional<Checkpoint>> LoadCheckpoint(std::string_view name) override;
  Status SaveSnapshot(std::string_view stream, const Snapshot& snapshot) override;
  Result<std::optional<Snapshot>> LoadSnapshot(std::string_view stream) override;
  Status DeleteSnapshot(std::string_view stream) override;
  Status SaveSchema(std::string_view type_name, std::string_view descriptor_set) override;
  Result<std::optional<std::string>> LoadSchema(std::string_view type_name) override;
  Result<StoreStats> Stats() override;
  Result<VerifyReport> Verify(const VerifyOptions& options) override;

 private:
  friend class GroupState;
  // Wakes one waiting appender. Not std::binary_semaphore: libstdc++'s spins
  // with sched_yield before it sleeps, and 64 spinning appenders starve the
  // committer of the 2 cores it shares with them.
  class Completion {
   public:
    void Signal() {
      std::lock_guard lock(mu_);
      done_ = true;
      cv_.notify_one();
    }
    void Wait() {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return done_; });
    }

   private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;
  };

  // A queued append. A synchronous one waits on `done` and points at the
  // caller's appends; an asynchronous one owns its appends, lives on the heap
  // and is finished by calling `callback`.
  struct AppendJob {
    const std::vector<StreamAppend>* appends;
    size_t bytes = 0;
    Result<AppendResult> result{InternalError("append was not run")};
    Completion done;
    std::vector<StreamAppend> owned;
    AppendCallback callback;
  };
  // Hands a committed job its result: wakes its waiter or calls its callback.
  static void Finish(AppendJob* job);

  RocksDbEventStore(std::string path, const StoreOptions& options, bool read_only);

  // rocksdb_event_store_open.cc
  Status OpenDb();
  Status LoadMeta(bool fresh);
  void MergeSmallFiles();
  void Close();

  // rocksdb_event_store_write.cc
  void WriterLoop();
  // Plans and writes one group with `options`; false when it wrote nothing.
  // Moves written_head_, chain_head_ and head_cache_, not the head readers see.
  bool CommitGroup(std::vector<AppendJob*>& jobs, const rocksdb::WriteOptions& options);
  // The head readers see moves to `head`: every event up to it is durable.
  void Publish(uint64_t head);

  // rocksdb_event_store_sync.cc
  void StartSyncer();
  void HandToSyncer(std::vector<AppendJob*> jobs);
  void SyncerLoop();
  void StopSyncer();
  Status PutMeta(Cf cf, std::string_view key, std::string_view value);
  Result<std::optional<StreamHeadEntry>> LoadStreamHead(const std::string& stream);

  // rocksdb_event_store_read.cc
  Result<std::optional<std::string>> GetValue(Cf cf, std::string_view key,
                                              const rocksdb::ReadOptions& options = {});
  Result<std::vector<RecordedEvent>> ReadPositions(const std::vector<uint64_t>& positions);
  Status RequireWritable() const;
  uint64_t ReadHeadFromMeta(std::string* chain_head, const rocksdb::ReadOptions& options = {});

  rocksdb::ColumnFamilyHandle* cf(Cf which) const { return handles_[which]; }

  const std::string path_;
  const StoreOptions options_;
  const Clock& clock_;
  const bool read_only_;
  std::string secondary_path_;  // read-only instances only
  std::unique_ptr<cairn::LockFile> lock_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::WriteOptions write_options_;
  // With Sync durability the writer writes groups with these (no sync) and
  // the syncer makes them durable, so that the next group is written while
  // the last one syncs.
  rocksdb::WriteOptions unsynced_options_;
  bool pipelined() const { return write_options_.sync; }

  // The writer's queue.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<AppendJob*> queue_;
  bool stopping_ = false;
  bool committing_ = false;  // a group is being committed, by the writer or an appender
  size_t unsynced_groups_ = 0;  // written, waiting for the syncer: no lone commit meanwhile
  Status broken_;               // a sync failed: every later append fails with it
  std::atomic<uint64_t> commit_groups_{0}, grouped_appends_{0}, commit_nanos_{0}, log_syncs_{0}, log_sync_nanos_{0};
  std::atomic<int> appenders_{0};  // appends in progress
  std::thread writer_;

  // Owned by whoever commits (committing_ hands it over under queue_mu_):
  // the state after the last group written, synced or not.
  ChainHasher hasher_;
  std::string chain_head_;
  uint64_t written_head_ = 0;
  std::unordered_map<std::string, StreamHeadEntry> head_cache_;

  // Groups written and not yet synced, in order; the syncer's.
  struct WrittenGroup {
    std::vector<AppendJob*> jobs;
    uint64_t head = 0;  // written_head_ after the group
  };
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::vector<WrittenGroup> written_;
  bool stop_syncing_ = false;
  std::thread syncer_;

  // The last durable global position (what readers of `$all` and categories
  // see), and a way to wait for it to move.
  std::atomic<uint64_t> head_{0};
  std::mutex head_mu_;
  std::condition_variable head_cv_;
  std::mutex catch_up_mu_;  // read-only instances: one catch-up with the writer at a time
  std::unique_ptr<DirectoryWatch> watch_;  // read-only instances: the writer's files
  HeadWaiters waiters_;
  // Read-only instances: a thread that follows the writer while callbacks wait.
  std::thread follower_;
  std::mutex follow_mu_;
  std::condition_variable follow_cv_;
  bool stop_following_ = false;
  void FollowLoop();
};

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_ROCKSDB_EVENT_STORE_H_
