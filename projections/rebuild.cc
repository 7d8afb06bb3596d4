#include "projections/rebuild.h"

#include <chrono>
#include <filesystem>
#include <memory>

#include "projections/internal/apply_batch.h"
#include "projections/read_model_file.h"

namespace cairn::projections {
namespace {

constexpr std::string_view kBulkLoad = "PRAGMA journal_mode=MEMORY; PRAGMA cache_size=-65536";

struct Target {
  Projector* projector;
  ReadModelFile file;
  int generation;
  std::unique_ptr<Database> db;
  std::set<std::string> types;
  uint64_t checkpoint = 0;
};

}  // namespace

Status Rebuild(EventStore& store, const std::vector<Projector*>& projectors, const std::string& directory,
               const RebuildOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return UnavailableError("cannot create " + directory + ": " + error.message());
  std::vector<Target> targets;
  for (Projector* projector : projectors) {
    ReadModelFile file(directory, projector->name());
    const int generation = file.current() + 1;
    file.RemoveGeneration(generation);  // leftovers of a rebuild that did not finish
    Target& target = targets.emplace_back(Target{projector, file, generation, nullptr, projector->event_types()});
    CAIRN_ASSIGN_OR_RETURN(target.db, Database::Open(file.generation_path(generation), Durability::kOff));
    // Nobody reads this file before the swap: a bulk load with the rollback
    // journal in memory and a large page cache; WAL and syncing come back at the end.
    CAIRN_RETURN_IF_ERROR(target.db->Exec(kBulkLoad));
    CAIRN_RETURN_IF_ERROR(internal::Migrate(*target.db, *projector));
  }
  const auto start = std::chrono::steady_clock::now();
  const internal::BatchPolicy park_on_failure{0, false};
  uint64_t next = 1;
  for (;;) {
    const uint64_t head = store.HeadPosition();
    if (next > head) break;  // caught up with the head as it is now
    CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> page, store.ReadAll(next, options.page_size));
    if (page.empty()) break;
    for (Target& target : targets) {
      internal::BatchOutcome outcome;
      CAIRN_RETURN_IF_ERROR(internal::ApplyBatch(*target.db, *target.projector, target.types, page, target.checkpoint,
                                                 park_on_failure, outcome));
      target.checkpoint = outcome.checkpoint;
    }
    next = page.back().position + 1;
    if (options.progress) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      options.progress({next - 1, std::max(head, next - 1), seconds > 0 ? (next - 1) / seconds : 0});
    }
  }
  for (Target& target : targets) {
    // Back to WAL, then one sync for the whole build (the checkpoint syncs
    // the database file), then the swap.
    CAIRN_RETURN_IF_ERROR(target.db->Exec("PRAGMA journal_mode=WAL"));
    CAIRN_RETURN_IF_ERROR(target.db->SetDurability(Durability::kFull));
    CAIRN_RETURN_IF_ERROR(target.db->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    target.db.reset();
    CAIRN_RETURN_IF_ERROR(target.file.SwapTo(target.generation));
  }
  return OkStatus();
}

}  // namespace cairn::projections
