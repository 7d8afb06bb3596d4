// Rebuild throughput of the commerce read models against raw SQLite
// inserting the same rows with prepared statements, in the same process.
#ifndef CAIRN_BENCH_PROJECTIONS_BENCH_H_
#define CAIRN_BENCH_PROJECTIONS_BENCH_H_

#include <string>

#include "bench/throughput.h"

namespace cairn::bench {

// Appends `events` commerce events (four per order: placed, charged,
// confirmed, notification queued), then rebuilds all five read models.
Result<CaseResult> RunRebuildCase(uint64_t events, const std::string& work_dir);

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_PROJECTIONS_BENCH_H_
