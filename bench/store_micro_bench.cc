// Micro cases of the store's hot paths. The throughput cases with their raw
// RocksDB baselines are `cairn bench append|replay`.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>

#include "store/event_store.h"

namespace cairn {
namespace {

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cairn-bench-XXXXXX").string();
  return mkdtemp(pattern.data());
}

EventData Event() {
  EventData event;
  event.type = "ItemAdded";
  event.data = "{\"sku\":\"" + std::string(188, 'x') + "\"}";
  return event;
}

void BM_UuidRandom(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Uuid::Random());
}
BENCHMARK(BM_UuidRandom);

void BM_MemoryStoreAppend(benchmark::State& state) {
  auto store = NewMemoryEventStore();
  uint64_t i = 0;
  for (auto _ : state) {
    auto result = store->Append("bench-" + std::to_string(i++ % 1000), ExpectedVersion::Any(), {Event()});
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_MemoryStoreAppend);

// One event per append, no fsync: the cost of the writer hand-off, encoding,
// hashing and the index entries.
void BM_RocksDbBufferedAppend(benchmark::State& state) {
  const std::string dir = MakeTempDir();
  {
    auto store = OpenEventStore(dir, {.durability = Durability::kBuffered});
    uint64_t i = 0;
    for (auto _ : state) {
      auto result = (*store)->Append("bench-" + std::to_string(i++ % 1000), ExpectedVersion::Any(), {Event()});
      benchmark::DoNotOptimize(result);
    }
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RocksDbBufferedAppend);

// Reading and decoding one page of `$all`.
void BM_RocksDbReadAllPage(benchmark::State& state) {
  const std::string dir = MakeTempDir();
  {
    auto store = OpenEventStore(dir, {.durability = Durability::kBuffered});
    std::vector<StreamAppend> appends(1);
    appends[0].stream = "bench-1";
    appends[0].events.assign(1024, Event());
    for (int i = 0; i < 8; ++i) (void)(*store)->Append(appends);
    for (auto _ : state) {
      auto page = (*store)->ReadAll(1 + (state.iterations() % 7) * 1024, 1024);
      benchmark::DoNotOptimize(page);
    }
    state.SetItemsProcessed(state.iterations() * 1024);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RocksDbReadAllPage);

}  // namespace
}  // namespace cairn
