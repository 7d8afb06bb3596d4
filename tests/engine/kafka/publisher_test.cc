// The publisher against librdkafka's mock cluster: every event arrives, once
// per partition, in stream order, through a broker outage too.
#include "engine/kafka/publisher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "store/event_record.h"
#include "store/fault_injecting_event_store.h"
#include "tests/testing/eventually.h"
#include "tests/testing/kafka_reader.h"
#include "tests/testing/temp_dir.h"

namespace cairn::kafka {
namespace {

EventData Event(const std::string& type, int n) {
  EventData event;
  event.type = type;
  event.data = "{\"n\":" + std::to_string(n) + "}";
  event.metadata[std::string(kCorrelationIdKey)] = "corr-" + std::to_string(n % 7);
  // Every other event carries a trace context, which the publisher passes on as a header.
  if (n % 2 == 0) event.metadata[std::string(kTraceparentKey)] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  return event;
}

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenEventStore(dir_.Sub("data"), {.durability = Durability::kBuffered});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
  }
  void Append(int count, int offset = 0) {
    for (int i = offset; i < offset + count; ++i) {
      const std::string stream = (i % 3 == 0 ? "charge-" : "order-") + std::to_string(i % 17);
      ASSERT_TRUE(store_->Append(stream, ExpectedVersion::Any(), {Event(i % 3 == 0 ? "Charged" : "Placed", i)}).ok());
    }
  }
  // Per stream, the versions in the order their partition holds them; and every position seen.
  struct Seen {
    std::map<std::string, std::vector<uint64_t>> versions;
    std::map<std::string, std::set<std::pair<std::string, int32_t>>> partitions;
    std::map<uint64_t, int> copies;
  };
  Seen Read(const std::string& bootstrap, size_t at_least) {
    Seen seen;
    auto messages = testing::ReadTopics(bootstrap, {"cairn.order", "cairn.charge"}, at_least, std::chrono::seconds(30));
    for (const auto& message : messages) {
      auto event = DecodeEventRecord(message.value);
      EXPECT_TRUE(event.ok());
      if (!event.ok()) continue;
      EXPECT_EQ(message.key, event->stream);
      EXPECT_EQ(message.headers.at("position"), std::to_string(event->position));
      EXPECT_EQ(message.headers.at("type"), event->type);
      EXPECT_EQ(message.headers.at("event_id"), event->event_id.ToString());
      EXPECT_EQ(message.headers.at("correlation_id"), event->metadata.at("correlation_id"));
      auto trace = event->metadata.find(kTraceparentKey);
      if (trace == event->metadata.end()) {
        EXPECT_EQ(message.headers.count("traceparent"), 0u);
      } else {
        EXPECT_EQ(message.headers.at("traceparent"), trace->second);
      }
      EXPECT_EQ(message.topic, "cairn." + std::string(CategoryOf(event->stream)));
      seen.versions[event->stream].push_back(event->version);
      seen.partitions[event->stream].insert({message.topic, message.partition});
      ++seen.copies[event->position];
    }
    return seen;
  }

  Runtime runtime_;  // outlives every publisher of a test
  testing::TempDir dir_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(PublisherTest, EveryEventArrivesOnceInStreamOrderWithItsHeaders) {
  Append(1500);
  Publisher publisher(*store_, {});
  ASSERT_TRUE(publisher.Start(runtime_).ok());
  Append(500, 1500);
  ASSERT_TRUE(publisher.WaitForCheckpoint(2000, std::chrono::seconds(30))) << publisher.status().checkpoint;
  Seen seen = Read(publisher.bootstrap(), 2000);
  ASSERT_EQ(seen.copies.size(), 2000u);
  for (const auto& [position, copies] : seen.copies) EXPECT_EQ(copies, 1) << "global position " << position;
  for (const auto& [stream, versions] : seen.versions) {
    EXPECT_EQ(seen.partitions[stream].size(), 1u) << stream << " spread over partitions";
    for (size_t v = 0; v < versions.size(); ++v) ASSERT_EQ(versions[v], v) << stream;
  }
  ASSERT_TRUE(publisher.Stop().ok());
  auto checkpoint = store_->LoadCheckpoint("kafka-publisher");
  ASSERT_TRUE(checkpoint.ok() && checkpoint->has_value());
  EXPECT_EQ((*checkpoint)->position, 2000u);
  EXPECT_EQ(publisher.status().state, PublisherState::kStopped);
}

TEST_F(PublisherTest, ARestartResumesFromTheCheckpoint) {
  Append(300);
  auto mock = MockCluster::Start(1);
  ASSERT_TRUE(mock.ok());
  {
    Publisher first(*store_, {.brokers = (*mock)->bootstrap()});
    ASSERT_TRUE(first.Start(runtime_).ok());
    ASSERT_TRUE(first.WaitForCheckpoint(300, std::chrono::seconds(30)));
    ASSERT_TRUE(first.Stop().ok());
  }
  Append(200, 300);
  Publisher second(*store_, {.brokers = (*mock)->bootstrap()});
  ASSERT_TRUE(second.Start(runtime_).ok());
  ASSERT_TRUE(second.WaitForCheckpoint(500, std::chrono::seconds(30)));
  EXPECT_EQ(second.status().published, 200u);  // nothing before the checkpoint again
  Seen seen = Read((*mock)->bootstrap(), 500);
  EXPECT_EQ(seen.copies.size(), 500u);
  for (const auto& [position, copies] : seen.copies) EXPECT_EQ(copies, 1) << position;
}

TEST_F(PublisherTest, ABrokerOutageUnderLoadLosesNothingAndKeepsStreamOrder) {
  MetricsRegistry metrics;
  Publisher publisher(*store_, {.mock_brokers = 3}, &metrics);
  ASSERT_TRUE(publisher.Start(runtime_).ok());
  std::atomic<bool> appending{true};
  std::atomic<int> appended{0};
  std::thread writer([&] {
    while (appending) {
      Append(10, appended);
      appended += 10;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  ASSERT_TRUE(testing::Eventually([&] { return publisher.status().published >= 100; })) << "nothing published";
  for (int broker = 1; broker <= 3; ++broker) ASSERT_TRUE(publisher.mock()->SetBrokerDown(broker).ok());
  ASSERT_TRUE(testing::Eventually([&] { return publisher.status().state == PublisherState::kBrokersDown; }));
  EXPECT_NE(metrics.RenderPrometheus().find("cairn_kafka_publisher_state 2\n"), std::string::npos);
  // Appends go on during the outage, and the publisher holds them back.
  const int appended_in_outage = appended;
  ASSERT_TRUE(testing::Eventually([&] { return appended >= appended_in_outage + 200; }));
  const uint64_t during = publisher.status().lag();
  for (int broker = 1; broker <= 3; ++broker) ASSERT_TRUE(publisher.mock()->SetBrokerUp(broker).ok());
  const uint64_t published_before = publisher.status().published;
  ASSERT_TRUE(testing::Eventually([&] { return publisher.status().published > published_before; }))
      << "nothing published after the brokers came back";
  appending = false;
  writer.join();
  const uint64_t head = store_->HeadPosition();
  EXPECT_GT(during, 0u) << "the outage held nothing back";
  ASSERT_TRUE(publisher.WaitForCheckpoint(head, std::chrono::seconds(60))) << publisher.status().checkpoint << " of " << head;
  EXPECT_EQ(publisher.status().state, PublisherState::kRunning);
  EXPECT_NE(metrics.RenderPrometheus().find("cairn_kafka_publisher_lag_events 0\n"), std::string::npos);
  Seen seen = Read(publisher.bootstrap(), head);
  for (uint64_t p = 1; p <= head; ++p) ASSERT_GE(seen.copies[p], 1) << "global position " << p << " was lost";
  size_t repeated = 0;
  for (const auto& [position, copies] : seen.copies) repeated += copies > 1;
  std::printf("%llu events, %zu sent more than once across the outage\n", static_cast<unsigned long long>(head), repeated);
  for (const auto& [stream, versions] : seen.versions) {
    uint64_t next = 0;
    for (uint64_t v : versions) {
      ASSERT_LE(v, next) << stream << " skipped ahead";  // a repeat is allowed, a jump is not
      if (v == next) ++next;
    }
  }
}

TEST_F(PublisherTest, AStoreThatCannotBeReadHoldsThePublisherBackUntilItHeals) {
  FaultInjectingEventStore faulty(*store_);
  faulty.FailUntilHealed(StoreOperation::kRead, UnavailableError("store is away"));
  MetricsRegistry metrics;
  Publisher publisher(faulty, {}, &metrics);
  ASSERT_TRUE(publisher.Start(runtime_).ok());
  Append(300);
  ASSERT_TRUE(testing::Eventually([&] { return publisher.status().state == PublisherState::kStoreUnavailable; }));
  EXPECT_NE(metrics.RenderPrometheus().find("cairn_kafka_publisher_state 5\n"), std::string::npos);
  const uint64_t reads = faulty.calls(StoreOperation::kRead);
  ASSERT_TRUE(testing::Eventually([&] { return faulty.calls(StoreOperation::kRead) > reads; })) << "it stopped trying";
  EXPECT_EQ(publisher.status().checkpoint, 0u);
  faulty.Heal();
  ASSERT_TRUE(publisher.WaitForCheckpoint(300, std::chrono::seconds(30))) << publisher.status().checkpoint;
  EXPECT_EQ(publisher.status().state, PublisherState::kRunning);
  Seen seen = Read(publisher.bootstrap(), 300);
  EXPECT_EQ(seen.copies.size(), 300u);
  for (const auto& [position, copies] : seen.copies) EXPECT_EQ(copies, 1) << "global position " << position;
}

TEST_F(PublisherTest, ACheckpointThatCannotBeSavedIsSavedLaterAndNothingIsSkipped) {
  FaultInjectingEventStore faulty(*store_);
  Append(200);
  auto mock = MockCluster::Start(1);
  ASSERT_TRUE(mock.ok());
  {
    faulty.FailUntilHealed(StoreOperation::kSaveCheckpoint, UnavailableError("disk away"));
    Publisher first(faulty, {.brokers = (*mock)->bootstrap()});
    ASSERT_TRUE(first.Start(runtime_).ok());
    ASSERT_TRUE(first.WaitForCheckpoint(200, std::chrono::seconds(30)));
    EXPECT_EQ(first.Stop().code(), StatusCode::kUnavailable) << "Stop hid the unsaved checkpoint";
  }
  EXPECT_FALSE(store_->LoadCheckpoint("kafka-publisher")->has_value());
  faulty.Heal();
  Publisher second(faulty, {.brokers = (*mock)->bootstrap()});
  ASSERT_TRUE(second.Start(runtime_).ok());
  ASSERT_TRUE(second.WaitForCheckpoint(200, std::chrono::seconds(30)));
  ASSERT_TRUE(second.Stop().ok());
  EXPECT_EQ(store_->LoadCheckpoint("kafka-publisher")->value().position, 200u);
  Seen seen = Read((*mock)->bootstrap(), 400);
  for (uint64_t p = 1; p <= 200; ++p) EXPECT_EQ(seen.copies[p], 2) << "at least once: sent again from the saved checkpoint";
}

TEST_F(PublisherTest, AnIdlePublisherHoldsNoThreadAndReadsNothingUntilTheNextCommit) {
  FaultInjectingEventStore counted(*store_);
  Runtime runtime(1, 1);  // shared with nothing else: the publisher must not hold either thread
  Publisher publisher(counted, {.checkpoint_interval = std::chrono::milliseconds(50)});
  ASSERT_TRUE(publisher.Start(runtime).ok());
  Append(100);
  ASSERT_TRUE(publisher.WaitForCheckpoint(100, std::chrono::seconds(30)));
  const uint64_t reads = counted.calls(StoreOperation::kRead);
  const auto idle_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  testing::Eventually([&] { return std::chrono::steady_clock::now() >= idle_until; });
  EXPECT_EQ(counted.calls(StoreOperation::kRead), reads) << "an idle publisher polled the store";
  // Its checkpoint timer still runs on the same runtime, and a commit wakes it.
  ASSERT_TRUE(testing::Eventually([&] { return store_->LoadCheckpoint("kafka-publisher")->has_value(); }));
  Append(10, 100);
  ASSERT_TRUE(publisher.WaitForCheckpoint(110, std::chrono::seconds(30)));
  ASSERT_TRUE(publisher.Stop().ok());
  EXPECT_EQ(store_->LoadCheckpoint("kafka-publisher")->value().position, 110u);
}

TEST_F(PublisherTest, ABadLibrdkafkaPropertyIsAClearError) {
  Publisher publisher(*store_, {.properties = {{"linger.mss", "5"}}});
  Status started = publisher.Start(runtime_);
  EXPECT_EQ(started.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(started.message().find("linger.mss"), std::string::npos) << started.message();
}

}  // namespace
}  // namespace cairn::kafka
