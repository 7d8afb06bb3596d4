// Micro cases of the store's hot paths, each next to its raw RocksDB
// counterpart run in the same process. The throughput cases with ratios are
// `cairn bench append|replay`.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>

#include "bench/workload.h"
#include "store/event_store.h"

namespace cairn {
namespace {

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cairn-bench-XXXXXX").string();
  return mkdtemp(pattern.data());
}

// One event per write, no fsync: the raw write of the same keys, then Cairn's
// append with the hand-off, encoding, hashing and the index entries.
void BM_BufferedAppend_RawRocksDb(benchmark::State& state) {
  const std::string dir = MakeTempDir();
  const bench::Workload workload = bench::MakeWorkload(state.range(0));
  double rate = 0;
  for (auto _ : state) {
    rate = bench::RunRawBaseline(workload, {.sync = false, .batch = 1}, dir);
  }
  state.counters["events_per_s"] = rate;
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_BufferedAppend_RawRocksDb)->Iterations(1)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_BufferedAppend_Cairn(benchmark::State& state) {
  const std::string dir = MakeTempDir();
  const bench::Workload workload = bench::MakeWorkload(100000);
  {
    auto store = OpenEventStore(dir, {.durability = Durability::kBuffered});
    uint64_t i = 0;
    for (auto _ : state) {
      auto result = (*store)->Append(workload.streams[i % 100000], ExpectedVersion::Any(),
                                     {workload.events[i % 100000]});
      ++i;
      benchmark::DoNotOptimize(result);
    }
    state.counters["events_per_s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_BufferedAppend_Cairn)->Iterations(100000)->Unit(benchmark::kMillisecond);

// Reading one page of 1,024 events: a raw scan, then ReadAll with decoding.
void BM_ReadPage(benchmark::State& state, bool raw) {
  const std::string dir = MakeTempDir();
  {
    auto store = OpenEventStore(dir, {.durability = Durability::kBuffered});
    std::vector<StreamAppend> appends(1);
    appends[0].stream = "bench-1";
    appends[0].events.assign(1024, bench::MakeWorkload(1).events[0]);
    for (auto& event : appends[0].events) event.event_id = std::nullopt;
    for (int i = 0; i < 64; ++i) (void)(*store)->Append(appends);
  }
  if (raw) {
    for (auto _ : state) {
      uint64_t records = 0;
      bench::RunRawScan(dir, &records);
      benchmark::DoNotOptimize(records);
    }
    state.SetItemsProcessed(state.iterations() * 64 * 1024);
  } else {
    auto store = OpenEventStoreForReading(dir);
    for (auto _ : state) {
      for (uint64_t next = 1; next <= 64 * 1024; next += 1024) {
        auto page = (*store)->ReadAll(next, 1024);
        benchmark::DoNotOptimize(page);
      }
    }
    state.SetItemsProcessed(state.iterations() * 64 * 1024);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK_CAPTURE(BM_ReadPage, RawRocksDbScan, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ReadPage, CairnReadAll, false)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn
