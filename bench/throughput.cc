#include "bench/throughput.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "bench/workload.h"

namespace cairn::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::string DurabilityName(Durability durability) {
  return durability == Durability::kSync ? "sync" : "buffered";
}

// One thread, `in_flight` asynchronous appends of one event outstanding;
// `latencies_ms[i]`: append i from issued to acknowledged.
Status AppendInFlight(EventStore& store, const Workload& workload, uint64_t events, int in_flight,
                      std::vector<double>& latencies_ms) {
  latencies_ms.assign(events, 0);
  const uint64_t failures = KeepInFlight(events, in_flight, [&](uint64_t i, auto& done) {
    std::vector<StreamAppend> appends{StreamAppend{workload.streams[i], ExpectedVersion::Any(), {workload.events[i]}}};
    store.AppendAsync(std::move(appends), [&done, &latencies_ms, i, issued = Clock::now()](Result<AppendResult> result) {
      latencies_ms[i] = std::chrono::duration<double, std::milli>(Clock::now() - issued).count();
      done(result.ok());
    });
  });
  return failures == 0 ? OkStatus() : InternalError(std::to_string(failures) + " appends failed");
}

}  // namespace

void CaseResult::TakeCommitGroups(EventStore& store, double seconds) {
  Result<StoreStats> stats = store.Stats();
  if (!stats.ok() || stats->commit_groups == 0) return;
  appends_per_group = static_cast<double>(stats->grouped_appends) / stats->commit_groups;
  if (seconds > 0) commit_busy = stats->commit_micros / (seconds * 1e6);
  if (stats->log_syncs == 0) return;
  appends_per_sync = static_cast<double>(stats->grouped_appends) / stats->log_syncs;
  sync_us = static_cast<double>(stats->log_sync_micros) / stats->log_syncs;
}

std::vector<AppendCase> StandardAppendCases() {
  return {
      {"durable 1 client x 1 event", Durability::kSync, 1, 1, 3000},
      {"durable 64 clients x 1 event", Durability::kSync, 64, 1, 64000},
      {"durable 64 in flight x 1 event", Durability::kSync, 1, 1, 64000, 64},
      {"durable 256 in flight x 1 event", Durability::kSync, 1, 1, 128000, 256},
      {"buffered 1 client x batch 100", Durability::kBuffered, 1, 100, 300000},
  };
}

Result<CaseResult> RunAppendCase(const AppendCase& c, const std::string& work_dir) {
  if (c.clients < 1 || c.batch < 1 || c.events < static_cast<uint64_t>(c.clients) || c.in_flight < 0) {
    return InvalidArgumentError("a case needs at least one client, a batch of one, and an event per client");
  }
  CaseResult result;
  result.name = c.name;
  result.durability = DurabilityName(c.durability);
  result.clients = c.clients;
  result.batch = c.batch;
  result.in_flight = c.in_flight;
  result.events = c.events;
  const Workload workload = MakeWorkload(c.events);
  const std::string baseline_dir = work_dir + "/baseline";
  const std::string cairn_dir = work_dir + "/cairn";
  fs::remove_all(baseline_dir);
  fs::remove_all(cairn_dir);

  // What a perfect group commit would write: every client's batch in one WriteBatch.
  BaselineOptions baseline{c.durability == Durability::kSync, c.in_flight > 0 ? c.in_flight : c.clients * c.batch};
  result.baseline_events_per_s = RunRawBaseline(workload, baseline, baseline_dir);
  result.baseline = "raw RocksDB, same keys, 1 thread, WriteBatch of " + std::to_string(baseline.batch) +
                    (baseline.sync ? ", sync" : ", no sync");
  fs::remove_all(baseline_dir);
  if (result.baseline_events_per_s <= 0) return InternalError("the raw RocksDB baseline failed");

  StoreOptions options;
  options.durability = c.durability;
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenEventStore(cairn_dir, options));
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  std::vector<double> latencies_ms;
  if (c.in_flight > 0 && !AppendInFlight(*store, workload, c.events, c.in_flight, latencies_ms).ok()) failed = true;
  for (int k = 0; c.in_flight == 0 && k < c.clients; ++k) {
    clients.emplace_back([&, k] {
      if (!AppendWorkload(*store, workload, k, c.events, c.batch, c.clients).ok()) failed = true;
    });
  }
  for (auto& client : clients) client.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.TakeCommitGroups(*store, seconds);
  store.reset();
  fs::remove_all(cairn_dir);
  if (failed) return InternalError("an append failed during the benchmark");
  result.cairn_events_per_s = c.events / seconds;
  if (c.in_flight > 0) result.append_ms = Percentiles(std::move(latencies_ms));
  return result;
}

Result<CaseResult> RunReplayCase(uint64_t events, const std::string& work_dir) {
  CaseResult result;
  result.name = "$all replay with envelope decode";
  result.durability = "-";
  result.clients = 1;
  result.batch = 1024;  // events per page
  result.events = events;
  const std::string dir = work_dir + "/replay";
  fs::remove_all(dir);
  {
    const Workload workload = MakeWorkload(events);
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store,
                           OpenEventStore(dir, {.durability = Durability::kBuffered}));
    CAIRN_RETURN_IF_ERROR(AppendWorkload(*store, workload, 0, events, 1000, 1));
  }
  uint64_t scanned = 0;
  RunRawScan(dir, &scanned);  // warms the page cache for both runs
  result.baseline_events_per_s = RunRawScan(dir, &scanned);
  result.baseline = "raw RocksDB forward scan of the events column family, no decode";
  if (scanned != events) return InternalError("the raw scan found " + std::to_string(scanned) + " records");

  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> reader, OpenEventStoreForReading(dir));
  uint64_t read = 0, checksum = 0;
  const auto start = Clock::now();
  for (uint64_t next = 1;;) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> page, reader->ReadAll(next, 1024));
    if (page.empty()) break;
    for (const RecordedEvent& event : page) checksum += event.version + event.data.size();
    read += page.size();
    next = page.back().position + 1;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  reader.reset();
  fs::remove_all(dir);
  if (read != events || checksum == 0) return InternalError("the replay read " + std::to_string(read) + " events");
  result.cairn_events_per_s = read / seconds;
  return result;
}

}  // namespace cairn::bench
