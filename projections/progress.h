// What a read model has applied, as its own feed counts it, read from the
// model's file (beside the runner that writes it): for a store-fed model the
// checkpoint, the last global position applied; for a Kafka-fed one the next
// offset of every partition it holds.
#ifndef CAIRN_PROJECTIONS_PROGRESS_H_
#define CAIRN_PROJECTIONS_PROGRESS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "store/status.h"

namespace cairn::projections {

struct PartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = 0;
};

struct ReadModelProgress {
  std::string feed;         // "store" or "kafka:<group>"
  uint64_t checkpoint = 0;  // store feed only
  std::vector<PartitionOffset> offsets;  // Kafka feed only, by topic and partition
  uint64_t parked = 0;
  bool kafka_fed() const;
};

// NotFound when the model at `path` was never built.
Result<ReadModelProgress> LoadProgress(const std::string& path);

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_PROGRESS_H_
