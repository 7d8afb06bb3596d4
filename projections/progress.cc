#include "projections/progress.h"

#include <filesystem>

#include "projections/database.h"
#include "projections/internal/feed.h"

namespace cairn::projections {

bool ReadModelProgress::kafka_fed() const { return internal::IsKafkaFeed(feed); }

Result<ReadModelProgress> LoadProgress(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return NotFoundError("read model " + path + " was never built");
  CAIRN_ASSIGN_OR_RETURN(auto db, Database::OpenReadOnly(path));
  ReadModelProgress progress;
  CAIRN_ASSIGN_OR_RETURN(progress.feed, internal::LoadFeed(*db));
  if (progress.feed.empty()) return NotFoundError("read model " + path + " was never built");
  if (progress.kafka_fed()) {
    CAIRN_ASSIGN_OR_RETURN(Statement offsets,
                           db->Prepare("SELECT topic, partition, next_offset FROM cairn_offsets ORDER BY topic, partition"));
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(bool row, offsets.Step());
      if (!row) break;
      progress.offsets.push_back({offsets.Text(0), static_cast<int32_t>(offsets.Int(1)), offsets.Int(2)});
    }
  } else {
    CAIRN_ASSIGN_OR_RETURN(Statement checkpoint, db->Prepare("SELECT max(position) FROM cairn_checkpoint"));
    CAIRN_RETURN_IF_ERROR(checkpoint.Step().status());
    progress.checkpoint = static_cast<uint64_t>(checkpoint.Int(0));
  }
  CAIRN_ASSIGN_OR_RETURN(Statement parked, db->Prepare("SELECT count(*) FROM cairn_parked"));
  CAIRN_RETURN_IF_ERROR(parked.Step().status());
  progress.parked = static_cast<uint64_t>(parked.Int(0));
  return progress;
}

}  // namespace cairn::projections
