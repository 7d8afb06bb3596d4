#include "bench/commands.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <boost/asio/bind_executor.hpp>

#include <vector>

#include "bench/workload.h"
#include "engine/async_append.h"
#include "engine/runtime.h"
#include "engine/service.h"
#include "examples/commerce/commerce.h"

namespace cairn::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

commerce::OrderCommand PlaceCommand(const std::string& order_id) {
  commerce::OrderCommand command;
  commerce::PlaceOrder* place = command.mutable_place();
  place->set_order_id(order_id);
  place->set_customer_id("c-" + std::to_string(order_id.size()));
  place->set_currency("EUR");
  for (int i = 0; i < 3; ++i) {
    commerce::OrderLine* line = place->add_lines();
    line->set_sku("sku-" + std::to_string(i));
    line->set_quantity(1 + i);
    line->set_unit_price(450 * (i + 1));
  }
  return command;
}

commerce::OrderCommand MarkCommand(const std::string& order_id, uint64_t n) {
  commerce::OrderCommand command;
  command.mutable_mark_notified()->set_order_id(order_id);
  command.mutable_mark_notified()->set_notification_id("n-" + std::to_string(n));
  return command;
}

const char* DurabilityName(Durability durability) { return durability == Durability::kSync ? "sync" : "buffered"; }

// Runs `body` against a fresh store in `dir`; returns operations per second,
// and the store's commit groups in `result` when one is given.
template <typename Body>
Result<double> Timed(const std::string& dir, Durability durability, uint64_t operations, Body body,
                     CaseResult* result = nullptr) {
  fs::remove_all(dir);
  Result<double> rate = InternalError("not run");
  {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenEventStore(dir, {.durability = durability}));
    const auto start = Clock::now();
    Status status = body(*store);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    rate = status.ok() ? Result<double>(operations / seconds) : Result<double>(status);
    if (result) result->TakeCommitGroups(*store, seconds);
  }
  fs::remove_all(dir);
  return rate;
}

// PlaceCommand("o-<i>") for i < commands, each with its own context, and the
// append each one makes: the same events, byte for byte, that the handler
// writes (metadata and deterministic event ids included), prepared by a
// handler against an empty store.
struct PlacedOrders {
  std::vector<CommandContext> contexts;
  std::vector<EventData> events;
};

Result<PlacedOrders> PlaceOrders(uint64_t commands) {
  std::unique_ptr<EventStore> empty = NewMemoryEventStore();
  commerce::Commerce planner(*empty);
  PlacedOrders placed;
  for (uint64_t i = 0; i < commands; ++i) {
    placed.contexts.push_back(CommandContext::New());
    CAIRN_ASSIGN_OR_RETURN(PreparedCommand prepared,
                           planner.bus().Prepare(PlaceCommand("o-" + std::to_string(i)), placed.contexts.back()));
    if (prepared.append.events.size() != 1) return InternalError("PlaceOrder did not decide one event");
    placed.events.push_back(std::move(prepared.append.events.front()));
  }
  return placed;
}

// The in-flight case alternates baseline and Cairn rounds and takes each
// side's median: on a shared machine the disk's speed drifts from run to run
// by as much as the difference measured, and one lucky or unlucky run of
// either side would decide the ratio.
constexpr int kRounds = 3;

Result<CaseResult> RunPlaceOrderInFlight(uint64_t commands, Durability durability, const std::string& work_dir,
                                         int in_flight, int io_threads) {
  if (io_threads <= 0) io_threads = ServiceOptions().threads;
  CaseResult result;
  result.name = "PlaceOrder, " + std::to_string(in_flight) + " in flight";
  result.durability = DurabilityName(durability);
  result.clients = 1;
  result.batch = 1;
  result.in_flight = in_flight;
  result.events = commands;
  result.baseline = "EventStore::AppendAsync of the same OrderPlaced events, " + std::to_string(in_flight) +
                    " in flight, no command handling; each side's median of " + std::to_string(kRounds) +
                    " alternating rounds; Cairn handles the commands on " + std::to_string(io_threads) + " io thread" +
                    (io_threads == 1 ? "" : "s");
  CAIRN_ASSIGN_OR_RETURN(PlacedOrders placed, PlaceOrders(commands));
  auto failed = [](uint64_t failures) {
    return failures == 0 ? OkStatus() : InternalError(std::to_string(failures) + " commands failed");
  };
  // The append command i makes; not from an initializer list, which would copy the event twice.
  auto append_of = [&](uint64_t i) {
    std::vector<StreamAppend> appends;
    appends.push_back(StreamAppend{"order-o-" + std::to_string(i), ExpectedVersion::NoStream(), {placed.events[i]}});
    return appends;
  };
  auto baseline = [&](EventStore& store) {
    return failed(KeepInFlight(commands, in_flight, [&](uint64_t i, auto& done) {
      store.AppendAsync(append_of(i), [&done](Result<AppendResult> appended) { done(appended.ok()); });
    }));
  };
  // The same appends, each completing on the Runtime's io threads and
  // issuing the next from there as a command's completion does: the
  // hand-offs of the asynchronous path without the command handling.
  auto on_runtime = [&](EventStore& store) {
    Runtime runtime(io_threads);
    return failed(KeepInFlight(commands, in_flight, [&](uint64_t i, auto& done) {
      async_append(store, append_of(i), boost::asio::bind_executor(runtime.io(), [&done](auto appended) {
        done(appended.ok());
      }));
    }));
  };
  auto cairn = [&](EventStore& store) {
    // Commands run on a node's io_context, as the order service runs them.
    commerce::Commerce shop(store);
    Runtime runtime(io_threads);
    const uint64_t failures = KeepInFlight(commands, in_flight, [&](uint64_t i, auto& done) {
      auto completed = [&done](Result<CommandResult> handled) { done(handled.ok()); };
      shop.HandleAsync(PlaceCommand("o-" + std::to_string(i)), placed.contexts[i],
                       boost::asio::bind_executor(runtime.io(), std::move(completed)));
    });
    return failed(failures);
  };
  // One round of one side: its rate, and its store's commit groups and syncs.
  struct Round {
    double rate = 0;
    CaseResult store;
  };
  std::vector<Round> baseline_rounds, runtime_rounds, cairn_rounds;
  for (int round = 0; round < kRounds; ++round) {
    Round& b = baseline_rounds.emplace_back();
    CAIRN_ASSIGN_OR_RETURN(b.rate, Timed(work_dir + "/place-baseline", durability, commands, baseline, &b.store));
    Round& r = runtime_rounds.emplace_back();
    CAIRN_ASSIGN_OR_RETURN(r.rate, Timed(work_dir + "/place-runtime", durability, commands, on_runtime, &r.store));
    Round& c = cairn_rounds.emplace_back();
    CAIRN_ASSIGN_OR_RETURN(c.rate, Timed(work_dir + "/place-cairn", durability, commands, cairn, &c.store));
  }
  auto median = [](std::vector<Round>& rounds) -> const Round& {
    std::sort(rounds.begin(), rounds.end(), [](const Round& x, const Round& y) { return x.rate < y.rate; });
    return rounds[kRounds / 2];
  };
  const Round& baseline_median = median(baseline_rounds);
  const Round& cairn_median = median(cairn_rounds);
  result.baseline_events_per_s = baseline_median.rate;
  result.runtime_appends_per_s = median(runtime_rounds).rate;
  result.baseline_sync_us = baseline_median.store.sync_us;
  result.baseline_commit_busy = baseline_median.store.commit_busy;
  result.cairn_events_per_s = cairn_median.rate;
  result.appends_per_group = cairn_median.store.appends_per_group;
  result.appends_per_sync = cairn_median.store.appends_per_sync;
  result.sync_us = cairn_median.store.sync_us;
  result.commit_busy = cairn_median.store.commit_busy;
  return result;
}

}  // namespace

Result<CaseResult> RunPlaceOrderCase(uint64_t commands, Durability durability, const std::string& work_dir,
                                     int in_flight, int io_threads) {
  if (in_flight > 0) return RunPlaceOrderInFlight(commands, durability, work_dir, in_flight, io_threads);
  CaseResult result;
  result.name = "PlaceOrder on new streams";
  result.durability = DurabilityName(durability);
  result.clients = 1;
  result.batch = 1;
  result.events = commands;
  result.baseline = "EventStore::Append of the same OrderPlaced events, no command handling";

  // The baseline appends the events the commands produce.
  CAIRN_ASSIGN_OR_RETURN(PlacedOrders placed, PlaceOrders(commands));
  CAIRN_ASSIGN_OR_RETURN(result.baseline_events_per_s,
                         Timed(work_dir + "/place-baseline", durability, commands, [&](EventStore& store) {
                           for (uint64_t i = 0; i < commands; ++i) {
                             CAIRN_RETURN_IF_ERROR(store.Append("order-o-" + std::to_string(i),
                                                                ExpectedVersion::NoStream(), {placed.events[i]})
                                                       .status());
                           }
                           return OkStatus();
                         }));
  CAIRN_ASSIGN_OR_RETURN(result.cairn_events_per_s,
                         Timed(work_dir + "/place-cairn", durability, commands, [&](EventStore& store) {
                           commerce::Commerce shop(store);
                           for (uint64_t i = 0; i < commands; ++i) {
                             const std::string id = "o-" + std::to_string(i);
                             CAIRN_RETURN_IF_ERROR(shop.Handle(PlaceCommand(id), placed.contexts[i]).status());
                           }
                           return OkStatus();
                         }));
  return result;
}

Result<CaseResult> RunHotAggregateCase(uint64_t commands, uint64_t snapshot_every, Durability durability,
                                       const std::string& work_dir) {
  CaseResult result;
  result.name = "hot aggregate, snapshot every " + std::to_string(snapshot_every);
  result.durability = DurabilityName(durability);
  result.clients = 1;
  result.batch = 1;
  result.events = commands;
  result.baseline = "the same commands on one order without snapshots (each loads the whole stream)";
  auto run = [&](uint64_t every) {
    return [&, every](EventStore& store) -> Status {
      commerce::Commerce shop(store, {.handler = {.max_retries = 5, .snapshot_every = every}});
      CAIRN_RETURN_IF_ERROR(shop.Handle(PlaceCommand("hot")).status());
      for (uint64_t n = 1; n < commands; ++n) CAIRN_RETURN_IF_ERROR(shop.Handle(MarkCommand("hot", n)).status());
      return OkStatus();
    };
  };
  CAIRN_ASSIGN_OR_RETURN(result.baseline_events_per_s, Timed(work_dir + "/hot-baseline", durability, commands, run(0)));
  CAIRN_ASSIGN_OR_RETURN(result.cairn_events_per_s,
                         Timed(work_dir + "/hot-cairn", durability, commands, run(snapshot_every)));
  return result;
}

}  // namespace cairn::bench
