// Concurrent appenders and live subscriptions, against every EventStore.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "store/event_record.h"
#include "store/subscription.h"
#include "tests/store/conformance_fixture.h"

namespace cairn {
namespace {

using testing::JsonEvent;
using testing::MustAppend;

// The same fixture as the single-threaded suite, under its own name.
using ConcurrencyConformance = EventStoreConformance;

TEST_P(ConcurrencyConformance, SixteenThreadsOnFourStreamsGiveEveryVersionOneWinner) {
  constexpr int kThreads = 16;
  constexpr uint64_t kVersionsPerStream = 60;
  const std::vector<std::string> streams = {"order-a", "order-b", "order-c", "order-d"};
  std::mutex mu;
  std::map<std::pair<std::string, uint64_t>, std::vector<Uuid>> winners;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string& stream = streams[t % streams.size()];
      for (;;) {
        auto head = store().GetStreamHead(stream);
        ExpectedVersion expected = head.ok() ? ExpectedVersion::Exact(head->last_version)
                                             : ExpectedVersion::NoStream();
        uint64_t next = head.ok() ? head->last_version + 1 : 0;
        if (next >= kVersionsPerStream) return;
        EventData event = JsonEvent("Bumped", "{\"thread\":" + std::to_string(t) + "}", Uuid::Random());
        auto result = store().Append(stream, expected, {event});
        if (result.ok()) {
          std::lock_guard lock(mu);
          winners[{stream, result->events[0].version}].push_back(*event.event_id);
          if (result->events[0].version != next) ++unexpected;
        } else if (result.status().code() != StatusCode::kAborted) {
          ++unexpected;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(unexpected.load(), 0);
  for (const std::string& stream : streams) {
    auto events = store().ReadStream(stream, {0, false, 1000});
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), kVersionsPerStream);
    for (const RecordedEvent& event : *events) {
      const auto& won = winners[{stream, event.version}];
      ASSERT_EQ(won.size(), 1u) << stream << " version " << event.version;
      EXPECT_EQ(won[0], event.event_id);
    }
  }
  EXPECT_EQ(store().HeadPosition(), streams.size() * kVersionsPerStream);
  auto report = store().Verify({});
  EXPECT_TRUE(report.ok()) << report.status().ToString();
}

TEST_P(ConcurrencyConformance, SimultaneousAppendsWithTheSameExpectedVersionHaveOneWinner) {
  constexpr int kThreads = 8;
  for (int round = 0; round < 20; ++round) {
    const std::string stream = "order-" + std::to_string(round);
    std::latch start(kThreads);
    std::atomic<int> won{0}, aborted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        auto result = store().Append(stream, ExpectedVersion::NoStream(), {JsonEvent("OrderPlaced")});
        if (result.ok()) {
          ++won;
        } else {
          ++aborted;
          EXPECT_EQ(result.status().code(), StatusCode::kAborted);
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(won.load(), 1) << stream;
    EXPECT_EQ(aborted.load(), kThreads - 1) << stream;
  }
  EXPECT_EQ(store().HeadPosition(), 20u);
}

// Reads until `count` events arrived; checks every global position comes once, in order.
std::vector<RecordedEvent> Drain(CatchUpSubscription& subscription, size_t count) {
  std::vector<RecordedEvent> seen;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (seen.size() < count && std::chrono::steady_clock::now() < give_up) {
    auto page = subscription.Next(std::chrono::milliseconds(200));
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    for (auto& event : *page) seen.push_back(std::move(event));
  }
  return seen;
}

TEST_P(ConcurrencyConformance, SubscriptionHandsOffFromHistoryToLiveWithoutGapOrDuplicate) {
  constexpr int kHistory = 700, kLive = 1500;
  for (int i = 0; i < kHistory; ++i) testing::MustAppend(store(), "order-" + std::to_string(i % 7), "E");
  CatchUpSubscription subscription(store(), {.from_position = 1, .page_size = 64});
  std::thread writer([&] {
    for (int i = 0; i < kLive; i += 3) {
      std::vector<StreamAppend> appends(1);
      appends[0] = {"order-" + std::to_string(i % 11), ExpectedVersion::Any(),
                    {JsonEvent("E"), JsonEvent("E"), JsonEvent("E")}};
      ASSERT_TRUE(store().Append(appends).ok());
    }
  });
  std::vector<RecordedEvent> seen = Drain(subscription, kHistory + kLive);
  writer.join();
  ASSERT_EQ(seen.size(), static_cast<size_t>(kHistory + kLive));
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].position, i + 1);
  auto after = subscription.Next(std::chrono::milliseconds(50));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
}

TEST_P(ConcurrencyConformance, CategorySubscriptionDeliversOnlyItsCategoryInOrder) {
  CatchUpSubscription subscription(store(), {.from_position = 1, .categories = {"charge"}, .page_size = 16});
  std::thread writer([&] {
    for (int i = 0; i < 300; ++i) {
      testing::MustAppend(store(), (i % 3 == 0 ? "charge-" : "order-") + std::to_string(i % 5), "E");
    }
  });
  std::vector<RecordedEvent> seen = Drain(subscription, 100);
  writer.join();
  ASSERT_EQ(seen.size(), 100u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(CategoryOf(seen[i].stream), "charge");
    EXPECT_EQ(seen[i].position, 3 * i + 1);
  }
}

// Two of three categories, in pages smaller than a category's run: every
// event of the two once, in global order, and the position moves past the
// third's events too (a read model's checkpoint follows it).
TEST_P(ConcurrencyConformance, SubscriptionToSeveralCategoriesMergesThemInGlobalOrder) {
  CatchUpSubscription subscription(store(),
                                   {.from_position = 1, .categories = {"order", "charge", "order"}, .page_size = 7});
  constexpr int kAppends = 400;
  std::thread writer([&] {
    for (int i = 0; i < kAppends; ++i) {
      const char* category = i % 4 == 0 ? "charge-" : i % 4 == 1 ? "order-" : "saga-";
      testing::MustAppend(store(), category + std::to_string(i % 5), "E");
    }
  });
  std::vector<RecordedEvent> seen = Drain(subscription, kAppends / 2);
  writer.join();
  ASSERT_EQ(seen.size(), static_cast<size_t>(kAppends / 2));
  for (size_t i = 0; i < seen.size(); ++i) {
    // Positions 1, 2, 5, 6, 9, 10, ...: i-th pair of each group of four.
    ASSERT_EQ(seen[i].position, 4 * (i / 2) + i % 2 + 1) << seen[i].stream;
  }
  auto after = subscription.Next(std::chrono::milliseconds(0));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  EXPECT_EQ(subscription.next_position(), static_cast<uint64_t>(kAppends) + 1);
}

TEST_P(ConcurrencyConformance, SubscriptionResumesAfterACheckpoint) {
  for (int i = 0; i < 10; ++i) testing::MustAppend(store(), "order-1", "E");
  ASSERT_TRUE(store().SaveCheckpoint("reader", {6, {}, 0}).ok());
  auto checkpoint = store().LoadCheckpoint("reader");
  ASSERT_TRUE(checkpoint.ok() && checkpoint->has_value());
  SubscriptionOptions options;
  options.from_position = (*checkpoint)->position + 1;
  CatchUpSubscription subscription(store(), options);
  auto page = subscription.Next(std::chrono::milliseconds(0));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 4u);
  EXPECT_EQ(page->front().position, 7u);
  EXPECT_EQ(subscription.next_position(), 11u);
}

TEST_P(ConcurrencyConformance, SubscriptionWithAPageSizeOfZeroStillDeliversEveryEvent) {
  for (int i = 0; i < 5; ++i) testing::MustAppend(store(), "order-1", "E");
  SubscriptionOptions options;
  options.page_size = 0;
  CatchUpSubscription subscription(store(), options);
  std::vector<RecordedEvent> seen = Drain(subscription, 5);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.back().position, 5u);
}

TEST_P(ConcurrencyConformance, ReadAllRecordsGivesTheRecordsOfReadAll) {
  for (int i = 0; i < 30; ++i) testing::MustAppend(store(), "order-" + std::to_string(i % 4), "E");
  auto events = store().ReadAll(5, 20);
  auto records = store().ReadAllRecords(5, 20);
  ASSERT_TRUE(events.ok() && records.ok());
  ASSERT_EQ(records->size(), events->size());
  for (size_t i = 0; i < records->size(); ++i) {
    auto decoded = DecodeEventRecord((*records)[i]);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->position, (*events)[i].position);
    EXPECT_EQ(decoded->event_id, (*events)[i].event_id);
    EXPECT_EQ(decoded->data, (*events)[i].data);
  }
}

TEST_P(ConcurrencyConformance, AHeadWaiterIsCalledOnceWhenACommitPassesItsPosition) {
  MustAppend(*store_, "order-1", "E");
  std::mutex mu;
  std::vector<std::pair<int, uint64_t>> calls;  // (waiter, head)
  auto waiter = [&](int id) {
    return [&, id](uint64_t head) {
      std::lock_guard lock(mu);
      calls.emplace_back(id, head);
    };
  };
  store_->NotifyWhenHeadPasses(0, waiter(0));  // passed already: called at once
  store_->NotifyWhenHeadPasses(1, waiter(1));
  store_->NotifyWhenHeadPasses(2, waiter(2));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(calls, (std::vector<std::pair<int, uint64_t>>{{0, 1}}));
  }
  std::thread other([&] { MustAppend(*store_, "order-2", "E"); });  // a commit from another thread
  other.join();
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(calls, (std::vector<std::pair<int, uint64_t>>{{0, 1}, {1, 2}})) << "waiter 2 waits past 2";
  }
  MustAppend(*store_, "order-2", "E");
  MustAppend(*store_, "order-2", "E");
  std::lock_guard lock(mu);
  EXPECT_EQ(calls, (std::vector<std::pair<int, uint64_t>>{{0, 1}, {1, 2}, {2, 3}})) << "called twice";
}

TEST_P(ConcurrencyConformance, AClosingStoreCallsEveryHeadWaiterWithItsLastHead) {
  MustAppend(*store_, "order-1", "E");
  std::vector<uint64_t> heads;
  store_->NotifyWhenHeadPasses(1, [&](uint64_t head) { heads.push_back(head); });
  store_->NotifyWhenHeadPasses(7, [&](uint64_t head) { heads.push_back(head); });
  EXPECT_TRUE(heads.empty());
  store_.reset();
  EXPECT_EQ(heads, (std::vector<uint64_t>{1, 1})) << "a waiter of a closed store was left hanging";
}

INSTANTIATE_TEST_SUITE_P(Stores, ConcurrencyConformance, ::testing::ValuesIn(AllStores()), StoreName);

}  // namespace
}  // namespace cairn
