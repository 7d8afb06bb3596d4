#include "bench/sagas_bench.h"

#include <boost/asio/bind_executor.hpp>

#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "bench/workload.h"
#include "examples/commerce/commerce.h"
#include "sagas/orchestrator.h"

namespace cairn::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

commerce::OrderCommand Place(uint64_t i) {
  commerce::OrderCommand command;
  commerce::PlaceOrder* place = command.mutable_place();
  place->set_order_id("o-" + std::to_string(i));
  place->set_customer_id("c-" + std::to_string(i % 97));
  place->set_currency("EUR");
  commerce::OrderLine* line = place->add_lines();
  line->set_sku("tea");
  line->set_quantity(1 + i % 3);
  line->set_unit_price(450);
  return command;
}

// A shop with the fulfillment saga running on its own Runtime; `ended` hears
// every saga that ends.
struct SagaNode {
  SagaNode(EventStore& store, std::chrono::milliseconds latency, std::function<void(const sagas::SagaInstance&)> ended)
      : shop(store, {.gateway = {.latency = latency}}), runtime(2, 1) {
    sagas::OrchestratorOptions options;
    options.on_end = std::move(ended);
    orchestrator = std::make_unique<sagas::Orchestrator>(store, shop.types(), shop.bus(), options);
    orchestrator->AddBreaker(std::string(commerce::kPaymentBreaker), {});
    orchestrator->AddBreaker(std::string(commerce::kMailBreaker), {});
  }
  Status Start() {
    CAIRN_RETURN_IF_ERROR(shop.Start());
    CAIRN_RETURN_IF_ERROR(orchestrator->Register(shop.Fulfillment()));
    return orchestrator->Start(runtime);
  }
  ~SagaNode() {
    (void)orchestrator->Stop();
    runtime.Stop();
  }
  commerce::Commerce shop;
  Runtime runtime;
  std::unique_ptr<sagas::Orchestrator> orchestrator;
};

// Each saga's appends, in order: the events of one append share a
// correlation id and a recorded_at, and lie next to each other in the log.
Result<std::vector<std::vector<std::vector<StreamAppend>>>> AppendsBySaga(EventStore& store) {
  std::unordered_map<std::string, size_t> saga_of;  // correlation id -> index
  std::vector<std::vector<std::vector<StreamAppend>>> sagas;
  std::string last_key;
  for (uint64_t from = 1;;) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> page, store.ReadAll(from, 4096));
    for (RecordedEvent& event : page) {
      auto correlation = event.metadata.find(std::string(kCorrelationIdKey));
      std::string saga = correlation == event.metadata.end() ? event.stream : correlation->second;
      if (event.stream.rfind("order-", 0) == 0 && event.type == "OrderPlaced") saga = "order_fulfillment." + event.stream.substr(6);
      auto [it, fresh] = saga_of.try_emplace(saga, sagas.size());
      if (fresh) sagas.emplace_back();
      auto& appends = sagas[it->second];
      const std::string key = saga + "@" + std::to_string(event.recorded_at_us);
      if (key != last_key || appends.empty()) appends.emplace_back();
      last_key = key;
      EventData data{.event_id = Uuid::Random(), .type = event.type, .schema_version = event.schema_version,
                     .content_type = event.content_type, .data = std::move(event.data),
                     .metadata = std::move(event.metadata)};
      auto& append = appends.back();
      if (append.empty() || append.back().stream != event.stream) append.push_back({event.stream, ExpectedVersion::Any(), {}});
      append.back().events.push_back(std::move(data));
    }
    if (page.size() < 4096) break;
    from = page.back().position + 1;
  }
  return sagas;
}

}  // namespace

Result<CaseResult> RunSagasCase(const SagasCase& c, const std::string& work_dir) {
  CaseResult result;
  result.name = "sagas, gateway " + std::to_string(c.gateway_latency.count()) + " ms, " + std::to_string(c.in_flight) +
                " in flight";
  result.durability = "sync";
  result.clients = 1;
  result.in_flight = c.in_flight;
  result.events = c.sagas;
  result.baseline = "EventStore::AppendAsync of the appends the sagas made, saga by saga, as many sagas in flight";
  const std::string dir = work_dir + "/sagas-cairn";
  fs::remove_all(dir);
  std::vector<std::vector<std::vector<StreamAppend>>> recorded;
  {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenEventStore(dir));
    std::mutex mu;
    std::unordered_map<std::string, std::function<void(bool)>> waiting;
    SagaNode node(*store, c.gateway_latency, [&](const sagas::SagaInstance& saga) {
      std::function<void(bool)> done;
      {
        std::lock_guard lock(mu);
        auto it = waiting.find(saga.id);
        if (it == waiting.end()) return;
        done = std::move(it->second);
        waiting.erase(it);
      }
      done(saga.status == sagas::SagaStatus::kCompleted);
    });
    CAIRN_RETURN_IF_ERROR(node.Start());
    boost::asio::io_context client;
    auto work = boost::asio::make_work_guard(client);
    std::thread client_thread([&client] { client.run(); });
    const auto start = Clock::now();
    const uint64_t failures = KeepInFlight(c.sagas, c.in_flight, [&](uint64_t i, auto& done) {
      {
        std::lock_guard lock(mu);
        waiting["order_fulfillment.o-" + std::to_string(i)] = [&done](bool ok) { done(ok); };
      }
      node.shop.HandleAsync(Place(i), CommandContext::New(),
                            boost::asio::bind_executor(client, [&done](Result<CommandResult> placed) {
                              if (!placed.ok()) done(false);
                            }));
    });
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    work.reset();
    client_thread.join();
    if (failures) return InternalError(std::to_string(failures) + " sagas did not complete");
    result.cairn_events_per_s = c.sagas / seconds;
    CAIRN_ASSIGN_OR_RETURN(recorded, AppendsBySaga(*store));
  }
  fs::remove_all(dir);
  const std::string baseline_dir = work_dir + "/sagas-baseline";
  fs::remove_all(baseline_dir);
  {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenEventStore(baseline_dir));
    const auto start = Clock::now();
    const uint64_t failures = KeepInFlight(recorded.size(), c.in_flight, [&](uint64_t i, auto& done) {
      // One saga's appends, one after the other.
      auto next = std::make_shared<std::function<void(size_t)>>();
      *next = [&, i, next](size_t k) {
        if (k == recorded[i].size()) return done(true);
        store->AppendAsync(recorded[i][k], [&done, next, k](Result<AppendResult> appended) {
          if (!appended.ok()) return done(false);
          (*next)(k + 1);
        });
      };
      (*next)(0);
    });
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (failures) return InternalError(std::to_string(failures) + " baseline appends failed");
    result.baseline_events_per_s = recorded.size() / seconds;
  }
  fs::remove_all(baseline_dir);
  return result;
}

Result<SagaLatency> RunSagaLatency(double per_second, int seconds, const std::string& work_dir) {
  const std::string dir = work_dir + "/sagas-latency";
  fs::remove_all(dir);
  SagaLatency latency;
  {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenEventStore(dir));
    const uint64_t total = static_cast<uint64_t>(per_second * seconds);
    std::mutex mu;
    std::unordered_map<std::string, Clock::time_point> placed_at;
    std::vector<double> millis;
    std::promise<void> all_ended;
    SagaNode node(*store, std::chrono::milliseconds(0), [&](const sagas::SagaInstance& saga) {
      std::lock_guard lock(mu);
      auto it = placed_at.find(saga.id);
      if (it == placed_at.end()) return;
      millis.push_back(std::chrono::duration<double, std::milli>(Clock::now() - it->second).count());
      if (millis.size() == total) all_ended.set_value();
    });
    CAIRN_RETURN_IF_ERROR(node.Start());
    boost::asio::io_context client;
    auto work = boost::asio::make_work_guard(client);
    std::thread client_thread([&client] { client.run(); });
    const auto start = Clock::now();
    for (uint64_t i = 0; i < total; ++i) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(i / per_second)));
      {
        std::lock_guard lock(mu);
        placed_at["order_fulfillment.o-" + std::to_string(i)] = Clock::now();
      }
      node.shop.HandleAsync(Place(i), CommandContext::New(), boost::asio::bind_executor(client, [](auto) {}));
    }
    const bool ended = all_ended.get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready;
    work.reset();
    client_thread.join();
    if (!ended) return InternalError("sagas did not all end within 60 s");
    latency.sagas = total;
    latency.rate = total / std::chrono::duration<double>(Clock::now() - start).count();
    std::lock_guard lock(mu);
    const LatencyPercentiles percentiles = Percentiles(millis);
    latency.p50_ms = percentiles.p50;
    latency.p99_ms = percentiles.p99;
  }
  fs::remove_all(dir);
  return latency;
}

}  // namespace cairn::bench
