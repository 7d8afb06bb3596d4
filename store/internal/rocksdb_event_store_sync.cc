// The syncer: with Sync durability the writer writes each group to the log
// without syncing and hands it here. The syncer syncs the log once for every
// group written meanwhile (RocksDB's SyncWAL does not hold up writes), then
// publishes the head and completes the appends, so that the next group is
// planned and written while the last one syncs. An append is never
// completed, and `$all` and category readers never see an event, before the
// sync that made it durable.
#include "store/internal/elapsed.h"
#include "store/internal/rocksdb_event_store.h"
#include "store/thread_name.h"

namespace cairn::internal {

void RocksDbEventStore::StartSyncer() {
  if (!pipelined()) return;
  unsynced_options_ = write_options_;
  unsynced_options_.sync = false;
  syncer_ = std::thread([this] { SyncerLoop(); });
  NameThread(syncer_, "cairn-syncer");
}

void RocksDbEventStore::HandToSyncer(std::vector<AppendJob*> jobs) {
  {
    std::lock_guard lock(sync_mu_);
    written_.push_back({std::move(jobs), written_head_});
  }
  sync_cv_.notify_one();
}

void RocksDbEventStore::SyncerLoop() {
  std::vector<WrittenGroup> groups;
  for (;;) {
    {
      std::unique_lock lock(sync_mu_);
      sync_cv_.wait(lock, [&] { return stop_syncing_ || !written_.empty(); });
      if (written_.empty()) return;  // stopping, and every group is done
      groups.swap(written_);
    }
    // Heads only grow: the last group's covers the others. A group that
    // wrote nothing (duplicates, refusals) still waits for the groups before it.
    const uint64_t head = groups.back().head;
    Status synced;
    if (head > head_.load(std::memory_order_acquire)) {
      {
        const AddElapsed timed(log_sync_nanos_);
        synced = FromRocks(db_->SyncWAL(), "sync of the log failed");
      }
      log_syncs_.fetch_add(1, std::memory_order_relaxed);
    }
    if (synced.ok()) {
      Publish(head);
    } else {
      // What was written may or may not survive; nothing more is appended
      // on top of it until the store is opened again.
      synced = UnavailableError(synced.message() + "; reopen the store");
      std::lock_guard lock(queue_mu_);
      broken_ = synced;
    }
    for (WrittenGroup& group : groups) {
      for (AppendJob* job : group.jobs) {
        if (!synced.ok() && job->result.ok()) job->result = synced;
        Finish(job);
      }
    }
    {
      std::lock_guard lock(queue_mu_);
      unsynced_groups_ -= groups.size();
    }
    groups.clear();
  }
}

void RocksDbEventStore::StopSyncer() {
  if (!syncer_.joinable()) return;
  {
    std::lock_guard lock(sync_mu_);
    stop_syncing_ = true;
  }
  sync_cv_.notify_all();
  syncer_.join();
}

}  // namespace cairn::internal
