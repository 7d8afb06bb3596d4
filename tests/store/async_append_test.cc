// Asynchronous appends on the RocksDB store: many in flight from one thread,
// racing expected versions, and a close with appends outstanding.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "store/event_store.h"
#include "tests/store/store_test_util.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

using testing::JsonEvent;

// Counts callbacks and waits until `expected` have come.
class Callbacks {
 public:
  EventStore::AppendCallback Next(std::function<void(Result<AppendResult>)> check) {
    return [this, check = std::move(check)](Result<AppendResult> result) {
      check(std::move(result));
      std::lock_guard lock(mu_);
      ++calls_;
      cv_.notify_all();
    };
  }
  bool WaitFor(int expected) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return calls_ >= expected; });
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
};

std::vector<StreamAppend> One(const std::string& stream, ExpectedVersion expected) {
  return {StreamAppend{stream, expected, {JsonEvent("E")}}};
}

TEST(AsyncAppend, RacingExpectedVersionsFromOneThreadHaveOneWinnerEach) {
  cairn::testing::TempDir dir;
  auto store = OpenEventStore(dir.path());
  ASSERT_TRUE(store.ok());
  constexpr int kVersions = 300;
  Callbacks callbacks;
  std::mutex mu;
  std::map<uint64_t, int> winners;  // version -> appends that got it
  int conflicts = 0;
  for (int v = 0; v < kVersions; ++v) {
    const ExpectedVersion expected = v == 0 ? ExpectedVersion::NoStream() : ExpectedVersion::Exact(v - 1);
    for (int contender = 0; contender < 2; ++contender) {
      (*store)->AppendAsync(One("order-1", expected), callbacks.Next([&](Result<AppendResult> result) {
        std::lock_guard lock(mu);
        if (result.ok()) {
          ++winners[result->events.front().version];
        } else {
          EXPECT_EQ(result.status().code(), StatusCode::kAborted) << result.status().ToString();
          ++conflicts;
        }
      }));
    }
  }
  ASSERT_TRUE(callbacks.WaitFor(2 * kVersions)) << callbacks.calls() << " callbacks";
  EXPECT_EQ(conflicts, kVersions);
  ASSERT_EQ(winners.size(), static_cast<size_t>(kVersions));
  for (const auto& [version, count] : winners) EXPECT_EQ(count, 1) << "version " << version;
  EXPECT_EQ((*store)->GetStreamHead("order-1")->last_version, kVersions - 1u);
  EXPECT_EQ(callbacks.calls(), 2 * kVersions) << "a callback came twice";
}

// The stats of a new store once `count` events, each to its own stream,
// appended asynchronously from this thread are acknowledged, and how long
// the store had been open by then.
struct AfterAppends {
  StoreStats stats;
  uint64_t micros_open = 0;
};

AfterAppends StatsAfterAppends(Durability durability, int count) {
  cairn::testing::TempDir dir;
  const auto opened = std::chrono::steady_clock::now();
  auto store = OpenEventStore(dir.path(), {.durability = durability});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return {};
  Callbacks callbacks;
  for (int i = 0; i < count; ++i) {
    (*store)->AppendAsync(One("order-" + std::to_string(i), ExpectedVersion::NoStream()),
                          callbacks.Next([](Result<AppendResult> result) { EXPECT_TRUE(result.ok()); }));
  }
  EXPECT_TRUE(callbacks.WaitFor(count));
  Result<StoreStats> stats = (*store)->Stats();
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  const auto open = std::chrono::steady_clock::now() - opened;
  return {stats.ok() ? *stats : StoreStats(),
          static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(open).count())};
}

TEST(AsyncAppend, StatsCountTheGroupsAndTheSyncsThatMadeThemDurable) {
  const auto [stats, micros_open] = StatsAfterAppends(Durability::kSync, 200);
  EXPECT_EQ(stats.grouped_appends, 200u);
  EXPECT_GE(stats.commit_groups, 1u);
  EXPECT_LE(stats.commit_groups, 200u);
  EXPECT_GE(stats.log_syncs, 1u);
  EXPECT_LE(stats.log_syncs, stats.commit_groups);  // one sync covers every group written meanwhile
  EXPECT_GT(stats.log_sync_micros, 0u);
  EXPECT_LE(stats.log_sync_micros, micros_open);  // one sync at a time
  EXPECT_GT(stats.commit_micros, 0u);
  EXPECT_LE(stats.commit_micros, micros_open);  // one group at a time
}

TEST(AsyncAppend, ABufferedStoreNeverSyncsItsLog) {
  const auto [stats, micros_open] = StatsAfterAppends(Durability::kBuffered, 200);
  EXPECT_EQ(stats.grouped_appends, 200u);
  EXPECT_EQ(stats.log_syncs, 0u);
  EXPECT_EQ(stats.log_sync_micros, 0u);
  EXPECT_GT(stats.commit_micros, 0u);  // its groups are written all the same
  EXPECT_LE(stats.commit_micros, micros_open);
}

TEST(AsyncAppend, ClosingWithAppendsInFlightCompletesEveryOne) {
  cairn::testing::TempDir dir;
  constexpr int kAppends = 3000;
  Callbacks callbacks;
  std::atomic<int> succeeded{0};
  {
    auto store = OpenEventStore(dir.path());
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < kAppends; ++i) {
      (*store)->AppendAsync(One("order-" + std::to_string(i % 31), ExpectedVersion::Any()),
                            callbacks.Next([&](Result<AppendResult> result) {
                              EXPECT_TRUE(result.ok()) << result.status().ToString();
                              succeeded += result.ok();
                            }));
    }
  }  // closes with most of them queued
  EXPECT_EQ(callbacks.calls(), kAppends) << "the close left callbacks uncalled";
  auto reopened = OpenEventStore(dir.path());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->HeadPosition(), static_cast<uint64_t>(succeeded.load()));
  EXPECT_TRUE((*reopened)->Verify({}).ok());
}

TEST(AsyncAppend, ACallbackThatAppendsAgainWhileTheStoreClosesIsRefusedInTurn) {
  // Every callback appends again, so the chains run into the close. The
  // closing store refuses at once, and the callback it calls appends again:
  // that must be refused in turn, not wait forever on the store's queue.
  cairn::testing::TempDir dir;
  std::atomic<int> appended{0}, refused{0};
  std::function<void(EventStore&)> again = [&](EventStore& store) {
    store.AppendAsync(One("order-1", ExpectedVersion::Any()), [&](Result<AppendResult> result) {
      if (result.ok()) {
        ++appended;
        return again(store);
      }
      EXPECT_EQ(result.status().code(), StatusCode::kUnavailable) << result.status().ToString();
      if (++refused < 20) again(store);
    });
  };
  {
    auto store = OpenEventStore(dir.path());
    ASSERT_TRUE(store.ok());
    for (int chain = 0; chain < 8; ++chain) again(**store);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the chains run a while
  }
  EXPECT_GE(refused.load(), 20);
  auto reopened = OpenEventStore(dir.path());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->HeadPosition(), static_cast<uint64_t>(appended.load()));
  EXPECT_GT(appended.load(), 0);
}

TEST(AsyncAppend, ReadersOfAllAndCategoriesSeeNothingPastTheDurableHead) {
  // The writer writes the next group while the last one syncs: an event may
  // be in RocksDB before it is durable, and no reader of `$all` may see it.
  cairn::testing::TempDir dir;
  auto store = OpenEventStore(dir.path());
  ASSERT_TRUE(store.ok());
  constexpr int kAppends = 4000;
  Callbacks callbacks;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, ahead{0};
  std::thread reader([&] {
    while (!done) {
      auto all = (*store)->ReadAllRecords(1, 1 << 20);
      auto category = (*store)->ReadCategory("order", 1, 1 << 20);
      const uint64_t head = (*store)->HeadPosition();  // after the reads: it only grows
      ASSERT_TRUE(all.ok() && category.ok());
      ahead += all->size() > head;
      ahead += !category->empty() && category->back().position > head;
      ++reads;
    }
  });
  for (int i = 0; i < kAppends; ++i) {
    (*store)->AppendAsync(One("order-" + std::to_string(i % 31), ExpectedVersion::Any()),
                          callbacks.Next([](Result<AppendResult> result) { EXPECT_TRUE(result.ok()); }));
  }
  ASSERT_TRUE(callbacks.WaitFor(kAppends));
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 1);
  EXPECT_EQ(ahead.load(), 0) << "a reader saw events before the sync that made them durable";
  EXPECT_EQ((*store)->HeadPosition(), static_cast<uint64_t>(kAppends));
}

TEST(AsyncAppend, RefusalsComeAtOnceOnTheCallersThread) {
  cairn::testing::TempDir dir;
  {
    auto store = OpenEventStore(dir.path());
    ASSERT_TRUE(store.ok());
    std::optional<StatusCode> code;
    (*store)->AppendAsync(One("", ExpectedVersion::Any()), [&](Result<AppendResult> r) { code = r.status().code(); });
    EXPECT_EQ(code, StatusCode::kInvalidArgument);
  }
  auto reader = OpenEventStoreForReading(dir.path());
  ASSERT_TRUE(reader.ok());
  std::optional<StatusCode> code;
  (*reader)->AppendAsync(One("order-1", ExpectedVersion::Any()), [&](Result<AppendResult> r) { code = r.status().code(); });
  EXPECT_EQ(code, StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace cairn
