// cairn bench append|replay: Cairn beside raw RocksDB, in one process.
#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bench/commands.h"
#include "bench/http_bench.h"
#include "bench/sagas_bench.h"
#include "bench/kafka_bench.h"
#include "bench/projections_bench.h"
#include "bench/throughput.h"
#include "tools/cairn/cli.h"

namespace cairn::cli {
namespace {

struct BenchArgs {
  int latency_ms = -1;  // bench sagas: the gateway's; -1: the standard cases
  int clients = 1;
  int in_flight = 0;
  int threads = 0;  // bench commands: io threads; 0: a node's default
  uint64_t events = 0;
  int batch = 1;
  std::string durability = "sync";
  bool json = false;
  std::string work_dir;
  bool custom = false;
};

// prefix_p50_ms, prefix_p90_ms, prefix_p99_ms and prefix_p999_ms.
void AddPercentiles(nlohmann::ordered_json& out, const std::string& prefix, const bench::LatencyPercentiles& p) {
  out[prefix + "_p50_ms"] = p.p50;
  out[prefix + "_p90_ms"] = p.p90;
  out[prefix + "_p99_ms"] = p.p99;
  out[prefix + "_p999_ms"] = p.p999;
}

void Report(const bench::CaseResult& r, bool json) {
  if (json) {
    nlohmann::ordered_json out;
    out["case"] = r.name;
    out["durability"] = r.durability;
    out["clients"] = r.clients;
    out["batch"] = r.batch;
    out["in_flight"] = r.in_flight;
    out["events"] = r.events;
    out["baseline_events_per_s"] = static_cast<uint64_t>(r.baseline_events_per_s);
    out["cairn_events_per_s"] = static_cast<uint64_t>(r.cairn_events_per_s);
    out["ratio"] = std::round(r.ratio() * 100) / 100;
    if (r.appends_per_group > 0) out["appends_per_group"] = std::round(r.appends_per_group * 10) / 10;
    if (r.appends_per_sync > 0) out["appends_per_sync"] = std::round(r.appends_per_sync * 10) / 10;
    if (r.sync_us > 0) out["sync_us"] = std::round(r.sync_us);
    if (r.baseline_sync_us > 0) out["baseline_sync_us"] = std::round(r.baseline_sync_us);
    if (r.runtime_appends_per_s > 0) out["runtime_appends_per_s"] = static_cast<uint64_t>(r.runtime_appends_per_s);
    if (r.commit_busy > 0) out["commit_busy"] = std::round(r.commit_busy * 100) / 100;
    if (r.baseline_commit_busy > 0) out["baseline_commit_busy"] = std::round(r.baseline_commit_busy * 100) / 100;
    if (r.append_ms) AddPercentiles(out, "append", *r.append_ms);
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%-34s %-9s %7d %6d %9llu %14.0f %14.0f %6.2f\n", r.name.c_str(), r.durability.c_str(), r.clients,
                r.batch, static_cast<unsigned long long>(r.events), r.baseline_events_per_s, r.cairn_events_per_s,
                r.ratio());
    std::printf("    baseline: %s\n", r.baseline.c_str());
    if (r.appends_per_group > 0) {
      std::printf("    cairn: %.1f appends per commit group", r.appends_per_group);
      if (r.appends_per_sync > 0) std::printf(", %.1f per sync of the log", r.appends_per_sync);
      if (r.sync_us > 0) std::printf("; a sync took %.0f us on average", r.sync_us);
      if (r.baseline_sync_us > 0) std::printf(" (the baseline's: %.0f us)", r.baseline_sync_us);
      std::printf("\n");
    }
    if (r.runtime_appends_per_s > 0) {
      std::printf("    the baseline's appends completing on the same io threads: %.0f/s; Cairn ran at %.2f of that\n",
                  r.runtime_appends_per_s, r.cairn_events_per_s / r.runtime_appends_per_s);
    }
    if (r.commit_busy > 0) {
      std::printf("    writing commit groups took %.0f%% of the run", r.commit_busy * 100);
      if (r.baseline_commit_busy > 0) std::printf(" (the baseline's: %.0f%%)", r.baseline_commit_busy * 100);
      std::printf("\n");
    }
    if (r.append_ms) {
      std::printf("    append issued to acknowledged: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms\n",
                  r.append_ms->p50, r.append_ms->p90, r.append_ms->p99, r.append_ms->p999);
    }
  }
  std::fflush(stdout);
}

void Header(bool json) {
  if (json) return;
  std::printf("sync = acknowledged after the log is synced; buffered = no sync (survives kill -9, not power loss)\n");
  std::printf("%-34s %-9s %7s %6s %9s %14s %14s %6s\n", "case", "fsync", "clients", "batch", "events",
              "baseline ev/s", "cairn ev/s", "ratio");
}

std::string WorkDir(const BenchArgs& args) {
  if (!args.work_dir.empty()) return args.work_dir;
  std::string pattern = (std::filesystem::temp_directory_path() / "cairn-bench-XXXXXX").string();
  return mkdtemp(pattern.data()) ? pattern : "";
}

int RunBenchAppend(const BenchArgs& args) {
  if (args.durability != "sync" && args.durability != "buffered") {
    return Fail(InvalidArgumentError("--durability must be sync or buffered"));
  }
  std::vector<bench::AppendCase> cases = bench::StandardAppendCases();
  if (args.custom) {
    bench::AppendCase c;
    c.durability = args.durability == "sync" ? Durability::kSync : Durability::kBuffered;
    c.clients = args.clients;
    c.batch = args.batch;
    c.in_flight = args.in_flight;
    c.events = args.events ? args.events : 10000;
    c.name = c.in_flight > 0 ? std::to_string(c.in_flight) + " in flight x 1 event"
                             : std::to_string(c.clients) + " clients x batch " + std::to_string(c.batch);
    if (c.in_flight > 0 && (args.clients != 1 || args.batch != 1)) {
      return Fail(InvalidArgumentError("--in-flight appends one event at a time from one thread: "
                                       "leave out --clients and --batch"));
    }
    cases = {c};
  }
  const std::string dir = WorkDir(args);
  Header(args.json);
  for (const auto& c : cases) {
    auto result = bench::RunAppendCase(c, dir);
    if (!result.ok()) return Fail(result.status());
    Report(*result, args.json);
  }
  if (args.work_dir.empty()) std::filesystem::remove_all(dir);
  return kExitOk;
}

int RunBenchReplay(const BenchArgs& args) {
  const std::string dir = WorkDir(args);
  Header(args.json);
  auto result = bench::RunReplayCase(args.events ? args.events : 1000000, dir);
  if (args.work_dir.empty()) std::filesystem::remove_all(dir);
  if (!result.ok()) return Fail(result.status());
  Report(*result, args.json);
  return kExitOk;
}

int RunBenchCommands(const BenchArgs& args) {
  if (args.durability != "sync" && args.durability != "buffered") {
    return Fail(InvalidArgumentError("--durability must be sync or buffered"));
  }
  if (args.threads > 0 && args.in_flight == 0) {
    return Fail(InvalidArgumentError("--threads sets the io threads of --in-flight; give --in-flight too"));
  }
  const Durability durability = args.durability == "sync" ? Durability::kSync : Durability::kBuffered;
  const uint64_t commands = args.events ? args.events : 20000;
  const std::string dir = WorkDir(args);
  Header(args.json);
  std::vector<Result<bench::CaseResult>> results;
  if (args.in_flight > 0) {
    results.push_back(bench::RunPlaceOrderCase(commands, durability, dir, args.in_flight, args.threads));
  } else {
    results.push_back(bench::RunPlaceOrderCase(commands, durability, dir));
    results.push_back(bench::RunHotAggregateCase(std::min<uint64_t>(commands, 2000), 100, durability, dir));
  }
  if (args.work_dir.empty()) std::filesystem::remove_all(dir);
  for (const auto& result : results) {
    if (!result.ok()) return Fail(result.status());
    Report(*result, args.json);
  }
  return kExitOk;
}

int RunBenchHttp(const BenchArgs& args) {
  bench::HttpCase c;
  if (args.events > 0) c.orders = args.events;
  if (args.in_flight > 0) c.connections = args.in_flight;
  const std::string dir = WorkDir(args);
  auto result = bench::RunHttpCase(c, dir);
  if (args.work_dir.empty()) std::filesystem::remove_all(dir);
  if (!result.ok()) return Fail(result.status());
  const bench::HttpResult& r = *result;
  if (args.json) {
    nlohmann::ordered_json out{{"case", "POST /orders over HTTP"}, {"durability", "sync"}, {"orders", r.orders},
                               {"connections", r.connections}, {"accepted_per_s", std::round(r.accepted_per_s)},
                               {"p50_ms", r.p50_ms}, {"p99_ms", r.p99_ms},
                               {"in_process_per_s", std::round(r.in_process_per_s)}, {"ratio", r.ratio()},
                               {"sagas_per_s", std::round(r.sagas_per_s)}, {"saga_drain_s", r.saga_drain_s}};
    std::printf("%s\n", out.dump().c_str());
    return kExitOk;
  }
  std::printf("sync durability; POST /orders on %d keep-alive connections to the order service on loopback,\n"
              "with its publisher, five read models and the fulfillment saga running\n", r.connections);
  std::printf("%-44s %14s %14s %6s\n", "case", "in process /s", "HTTP /s", "ratio");
  std::printf("%-44s %14.0f %14.0f %6.2f\n", "orders accepted (202)", r.in_process_per_s, r.accepted_per_s, r.ratio());
  std::printf("    in process: PlaceOrder through HandleAsync, %d in flight, no HTTP, no other work\n", r.connections);
  std::printf("request to 202: p50 %.2f ms, p99 %.2f ms (%llu orders)\n", r.p50_ms, r.p99_ms,
              static_cast<unsigned long long>(r.orders));
  std::printf("their sagas: %.0f completed/s from the first order to the last saga; the last ended %.1f s after intake\n",
              r.sagas_per_s, r.saga_drain_s);
  return kExitOk;
}

int RunBenchSagas(const BenchArgs& args) {
  std::vector<bench::SagasCase> cases;
  if (args.latency_ms >= 0 || args.in_flight > 0 || args.events > 0) {
    bench::SagasCase custom;
    if (args.latency_ms >= 0) custom.gateway_latency = std::chrono::milliseconds(args.latency_ms);
    if (args.in_flight > 0) custom.in_flight = args.in_flight;
    if (args.events > 0) custom.sagas = args.events;
    cases.push_back(custom);
  } else {
    cases = {{.sagas = 20000, .in_flight = 200}, {.sagas = 15000, .in_flight = 1000, .gateway_latency = std::chrono::milliseconds(5)}};
  }
  const std::string dir = WorkDir(args);
  if (!args.json) {
    std::printf("sync durability; a saga: order placed -> charged -> confirmed -> mailed; sagas per second\n");
    std::printf("%-40s %9s %14s %14s %6s\n", "case", "sagas", "baseline /s", "cairn /s", "ratio");
  }
  for (const bench::SagasCase& c : cases) {
    auto result = bench::RunSagasCase(c, dir);
    if (!result.ok()) return Fail(result.status());
    if (args.json) {
      Report(*result, true);
    } else {
      std::printf("%-40s %9llu %14.0f %14.0f %6.2f\n    baseline: %s\n", result->name.c_str(),
                  static_cast<unsigned long long>(result->events), result->baseline_events_per_s,
                  result->cairn_events_per_s, result->ratio(), result->baseline.c_str());
      std::fflush(stdout);
    }
  }
  if (cases.size() > 1) {
    auto latency = bench::RunSagaLatency(200, 10, dir);
    if (!latency.ok()) return Fail(latency.status());
    if (args.json) {
      nlohmann::ordered_json out{{"case", "saga latency, order placed to completed"}, {"sagas", latency->sagas},
                                 {"per_second", std::round(latency->rate)}, {"p50_ms", latency->p50_ms},
                                 {"p99_ms", latency->p99_ms}};
      std::printf("%s\n", out.dump().c_str());
    } else {
      std::printf("order placed to saga completed at %.0f sagas/s: p50 %.2f ms, p99 %.2f ms (%llu sagas)\n",
                  latency->rate, latency->p50_ms, latency->p99_ms, static_cast<unsigned long long>(latency->sagas));
    }
  }
  if (args.work_dir.empty()) std::filesystem::remove_all(dir);
  return kExitOk;
}

int RunBenchKafka(const BenchArgs& args) {
  const std::string dir = WorkDir(args);
  Header(args.json);
  auto publish = bench::RunPublishCase(args.events ? args.events : 200000, dir);
  if (!publish.ok()) return Fail(publish.status());
  Report(*publish, args.json);
  auto latency = bench::RunLatencyCase(1000, 5, dir);
  if (args.work_dir.empty()) std::filesystem::remove_all(dir);
  if (!latency.ok()) return Fail(latency.status());
  if (args.json) {
    nlohmann::ordered_json out;
    out["case"] = "append to consume latency";
    out["durability"] = "sync";
    out["rate"] = latency->rate;
    out["events"] = latency->events;
    out["baseline_p50_ms"] = latency->baseline_p50_ms;
    out["baseline_p99_ms"] = latency->baseline_p99_ms;
    out["cairn_p50_ms"] = latency->cairn_p50_ms;
    out["cairn_p99_ms"] = latency->cairn_p99_ms;
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("append to consume latency at %d events/s (%llu events, sync appends): cairn p50 %.2f ms p99 %.2f ms;"
                " raw produce to consume p50 %.2f ms p99 %.2f ms\n",
                latency->rate, static_cast<unsigned long long>(latency->events), latency->cairn_p50_ms,
                latency->cairn_p99_ms, latency->baseline_p50_ms, latency->baseline_p99_ms);
  }
  return kExitOk;
}

int RunBenchProjections(const BenchArgs& args) {
  const std::string dir = WorkDir(args);
  Header(args.json);
  auto rebuild = bench::RunRebuildCases(args.events ? args.events : 1000000, dir);
  if (!rebuild.ok()) return Fail(rebuild.status());
  for (const bench::CaseResult& result : *rebuild) Report(result, args.json);
  auto lag = bench::RunProjectionLagCase(1000, 5, dir);
  if (args.work_dir.empty()) std::filesystem::remove_all(dir);
  if (!lag.ok()) return Fail(lag.status());
  if (args.json) {
    nlohmann::ordered_json out;
    out["case"] = "append to visible in order_summary";
    out["durability"] = "sync";
    out["rate"] = lag->rate;
    out["events"] = lag->events;
    AddPercentiles(out, "baseline", lag->baseline_ms);
    AddPercentiles(out, "cairn", lag->cairn_ms);
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("append to visible in order_summary at %d events/s (%llu events, sync appends): cairn p50 %.2f ms"
                " p99 %.2f ms; raw SQLite one-row commit p50 %.2f ms p99 %.2f ms\n",
                lag->rate, static_cast<unsigned long long>(lag->events), lag->cairn_ms.p50, lag->cairn_ms.p99,
                lag->baseline_ms.p50, lag->baseline_ms.p99);
  }
  return kExitOk;
}

}  // namespace

void AddBenchCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* bench = app.add_subcommand("bench", "Throughput of Cairn beside raw RocksDB, in one process");
  bench->require_subcommand(1);
  bench->add_flag("--json", args->json, "One JSON object per case");
  bench->add_option("--work-dir", args->work_dir, "Where the benchmark stores live (default: a temporary folder)")
      ->check(CLI::ExistingDirectory);

  CLI::App* append = bench->add_subcommand("append", "Append cases; without options, the standard cases");
  auto* clients = append->add_option("--clients", args->clients, "Concurrent appending threads")->check(CLI::Range(1, 1024));
  auto* events = append->add_option("--events", args->events, "Events in all")->check(CLI::PositiveNumber);
  auto* batch = append->add_option("--batch", args->batch, "Events per append")->check(CLI::Range(1, 100000));
  auto* in_flight = append->add_option("--in-flight", args->in_flight,
                                       "One thread keeps this many asynchronous appends outstanding")
                        ->check(CLI::Range(1, 65536));
  auto* durability = append->add_option("--durability", args->durability, "sync | buffered")
                         ->check(CLI::IsMember({"sync", "buffered"}));
  append->add_flag("--json", args->json, "One JSON object per case");
  append->callback([&context, args, clients, events, batch, durability, in_flight] {
    args->custom = clients->count() + events->count() + batch->count() + durability->count() + in_flight->count() > 0;
    context.run = [args] { return RunBenchAppend(*args); };
  });

  CLI::App* commands = bench->add_subcommand("commands", "Commands handled per second: new orders, a hot aggregate");
  commands->add_option("--events", args->events, "Commands on new orders (default 20,000; the hot aggregate takes at most 2,000)")
      ->check(CLI::PositiveNumber);
  commands->add_option("--durability", args->durability, "sync | buffered (default buffered)")
      ->check(CLI::IsMember({"sync", "buffered"}));
  commands->add_option("--in-flight", args->in_flight,
                       "PlaceOrder through HandleAsync with this many outstanding (default durability: sync)")
      ->check(CLI::Range(1, 65536));
  commands->add_option("--threads", args->threads,
                       "With --in-flight: io_context threads running the commands (default: a node's, 2)")
      ->check(CLI::Range(1, 64));
  commands->add_flag("--json", args->json, "One JSON object per case");
  commands->callback([&context, args, commands] {
    if (commands->count("--durability") == 0) args->durability = args->in_flight > 0 ? "sync" : "buffered";
    context.run = [args] { return RunBenchCommands(*args); };
  });

  CLI::App* sagas = bench->add_subcommand("sagas", "Fulfillment sagas completed per second, and their latency");
  sagas->add_option("--sagas", args->events, "Sagas to run (default: the standard cases)")->check(CLI::PositiveNumber);
  sagas->add_option("--in-flight", args->in_flight, "Sagas outstanding (default 200)")->check(CLI::Range(1, 65536));
  sagas->add_option("--gateway-latency-ms", args->latency_ms, "How long each payment call takes (default 0)")
      ->check(CLI::Range(0, 10000));
  sagas->add_flag("--json", args->json, "One JSON object per case");
  sagas->callback([&context, args] { context.run = [args] { return RunBenchSagas(*args); }; });

  CLI::App* http = bench->add_subcommand("http", "POST /orders over HTTP against HandleAsync in process; their sagas");
  http->add_option("--orders", args->events, "Orders to place (default 20,000)")->check(CLI::PositiveNumber);
  http->add_option("--connections", args->in_flight, "Keep-alive connections, one request each (default 64)")
      ->check(CLI::Range(1, 1000));
  http->add_flag("--json", args->json, "One JSON object");
  http->callback([&context, args] { context.run = [args] { return RunBenchHttp(*args); }; });

  CLI::App* kafka = bench->add_subcommand("kafka", "Publish throughput and append-to-consume latency on the mock cluster");
  kafka->add_option("--events", args->events, "Events to publish (default 200,000)")->check(CLI::PositiveNumber);
  kafka->add_flag("--json", args->json, "One JSON object per case");
  kafka->callback([&context, args] { context.run = [args] { return RunBenchKafka(*args); }; });

  CLI::App* rebuild = bench->add_subcommand("projections", "Rebuild of the commerce read models against raw SQLite");
  rebuild->add_option("--events", args->events, "Events to write, then rebuild from (default 1,000,000)")
      ->check(CLI::PositiveNumber);
  rebuild->add_flag("--json", args->json, "One JSON object per case");
  rebuild->callback([&context, args] { context.run = [args] { return RunBenchProjections(*args); }; });

  CLI::App* replay = bench->add_subcommand("replay", "`$all` replay with envelope decode against a raw scan");
  replay->add_option("--events", args->events, "Events to write, then replay (default 1,000,000)")
      ->check(CLI::PositiveNumber);
  replay->add_flag("--json", args->json, "One JSON object per case");
  replay->callback([&context, args] { context.run = [args] { return RunBenchReplay(*args); }; });
}

}  // namespace cairn::cli
