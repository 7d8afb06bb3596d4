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

TEST(KafkaProjection, ReadModelsFedByKafkaEqualThoseBuiltFromTheStore) {
  cairn::testing::TempDir dir;
  auto store = OpenEventStore(dir.Sub("data"), {.durability = cairn::Durability::kBuffered});
  ASSERT_TRUE(store.ok());
  {
    commerce::Commerce shop(**store, {.gateway = {.declined_customers = {"c-3"}},
                                      .channel = {.failing_recipients = {"c-4@example.com"}},
                                      .notification_max_attempts = 2});
    for (int n = 0; n < 40; ++n) {
      const std::string order = "o-" + std::to_string(n), customer = "c-" + std::to_string(n % 5);
      ASSERT_TRUE(shop.Handle(AsCommand(Place(order, customer, {{"tea", 1 + n % 3, 450}}))).ok());
      ASSERT_TRUE(shop.Handle(ChargeFor("ch-" + order, customer, 450 * (1 + n % 3), order)).ok());
      if (n % 5 == 3) {
        ASSERT_TRUE(shop.Handle(Cancel(order, "payment declined")).ok());
        continue;
      }
      ASSERT_TRUE(shop.Handle(Confirm(order, "ch-" + order)).ok());
      ASSERT_TRUE(shop.Handle(Send("n-" + order, customer + "@example.com", order)).ok());
      ASSERT_TRUE(shop.Handle(Deliver("n-" + order)).ok());
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
  for (const char* checkpoint : {"first", "second"}) {
    kafka::Publisher publisher(**store, {.brokers = (*mock)->bootstrap(), .checkpoint_name = checkpoint});
    ASSERT_TRUE(publisher.Start().ok());
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
  }
}

}  // namespace
}  // namespace cairn::projections
