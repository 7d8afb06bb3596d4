// Rebuild throughput of the commerce read models against raw SQLite
// inserting the same rows with prepared statements, in the same process.
#ifndef CAIRN_BENCH_PROJECTIONS_BENCH_H_
#define CAIRN_BENCH_PROJECTIONS_BENCH_H_

#include <string>
#include <vector>

#include "bench/throughput.h"

namespace cairn::bench {

// Appends `events` commerce events (four per order: placed, charged,
// confirmed, notification queued), then rebuilds all five read models on
// one thread, and again with a thread per read model.
Result<std::vector<CaseResult>> RunRebuildCases(uint64_t events, const std::string& work_dir);

struct ProjectionLagResult {
  int rate = 0;
  uint64_t events = 0;
  LatencyPercentiles cairn_ms;     // append returned -> row committed in the read model
  LatencyPercentiles baseline_ms;  // raw SQLite: one-row transaction, start to commit
};

// Appends OrderPlaced events at `rate` per second for `seconds` with the
// order_summary runner running, and measures how long each takes to be
// visible to readers of the read model.
Result<ProjectionLagResult> RunProjectionLagCase(int rate, int seconds, const std::string& work_dir);

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_PROJECTIONS_BENCH_H_
