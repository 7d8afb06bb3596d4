// The records a benchmark writes: 200-byte JSON payloads over 1,000 streams
// of one category, each event with its own id, as a client would send them.
#ifndef CAIRN_BENCH_WORKLOAD_H_
#define CAIRN_BENCH_WORKLOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "store/event.h"

namespace cairn::bench {

inline constexpr int kStreams = 1000;
inline constexpr size_t kPayloadBytes = 200;

struct Workload {
  std::vector<std::string> streams;  // stream of event i
  std::vector<EventData> events;
};

Workload MakeWorkload(uint64_t events);

// The raw RocksDB baseline: the keys and values Cairn would write for the
// same events (DESIGN.md's layout), written in batches of `batch` events from
// one thread. Returns events per second.
struct BaselineOptions {
  bool sync = true;
  int batch = 1;
};
double RunRawBaseline(const Workload& workload, const BaselineOptions& options, const std::string& dir);

// A raw forward scan of the `events` column family in a Cairn data dir.
// Returns records per second.
double RunRawScan(const std::string& data_dir, uint64_t* records);

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_WORKLOAD_H_
