// The consumer feed: a two-member group that rebalances while it reads, with
// the offsets kept beside the handled state, loses and repeats nothing.
#include "engine/kafka/consumer_feed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "engine/kafka/publisher.h"
#include "tests/testing/kafka_reader.h"
#include "tests/testing/temp_dir.h"

namespace cairn::kafka {
namespace {

// The handlers' shared state: events handled, and beside them (as if in the
// same transaction) the next offset of every partition.
class HandledState final : public OffsetKeeper {
 public:
  std::optional<int64_t> NextOffset(const std::string& topic, int32_t partition) override {
    std::lock_guard lock(mu_);
    auto it = next_.find({topic, partition});
    if (it == next_.end()) return std::nullopt;
    return it->second;
  }
  void Handle(const FeedEvent& event, const std::string& member) {
    std::lock_guard lock(mu_);
    ++copies_[event.event.position];
    by_member_[member] += 1;
    next_[{event.topic, event.partition}] = event.offset + 1;
  }
  size_t distinct() const {
    std::lock_guard lock(mu_);
    return copies_.size();
  }
  std::map<uint64_t, int> copies() const {
    std::lock_guard lock(mu_);
    return copies_;
  }
  std::map<std::string, int> by_member() const {
    std::lock_guard lock(mu_);
    return by_member_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int32_t>, int64_t> next_;
  std::map<uint64_t, int> copies_;
  std::map<std::string, int> by_member_;
};

ConsumerOptions Member(const std::string& bootstrap) {
  // The mock cluster's group timing: a short session keeps rejoins quick.
  return {.brokers = bootstrap,
          .group_id = "projector",
          .topics = {"cairn.order"},
          .properties = {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "1000"}}};
}

TEST(ConsumerFeed, ARebalanceBetweenTwoMembersLosesAndRepeatsNothing) {
  testing::TempDir dir;
  auto store = OpenEventStore(dir.Sub("data"), {.durability = Durability::kBuffered});
  ASSERT_TRUE(store.ok());
  constexpr int kEvents = 3000;
  for (int i = 0; i < kEvents; ++i) {
    EventData event;
    event.type = "Placed";
    event.data = "{}";
    ASSERT_TRUE((*store)->Append("order-" + std::to_string(i % 40), ExpectedVersion::Any(), {event}).ok());
  }
  Runtime runtime;
  Publisher publisher(**store, {.mock_brokers = 1, .mock_partitions = 4});
  ASSERT_TRUE(publisher.Start(runtime).ok());
  ASSERT_TRUE(publisher.WaitForCheckpoint(kEvents, std::chrono::seconds(30)));

  HandledState state;
  std::atomic<bool> done{false};
  auto run = [&](const std::string& name) {
    auto feed = ConsumerFeed::Open(Member(publisher.bootstrap()), &state);
    ASSERT_TRUE(feed.ok()) << feed.status().ToString();
    while (!done) {
      auto events = (*feed)->Poll(5, std::chrono::milliseconds(100));
      ASSERT_TRUE(events.ok()) << events.status().ToString();
      for (const FeedEvent& event : *events) state.Handle(event, name);
      // A handler that takes its time (about 500 events/s): the group has to
      // rebalance while there is still work.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  };
  std::thread first(run, "first");
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (state.distinct() < kEvents / 5 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::thread second(run, "second");  // joins mid-way: the group rebalances
  while (state.distinct() < kEvents && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  done = true;
  first.join();
  second.join();

  auto copies = state.copies();
  ASSERT_EQ(copies.size(), static_cast<size_t>(kEvents)) << "events were lost";
  for (const auto& [position, count] : copies) EXPECT_EQ(count, 1) << "global position " << position << " handled twice";
  auto members = state.by_member();
  EXPECT_GT(members["first"], 0);
  EXPECT_GT(members["second"], 0) << "the second member never got a partition";
  ASSERT_TRUE(publisher.Stop().ok());
}

// A message on a topic that is not an event (written by something other than
// the publisher): the events before it are read, then every Poll stops at it.
TEST(ConsumerFeed, AMessageThatIsNotAnEventStopsEveryPollAndNothingPastItIsRead) {
  testing::TempDir dir;
  auto store = OpenEventStore(dir.Sub("data"), {.durability = Durability::kBuffered});
  ASSERT_TRUE(store.ok());
  auto append = [&](int count) {
    for (int i = 0; i < count; ++i) {
      EventData event;
      event.type = "Placed";
      event.data = "{}";
      ASSERT_TRUE((*store)->Append("order-1", ExpectedVersion::Any(), {event}).ok());
    }
  };
  append(3);
  Runtime runtime;
  Publisher publisher(**store, {.mock_brokers = 1, .mock_partitions = 1});
  ASSERT_TRUE(publisher.Start(runtime).ok());
  ASSERT_TRUE(publisher.WaitForCheckpoint(3, std::chrono::seconds(30)));
  ASSERT_TRUE(testing::WriteMessage(publisher.bootstrap(), "cairn.order", 0, "not an event"));
  append(2);
  ASSERT_TRUE(publisher.WaitForCheckpoint(5, std::chrono::seconds(30)));

  auto feed =
      ConsumerFeed::Open({.brokers = publisher.bootstrap(), .group_id = "reader", .topics = {"cairn.order"}}, nullptr);
  ASSERT_TRUE(feed.ok()) << feed.status().ToString();
  std::vector<uint64_t> versions;
  Status stopped = OkStatus();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (stopped.ok() && std::chrono::steady_clock::now() < give_up) {
    auto events = (*feed)->Poll(10, std::chrono::milliseconds(500));
    if (!events.ok()) {
      stopped = events.status();
      break;
    }
    for (const FeedEvent& event : *events) versions.push_back(event.event.version);
  }
  EXPECT_EQ(versions, (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(stopped.code(), StatusCode::kDataLoss) << stopped.ToString();
  EXPECT_NE(stopped.message().find("cairn.order/0@3"), std::string::npos) << stopped.message();
  // Later polls find it again (once the partition is fetched anew) and never read past it.
  int stopped_again = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (stopped_again < 3 && std::chrono::steady_clock::now() < until) {
    auto again = (*feed)->Poll(10, std::chrono::milliseconds(500));
    if (!again.ok()) {
      EXPECT_EQ(again.status().code(), StatusCode::kDataLoss) << again.status().ToString();
      ++stopped_again;
      continue;
    }
    ASSERT_TRUE(again->empty()) << "a poll went past the message to version " << again->front().event.version;
  }
  EXPECT_EQ(stopped_again, 3);
  ASSERT_TRUE(publisher.Stop().ok());
}

TEST(ConsumerFeed, DuplicateFilterDropsRedeliveriesByStreamVersion) {
  DuplicateFilter filter;
  RecordedEvent event;
  event.stream = "order-1";
  const std::vector<std::pair<uint64_t, bool>> deliveries = {{0, true},  {1, true},  {1, false},
                                                              {2, true},  {0, false}, {3, true}};
  for (const auto& [version, accepted] : deliveries) {
    event.version = version;
    EXPECT_EQ(filter.Accept(event), accepted) << "version " << version;
  }
  event.stream = "order-2";
  event.version = 0;
  EXPECT_TRUE(filter.Accept(event)) << "streams are filtered apart";
  DuplicateFilter seeded;
  seeded.Remember("order-1", 5);
  event.stream = "order-1";
  event.version = 5;
  EXPECT_FALSE(seeded.Accept(event));
  event.version = 6;
  EXPECT_TRUE(seeded.Accept(event));
}

}  // namespace
}  // namespace cairn::kafka
