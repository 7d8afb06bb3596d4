// The records a benchmark writes: 200-byte JSON payloads over 1,000 streams
// of one category, each event with its own id, as a client would send them.
#ifndef CAIRN_BENCH_WORKLOAD_H_
#define CAIRN_BENCH_WORKLOAD_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/event_store.h"

namespace cairn::bench {

inline constexpr int kStreams = 1000;
inline constexpr size_t kPayloadBytes = 200;

struct Workload {
  std::vector<std::string> streams;  // stream of event i
  std::vector<EventData> events;
};

Workload MakeWorkload(uint64_t events);

// Appends events begin, begin + stride, ... (below end) of `workload` in
// appends of `batch` events; events of one stream in a batch share one StreamAppend.
Status AppendWorkload(EventStore& store, const Workload& workload, uint64_t begin, uint64_t end, int batch,
                      int stride);

// Calls `send(i)` for i in [0, rate * seconds), `rate` times per second.
template <typename Send>
void Paced(int rate, int seconds, Send send) {
  const auto start = std::chrono::steady_clock::now();
  const int total = rate * seconds;
  for (int i = 0; i < total; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(static_cast<int64_t>(i) * 1000000 / rate));
    send(i);
  }
}

// Calls issue(i, done) for i in [0, total) with `in_flight` outstanding, the
// way a service's handlers work: this thread issues the first `in_flight`,
// and each completion issues the next one on the thread that completed it,
// with no hop through this thread. The operation calls done(ok) once, from
// any thread, and may call it inside issue() (a refusal): the loop that
// called issue() then goes on, instead of recursing. Returns when every one
// is done, with the number that failed.
template <typename Issue>
uint64_t KeepInFlight(uint64_t total, int in_flight, Issue issue) {
  if (total == 0) return 0;
  // Completions inside issue() on this thread, for its loop to count.
  thread_local uint64_t* completed_inside = nullptr;
  std::atomic<uint64_t> next{0}, finished{0}, failures{0};
  std::promise<void> all_done;
  std::function<void(bool)> done;
  // Issues `issues` operations, and one more for each that completes inside
  // issue(); then counts `completed` and those, the last thing it touches.
  auto issue_and_count = [&](uint64_t issues, uint64_t completed) {
    uint64_t inside = 0;
    completed_inside = &inside;
    for (uint64_t k = 0; k < issues + inside; ++k) {
      if (const uint64_t i = next.fetch_add(1); i < total) issue(i, done);
    }
    completed_inside = nullptr;
    completed += inside;
    if (completed > 0 && finished.fetch_add(completed) + completed == total) all_done.set_value();
  };
  done = [&](bool ok) {
    if (!ok) failures.fetch_add(1, std::memory_order_relaxed);
    if (completed_inside) {
      ++*completed_inside;
      return;
    }
    issue_and_count(1, 1);
  };
  issue_and_count(static_cast<uint64_t>(in_flight), 0);
  all_done.get_future().wait();
  return failures.load();
}

// Latency percentiles, in the unit of the values given; zeros when none.
struct LatencyPercentiles {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0;
};
LatencyPercentiles Percentiles(std::vector<double> values);

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
