#include "projections/rebuild.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include "projections/internal/apply_batch.h"
#include "projections/internal/feed.h"
#include "projections/internal/write_scheduler.h"
#include "projections/read_model_file.h"
#include "store/lock_file.h"

namespace cairn::projections {
namespace {

constexpr std::string_view kBulkLoad = "PRAGMA journal_mode=MEMORY; PRAGMA cache_size=-65536";
constexpr size_t kPagesAhead = 4;  // pages read ahead of the slowest read model

// One read model being built in its next generation file.
class Target {
 public:
  Target(Projector& projector, const std::string& directory) : projector_(projector), file_(directory, projector.name()) {}

  ~Target() {
    db_.reset();
    if (!finished_ && generation_ != 0) file_.RemoveGeneration(generation_);  // a failed build leaves nothing
  }

  Status Open() {
    // One rebuild of a read model at a time; it owns the unfinished files.
    CAIRN_ASSIGN_OR_RETURN(rebuild_lock_, LockFile::Acquire(file_.rebuild_lock_path()));
    file_.DiscardUnfinished();
    CAIRN_RETURN_IF_ERROR(LoadFeed());
    generation_ = file_.current() + 1;
    file_.RemoveGeneration(generation_);
    CAIRN_ASSIGN_OR_RETURN(db_, Database::Open(file_.building_path(generation_), Durability::kOff));
    // Nobody reads this file before the swap: a bulk load with the rollback
    // journal in memory and a large page cache; WAL and syncing come back at the end.
    CAIRN_RETURN_IF_ERROR(db_->Exec(kBulkLoad));
    return internal::Migrate(*db_, projector_, feed_);
  }

  Status Apply(const internal::Page& page) {
    internal::BatchPolicy park_on_failure{.retries = 0, .stop_on_poison = false};
    park_on_failure.keep_checkpoint = !kafka_fed();
    internal::BatchOutcome outcome;
    Status applied = internal::ApplyBatch(*db_, projector_, filter_, page, checkpoint_, park_on_failure, outcome);
    if (!applied.ok()) return Status(applied.code(), "read model " + projector_.name() + ": " + applied.message());
    checkpoint_ = outcome.checkpoint;
    if (kafka_fed()) {
      for (const RecordedEvent& event : page) {
        if (filter_.Accepts(event)) versions_[event.stream] = event.version;
      }
    }
    return OkStatus();
  }

  uint64_t checkpoint() const { return checkpoint_; }
  std::string name() const { return projector_.name(); }

  // Back to WAL, then one sync for the whole build (the checkpoint syncs the
  // database file), and closed: ready to swap in.
  Status Seal() {
    CAIRN_RETURN_IF_ERROR(SaveStreamVersions());
    CAIRN_RETURN_IF_ERROR(db_->Exec("PRAGMA journal_mode=WAL"));
    CAIRN_RETURN_IF_ERROR(db_->SetDurability(Durability::kFull));
    CAIRN_RETURN_IF_ERROR(db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    db_.reset();
    return file_.Finish(generation_);
  }

  Status SwapIn() {
    CAIRN_RETURN_IF_ERROR(file_.SwapTo(generation_));
    finished_ = true;
    return OkStatus();
  }

 private:
  bool kafka_fed() const { return internal::IsKafkaFeed(feed_); }

  // A model keeps the feed it has: one fed by Kafka is built from the store
  // and then goes on from Kafka.
  Status LoadFeed() {
    feed_ = internal::kStoreFeed;
    if (file_.current() == 0) return OkStatus();
    auto current = Database::OpenReadOnly(file_.path());
    if (!current.ok()) return OkStatus();  // an unreadable model is replaced by one from the store
    CAIRN_ASSIGN_OR_RETURN(std::string feed, internal::LoadFeed(**current));
    if (!feed.empty()) feed_ = feed;
    return OkStatus();
  }

  // A Kafka-fed model built from the store has no offsets: its runner reads
  // every partition from the start, and these versions drop what it applied.
  Status SaveStreamVersions() {
    if (!kafka_fed()) return OkStatus();
    CAIRN_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
    for (const auto& [stream, version] : versions_) {
      if (Status saved = db_->Run("INSERT OR REPLACE INTO cairn_stream_versions (stream, version) VALUES (?1, ?2)",
                                  stream, static_cast<int64_t>(version));
          !saved.ok()) {
        (void)db_->Exec("ROLLBACK");
        return saved;
      }
    }
    return db_->Exec("COMMIT");
  }

  Projector& projector_;
  ReadModelFile file_;
  const internal::EventFilter filter_{projector_};
  std::unique_ptr<LockFile> rebuild_lock_;
  int generation_ = 0;
  bool finished_ = false;  // swapped in: the files are the read model's now
  std::unique_ptr<Database> db_;
  uint64_t checkpoint_ = 0;
  std::string feed_;
  std::map<std::string, uint64_t> versions_;  // of a Kafka-fed model: the last version applied per stream
};

// Reports how far the rebuild is, when the caller asked.
class Progress {
 public:
  explicit Progress(const RebuildOptions& options) : options_(options) {}
  void Read(uint64_t head) { head_ = std::max(head_, head); }
  void Written(uint64_t done) {
    if (!options_.progress) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    options_.progress({done, head_, seconds > 0 ? done / seconds : 0});
  }

 private:
  const RebuildOptions& options_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  uint64_t head_ = 0;
};

// Reads `$all` up to the head as it is now, a page at a time, until
// `consume` returns false; then reports what `written` says is done.
Status ReadPages(EventStore& store, const RebuildOptions& options, Progress& progress,
                 const std::function<bool(std::shared_ptr<const internal::Page>)>& consume,
                 const std::function<uint64_t()>& written) {
  uint64_t next = 1;
  for (;;) {
    if (options.stop && options.stop()) return UnavailableError("the rebuild was stopped before it finished");
    const uint64_t head = store.HeadPosition();
    if (next > head) break;  // caught up with the head as it is now
    progress.Read(head);
    CAIRN_ASSIGN_OR_RETURN(internal::Page page, store.ReadAll(next, options.page_size));
    if (page.empty()) {
      // A log that ends before its head lost events: a model built from it must not replace a whole one.
      return DataLossError("the log ends at global position " + std::to_string(next - 1) +
                           " but the store head is " + std::to_string(head));
    }
    next = page.back().position + 1;
    progress.Read(next - 1);
    if (!consume(std::make_shared<const internal::Page>(std::move(page)))) break;
    progress.Written(written());
  }
  return OkStatus();
}

Status BuildInline(EventStore& store, std::vector<std::unique_ptr<Target>>& targets, const RebuildOptions& options) {
  Status applied;
  uint64_t written = 0;
  Progress progress(options);
  CAIRN_RETURN_IF_ERROR(ReadPages(
      store, options, progress,
      [&](std::shared_ptr<const internal::Page> page) {
        for (auto& target : targets) {
          applied = target->Apply(*page);
          if (!applied.ok()) return false;
        }
        written = page->back().position;
        return true;
      },
      [&] { return written; }));
  return applied;
}

// The reader stays on the calling thread; `threads` writers write the read
// models (separate SQLite files), each model's pages in order.
Status BuildInParallel(EventStore& store, std::vector<std::unique_ptr<Target>>& targets, size_t threads,
                       const RebuildOptions& options) {
  internal::WriteScheduler scheduler(targets.size(), kPagesAhead);
  std::vector<std::thread> writers;
  for (size_t i = 0; i < threads; ++i) {
    writers.emplace_back([&] {
      scheduler.Work([&](size_t model, const internal::Page& page) { return targets[model]->Apply(page); });
    });
  }
  Progress progress(options);
  Status read = ReadPages(
      store, options, progress,
      [&](std::shared_ptr<const internal::Page> page) { return scheduler.Push(std::move(page)); },
      [&] { return scheduler.written(); });
  if (!read.ok()) scheduler.Fail(read);
  scheduler.Close();
  for (std::thread& writer : writers) writer.join();
  CAIRN_RETURN_IF_ERROR(scheduler.error());
  progress.Written(scheduler.written());  // the pages still queued when reading ended
  return OkStatus();
}

}  // namespace

Status Rebuild(EventStore& store, const std::vector<Projector*>& projectors, const std::string& directory,
               const RebuildOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return UnavailableError("cannot create " + directory + ": " + error.message());
  std::vector<std::unique_ptr<Target>> targets;
  for (Projector* projector : projectors) {
    targets.push_back(std::make_unique<Target>(*projector, directory));
    CAIRN_RETURN_IF_ERROR(targets.back()->Open());
  }
  const size_t threads = std::min<size_t>(
      targets.size(), options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency()));
  CAIRN_RETURN_IF_ERROR(threads > 1 ? BuildInParallel(store, targets, threads, options)
                                    : BuildInline(store, targets, options));
  // Every model is complete and synced before the first one is swapped in.
  for (auto& target : targets) {
    if (Status sealed = target->Seal(); !sealed.ok()) {
      return Status(sealed.code(), "read model " + target->name() + ": " + sealed.message());
    }
  }
  for (auto& target : targets) CAIRN_RETURN_IF_ERROR(target->SwapIn());
  return OkStatus();
}

}  // namespace cairn::projections
