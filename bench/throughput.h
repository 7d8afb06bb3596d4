// Throughput cases behind `cairn bench`: each runs a raw RocksDB baseline for
// the same records in the same process first, then Cairn, and reports both.
#ifndef CAIRN_BENCH_THROUGHPUT_H_
#define CAIRN_BENCH_THROUGHPUT_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/workload.h"
#include "store/event_store.h"

namespace cairn::bench {

struct AppendCase {
  std::string name;
  Durability durability = Durability::kSync;
  int clients = 1;        // concurrent appending threads
  int batch = 1;          // events per append
  uint64_t events = 2000; // in all
  // > 0: one thread keeps this many asynchronous appends of one event
  // outstanding, instead of `clients` threads appending.
  int in_flight = 0;
};

struct CaseResult {
  std::string name;
  std::string durability;  // "sync" or "buffered"
  int clients = 0;
  int batch = 0;
  int in_flight = 0;
  uint64_t events = 0;
  double baseline_events_per_s = 0;
  double cairn_events_per_s = 0;
  double ratio() const { return baseline_events_per_s > 0 ? cairn_events_per_s / baseline_events_per_s : 0; }
  std::string baseline;  // what the baseline did
  double appends_per_group = 0;  // Cairn's commit groups, on average; 0 when not measured
  double appends_per_sync = 0;   // the same per sync of the log (Sync mode); 0 when none
  double sync_us = 0;            // Cairn's syncs of the log, on average; 0 when none
  double baseline_sync_us = 0;   // the same for a baseline that appends to a store; 0 when none
  // Command cases: the baseline's appends with their completions on the
  // io threads Cairn's commands run on; 0 when not measured.
  double runtime_appends_per_s = 0;
  double commit_busy = 0;           // the share of Cairn's run its store spent writing commit groups
  double baseline_commit_busy = 0;  // the same for a baseline that appends to a store; 0 when none
  // Takes the figures above from the store the case ran on for `seconds`.
  void TakeCommitGroups(EventStore& store, double seconds);
  // In-flight append cases: each append from issued to its callback, in ms;
  // none where the case does not time single appends.
  std::optional<LatencyPercentiles> append_ms;
};

// The cases the README's performance table reports.
std::vector<AppendCase> StandardAppendCases();

// Runs one append case in fresh folders under `work_dir`.
Result<CaseResult> RunAppendCase(const AppendCase& c, const std::string& work_dir);

// Fills a store with `events` events, then replays `$all` with envelope
// decoding against a raw scan of the same column family.
Result<CaseResult> RunReplayCase(uint64_t events, const std::string& work_dir);

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_THROUGHPUT_H_
