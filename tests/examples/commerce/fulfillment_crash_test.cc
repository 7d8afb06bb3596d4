// kill -9 the saga node at random points over many cycles, with orders
// arriving between them and the payment provider failing now and then; then
// let it finish. Every saga ends completed or compensated, no order is
// charged twice, no refund exceeds its charge, no mail goes twice, and no
// deadline fires twice.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "engine/aggregate.h"
#include "examples/commerce/commerce.h"
#include "sagas/admin.h"
#include "sagas/proto/saga.pb.h"
#include "tests/examples/commerce/commerce_messages.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace cairn::commerce {
namespace {

using namespace testing;

int Cycles() {
  const char* cycles = std::getenv("SAGA_CRASH_CYCLES");
  return cycles ? std::atoi(cycles) : 100;
}

// Every DeadlineFired names a deadline that was pending, and no deadline is left pending.
void ExpectDeadlinesFiredAtMostOnce(EventStore& store, const std::string& saga_id) {
  EventTypeRegistry types;
  sagas::RegisterSagaEvents(types);
  std::map<std::string, bool> pending;
  auto events = store.ReadStream(sagas::SagaStreamOf(saga_id), {.max_count = 100000});
  ASSERT_TRUE(events.ok());
  for (const RecordedEvent& event : *events) {
    auto message = types.Decode(event).value();
    if (const auto* scheduled = As<sagas::DeadlineScheduled>(*message)) pending[scheduled->name()] = true;
    if (const auto* cancelled = As<sagas::DeadlineCancelled>(*message)) pending[cancelled->name()] = false;
    if (const auto* fired = As<sagas::DeadlineFired>(*message)) {
      EXPECT_TRUE(pending[fired->name()]) << saga_id << ": " << fired->name() << " fired while not pending";
      pending[fired->name()] = false;
    }
  }
  for (const auto& [name, still] : pending) EXPECT_FALSE(still) << saga_id << ": " << name << " never fired";
}

TEST(FulfillmentCrash, KillNineNeverChargesTwiceAndEverySagaEnds) {
  cairn::testing::TempDir dir;
  std::mt19937 random(20261202);
  int orders = 0, killed_with_work = 0;
  const int cycles = Cycles();
  for (int cycle = 0; cycle < cycles; ++cycle) {
    {
      auto store = OpenEventStore(dir.Sub("data"));
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      Commerce shop(**store);
      for (int i = 0; i < 20; ++i, ++orders) {
        // Every seventh is above the provider's limit and declined.
        const int64_t price = orders % 7 == 3 ? 60000 : 450 + orders;
        ASSERT_TRUE(shop.Handle(AsCommand(Place("o-" + std::to_string(orders), "c-" + std::to_string(orders % 9),
                                                {{"tea", 2, price}})))
                        .ok());
      }
    }
    cairn::testing::Child node(SAGA_NODE_CHILD_PATH, {dir.path(), "run"});
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (node.Stdout().find("started") == std::string::npos && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 25));
    node.Stop(SIGKILL);
    auto store = OpenEventStoreForReading(dir.Sub("data"));
    ASSERT_TRUE(store.ok());
    auto going = sagas::ListSagas(**store);
    ASSERT_TRUE(going.ok());
    if (std::any_of(going->begin(), going->end(), [](const auto& s) { return !sagas::IsFinal(s.status); }) ||
        going->size() < static_cast<size_t>(orders)) {
      ++killed_with_work;
    }
  }
  EXPECT_GE(killed_with_work, cycles / 2) << "the kills came when there was nothing to interrupt";

  cairn::testing::Child last(SAGA_NODE_CHILD_PATH, {dir.path(), "finish"});
  ASSERT_EQ(last.Wait(), 0) << last.Stdout() << last.Stderr();

  auto store = OpenEventStore(dir.Sub("data"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Verify({}).ok());
  auto sagas_found = sagas::ListSagas(**store);
  ASSERT_TRUE(sagas_found.ok());
  ASSERT_EQ(sagas_found->size(), static_cast<size_t>(orders));
  SimulatedPaymentGateway ledger_reader({.ledger_path = dir.Sub("ledger.jsonl")});
  ASSERT_TRUE(ledger_reader.Open().ok());
  const auto ledger = ledger_reader.Ledger();
  Commerce shop(**store);
  int completed = 0, compensated = 0;
  std::map<std::string, int> reasons;
  for (const sagas::SagaInstance& saga : *sagas_found) {
    const std::string order = saga.vars.at("order_id");
    auto state = nlohmann::json::parse(shop.StateJson("order-" + order).value())["state"];
    auto entry = ledger.find("ch-" + order);
    if (saga.status == sagas::SagaStatus::kCompleted) {
      ++completed;
      EXPECT_EQ(state["status"], "CONFIRMED") << order;
      ASSERT_NE(entry, ledger.end()) << order;
      EXPECT_EQ(entry->second.charges, 1) << order;
      EXPECT_EQ(entry->second.refunded, 0) << order;
    } else {
      ++compensated;
      ++reasons[saga.failure.substr(0, 60)];
      EXPECT_EQ(saga.status, sagas::SagaStatus::kCompensated) << order << ": " << sagas::SummaryJson(saga);
      EXPECT_EQ(state["status"], "CANCELLED") << order;
      if (entry != ledger.end() && entry->second.charges > 0) {
        EXPECT_EQ(entry->second.refunded, entry->second.amount) << order;
      }
    }
    ExpectDeadlinesFiredAtMostOnce(**store, saga.id);
  }
  for (const auto& [charge, entry] : ledger) {
    EXPECT_LE(entry.charges, 1) << charge;
    EXPECT_LE(entry.refunded, entry.amount) << charge;
  }
  std::ifstream mail(dir.Sub("mail.jsonl"));
  std::set<std::string> mailed;
  for (std::string line; std::getline(mail, line);) {
    EXPECT_TRUE(mailed.insert(nlohmann::json::parse(line)["notification_id"]).second) << "mailed twice: " << line;
  }
  EXPECT_GT(completed, orders / 4);  // the kills time out many charges, but not most
  EXPECT_GT(compensated, 0);
  for (const auto& [reason, count] : reasons) std::printf("%5d %s\n", count, reason.c_str());
  std::printf("%d sagas: %d completed, %d compensated, %d kills with work in flight\n", orders, completed, compensated,
              killed_with_work);
}

}  // namespace
}  // namespace cairn::commerce
