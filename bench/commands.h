// Command handling throughput: PlaceOrder on new streams against appending
// the same events to the store directly, and commands on one hot aggregate
// with and without snapshots.
#ifndef CAIRN_BENCH_COMMANDS_H_
#define CAIRN_BENCH_COMMANDS_H_

#include <string>

#include "bench/throughput.h"

namespace cairn::bench {

// `commands` PlaceOrder commands, each on a new order, from one client. With
// `in_flight`, that many are outstanding through HandleAsync on a Runtime
// whose io_context has `io_threads` threads (0: a node's default), against
// asynchronous appends of the same events, as many in flight; the two
// alternate for a few rounds and each reports its median.
Result<CaseResult> RunPlaceOrderCase(uint64_t commands, Durability durability, const std::string& work_dir,
                                     int in_flight = 0, int io_threads = 0);

// `commands` commands on one order; the baseline runs them without
// snapshots, Cairn with a snapshot every `snapshot_every` events.
Result<CaseResult> RunHotAggregateCase(uint64_t commands, uint64_t snapshot_every, Durability durability,
                                       const std::string& work_dir);

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_COMMANDS_H_
