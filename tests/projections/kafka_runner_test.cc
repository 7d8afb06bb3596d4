// Read models fed by Kafka (the mock cluster) equal, row for row, the same
// read models built from the store, even when every event was sent twice.
#include "projections/kafka/kafka_runner.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "engine/kafka/publisher.h"
#include "examples/commerce/commerce.h"
#include "examples/commerce/read_models.h"
#include "projections/rebuild.h"
#include "projections/runner.h"
#include "tests/examples/commerce/commerce_messages.h"
#include "tests/projections/counting_projector.h"
#include "tests/testing/eventually.h"
#include "tests/testing/temp_dir.h"

namespace cairn::projections {
namespace {

using namespace commerce::testing;

// Every row of every table and view of a read model except the runner's own, sorted.
std::vector<std::string> Dump(const std::string& path) {
  std::vector<std::string> rows;
  auto db = Database::OpenReadOnly(path);
  EXPECT_TRUE(db.ok()) << path;
  if (!db.ok()) return rows;
  auto tables = (*db)->Prepare(
      "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'cairn_%' ORDER BY name");
  std::vector<std::string> names;
  while (*tables->Step()) names.push_back(tables->Text(0));
  for (const std::string& name : names) {
    auto query = (*db)->Prepare("SELECT * FROM " + name);
    while (*query->Step()) {
      std::string row = name;
      for (int column = 0; column < query->columns(); ++column) row += "|" + query->Text(column);
      rows.push_back(row);
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Rows in the store runner's checkpoint table (0 when there is none).
int64_t CheckpointRows(const std::string& path) {
  auto db = Database::OpenReadOnly(path);
  if (!db.ok()) return -1;
  auto exists = (*db)->Prepare("SELECT count(*) FROM sqlite_master WHERE name = 'cairn_checkpoint'");
  if (!exists.ok() || !*exists->Step() || exists->Int(0) == 0) return 0;
  auto rows = (*db)->Prepare("SELECT count(*) FROM cairn_checkpoint");
  return rows.ok() && *rows->Step() ? rows->Int(0) : -1;
}

TEST(KafkaProjection, ReadModelsFedByKafkaEqualThoseBuiltFromTheStore) {
  cairn::testing::TempDir dir;
  auto store = OpenEventStore(dir.Sub("data"), {.durability = cairn::Durability::kBuffered});
  ASSERT_TRUE(store.ok());
  {
    commerce::Commerce shop(**store, {.notification_max_attempts = 2});
    for (int n = 0; n < 40; ++n) {
      const std::string order = "o-" + std::to_string(n), customer = "c-" + std::to_string(n % 5);
      ASSERT_TRUE(shop.Handle(AsCommand(Place(order, customer, {{"tea", 1 + n % 3, 450}}))).ok());
      const std::string declined = customer == "c-3" ? "customer c-3 is declined" : "";
      ASSERT_TRUE(shop.Handle(ChargeFor("ch-" + order, customer, 450 * (1 + n % 3), order, declined)).ok());
      if (n % 5 == 3) {
        ASSERT_TRUE(shop.Handle(Cancel(order, "payment declined")).ok());
        continue;
      }
      ASSERT_TRUE(shop.Handle(Confirm(order, "ch-" + order)).ok());
      ASSERT_TRUE(shop.Handle(Send("n-" + order, customer + "@example.com", order)).ok());
      const std::string bounced = customer == "c-4" ? "mailbox c-4@example.com rejected the message" : "";
      ASSERT_TRUE(shop.Handle(Deliver("n-" + order, bounced)).ok());
      if (n % 7 == 0) {
        ASSERT_TRUE(shop.Handle(Refund("ch-" + order, "rf-" + order, 100)).ok());
      }
    }
  }
  const uint64_t head = (*store)->HeadPosition();
  EventTypeRegistry types;
  commerce::RegisterCommerceEvents(types);
  auto from_store = commerce::CommerceReadModels(types);
  std::vector<Projector*> all;
  for (auto& model : from_store) all.push_back(model.get());
  ASSERT_TRUE(Rebuild(**store, all, dir.Sub("from-store")).ok());

  // Two publishers with their own checkpoints: every event reaches Kafka twice.
  auto mock = kafka::MockCluster::Start(1);
  ASSERT_TRUE(mock.ok());
  Runtime runtime;
  for (const char* checkpoint : {"first", "second"}) {
    kafka::Publisher publisher(**store, {.brokers = (*mock)->bootstrap(), .checkpoint_name = checkpoint});
    ASSERT_TRUE(publisher.Start(runtime).ok());
    ASSERT_TRUE(publisher.WaitForCheckpoint(head, std::chrono::seconds(30)));
    ASSERT_TRUE(publisher.Stop().ok());
  }

  // How many events each read model handles: what its Kafka-fed twin must apply, once each.
  std::map<std::string, uint64_t> handled;
  auto all_events = (*store)->ReadAll(1, head);
  ASSERT_TRUE(all_events.ok());
  for (auto& model : from_store) {
    const auto types_of_model = model->event_types();
    for (const RecordedEvent& event : *all_events) handled[model->name()] += types_of_model.count(event.type);
  }

  auto from_kafka = commerce::CommerceReadModels(types);
  std::vector<std::thread> feeders;
  for (auto& model : from_kafka) {
    feeders.emplace_back([&, projector = model.get()] {
      KafkaRunnerOptions options{.directory = dir.Sub("from-kafka"),
                                 .consumer = {.brokers = (*mock)->bootstrap(),
                                              .group_id = "projection-" + projector->name(),
                                              .topics = {"cairn.order", "cairn.charge", "cairn.notification"},
                                              .properties = {{"session.timeout.ms", "6000"},
                                                             {"heartbeat.interval.ms", "1000"}}}};
      KafkaProjectionRunner runner(*projector, options);
      ASSERT_TRUE(runner.Open().ok());
      // Until every event of its types was applied once (the repeats are dropped),
      // and a second more brought nothing new.
      const uint64_t expected = handled[projector->name()];
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(90);
      auto quiet_since = std::chrono::steady_clock::now();
      while (std::chrono::steady_clock::now() < give_up) {
        auto ran = runner.RunOnce(std::chrono::milliseconds(100));
        ASSERT_TRUE(ran.ok()) << ran.status().ToString();
        if (*ran > 0) quiet_since = std::chrono::steady_clock::now();
        if (runner.applied() >= expected && std::chrono::steady_clock::now() - quiet_since > std::chrono::seconds(1)) break;
      }
      EXPECT_EQ(runner.applied(), expected) << projector->name();
    });
  }
  for (auto& feeder : feeders) feeder.join();

  for (auto& model : from_store) {
    const auto expected = Dump(ReadModelPath(dir.Sub("from-store"), model->name()));
    const auto actual = Dump(ReadModelPath(dir.Sub("from-kafka"), model->name()));
    EXPECT_GT(expected.size(), 10u) << model->name();
    EXPECT_EQ(actual, expected) << model->name();
    EXPECT_EQ(CheckpointRows(ReadModelPath(dir.Sub("from-kafka"), model->name())), 0)
        << model->name() << ": a Kafka-fed model has no gapless position to record";
  }
}

class KafkaFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenEventStore(dir_.Sub("data"), {.durability = cairn::Durability::kBuffered});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto mock = kafka::MockCluster::Start(1);
    ASSERT_TRUE(mock.ok());
    mock_ = std::move(mock).value();
  }
  void Append(int count) {
    for (int i = 0; i < count; ++i) {
      EventData event;
      event.type = "Placed";
      event.data = "{\"n\":" + std::to_string(i) + "}";
      ASSERT_TRUE(store_->Append("order-" + std::to_string(i % 9), ExpectedVersion::Any(), {event}).ok());
    }
  }
  KafkaRunnerOptions Options() {
    return {.directory = dir_.Sub("models"),
            .consumer = {.brokers = mock_->bootstrap(),
                         .group_id = "projection-counts",
                         .topics = {"cairn.order"},
                         .properties = {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "1000"}}}};
  }
  // Runs until the model at its path holds `events` in all and a second more brings nothing.
  void RunUntil(KafkaProjectionRunner& runner, const std::string& path, int64_t events) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    auto quiet_since = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < give_up) {
      auto ran = runner.RunOnce(std::chrono::milliseconds(100));
      ASSERT_TRUE(ran.ok()) << ran.status().ToString();
      if (*ran > 0) quiet_since = std::chrono::steady_clock::now();
      if (Total(path) >= events && std::chrono::steady_clock::now() - quiet_since > std::chrono::seconds(1)) break;
    }
    EXPECT_EQ(Total(path), events);
  }
  static int64_t Total(const std::string& path) {
    int64_t total = 0;
    for (const auto& [stream, row] : testing::ReadCounts(path)) total += row.first;
    return total;
  }

  cairn::testing::TempDir dir_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<kafka::MockCluster> mock_;
  testing::CountingProjector projector_;
};

TEST_F(KafkaFeedTest, NeitherRunnerOpensAModelOfTheOtherFeed) {
  Append(5);
  KafkaRunnerOptions kafka_options = Options();
  {
    KafkaProjectionRunner runner(projector_, kafka_options);
    ASSERT_TRUE(runner.Open().ok());
  }
  ProjectionRunner from_store(*store_, projector_, {.directory = kafka_options.directory});
  Status refused = from_store.Open();
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.ToString();
  EXPECT_NE(refused.message().find("cairn projections reset counts"), std::string::npos) << refused.message();

  kafka_options.directory = dir_.Sub("store-fed");
  {
    ProjectionRunner runner(*store_, projector_, {.directory = kafka_options.directory});
    ASSERT_TRUE(runner.Open().ok());
  }
  KafkaProjectionRunner from_kafka(projector_, kafka_options);
  Status also_refused = from_kafka.Open();
  EXPECT_EQ(also_refused.code(), StatusCode::kInvalidArgument) << also_refused.ToString();
  EXPECT_NE(also_refused.message().find("cairn projections reset counts"), std::string::npos) << also_refused.message();
}

TEST_F(KafkaFeedTest, AStartedKafkaRunnerIsWokenByMessagesAndStopsWithNothingAppliedTwice) {
  Runtime runtime(1, 1);  // the publisher and the runner share one io thread and one blocking thread
  kafka::Publisher publisher(*store_, {.brokers = mock_->bootstrap()});
  ASSERT_TRUE(publisher.Start(runtime).ok());
  const std::string path = ReadModelPath(Options().directory, projector_.name());
  {
    KafkaProjectionRunner runner(projector_, Options());
    ASSERT_TRUE(runner.Start(runtime).ok());
    Append(100);
    ASSERT_TRUE(cairn::testing::Eventually([&] { return Total(path) == 100; }, std::chrono::seconds(60))) << Total(path);
    Append(20);
    ASSERT_TRUE(cairn::testing::Eventually([&] { return Total(path) == 120; }, std::chrono::seconds(60))) << Total(path);
    ASSERT_TRUE(runner.Stop().ok());
  }
  ASSERT_TRUE(publisher.Stop().ok());
  testing::CountingProjector reference;
  ASSERT_TRUE(Rebuild(*store_, {&reference}, dir_.Sub("reference")).ok());
  EXPECT_EQ(Dump(path), Dump(ReadModelPath(dir_.Sub("reference"), reference.name())));
}

TEST_F(KafkaFeedTest, AStreamWhoseEarlyEventsKafkaNoLongerHoldsFailsWithDataLoss) {
  // As if retention deleted them: the publisher starts past the first 9
  // events, so each of the 9 streams begins at version 1 in Kafka.
  Append(27);
  ASSERT_TRUE(store_->SaveCheckpoint(kafka::KafkaOptions{}.checkpoint_name, {.position = 9}).ok());
  Runtime runtime;
  kafka::Publisher publisher(*store_, {.brokers = mock_->bootstrap()});
  ASSERT_TRUE(publisher.Start(runtime).ok());
  ASSERT_TRUE(publisher.WaitForCheckpoint(27, std::chrono::seconds(30)));
  KafkaProjectionRunner runner(projector_, Options());
  Result<size_t> ran = size_t{0};
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ran.ok() && std::chrono::steady_clock::now() < give_up) ran = runner.RunOnce(std::chrono::milliseconds(100));
  ASSERT_EQ(ran.status().code(), StatusCode::kDataLoss) << ran.status().ToString();
  EXPECT_NE(ran.status().message().find("from version 0 to 1"), std::string::npos) << ran.status().message();
  EXPECT_NE(ran.status().message().find("cairn projections rebuild counts"), std::string::npos) << ran.status().message();
  EXPECT_EQ(Total(ReadModelPath(Options().directory, projector_.name())), 0) << "a model with a hole was kept";
  ASSERT_TRUE(publisher.Stop().ok());
}

TEST_F(KafkaFeedTest, TheKafkaRunnerFollowsARebuildSwapAndLosesNothing) {
  Append(100);
  Runtime runtime;
  kafka::Publisher publisher(*store_, {.brokers = mock_->bootstrap()});
  ASSERT_TRUE(publisher.Start(runtime).ok());
  KafkaProjectionRunner runner(projector_, Options());
  ASSERT_TRUE(runner.Open().ok());
  const std::string path = ReadModelPath(Options().directory, projector_.name());
  RunUntil(runner, path, 100);

  // A rebuild from the store swaps in a new generation under the running runner.
  testing::CountingProjector rebuilt;
  ASSERT_TRUE(Rebuild(*store_, {&rebuilt}, Options().directory).ok());
  Append(50);
  ASSERT_TRUE(publisher.WaitForCheckpoint(150, std::chrono::seconds(30)));
  RunUntil(runner, path, 150);
  ASSERT_TRUE(publisher.Stop().ok());
  EXPECT_EQ(CheckpointRows(path), 0);

  testing::CountingProjector reference;
  ASSERT_TRUE(Rebuild(*store_, {&reference}, dir_.Sub("reference")).ok());
  EXPECT_EQ(Dump(path), Dump(ReadModelPath(dir_.Sub("reference"), reference.name())))
      << "the model behind the link is not the whole log, once each";
}

}  // namespace
}  // namespace cairn::projections
