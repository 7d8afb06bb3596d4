// The projection runner: checkpoint and changes in one transaction, restarts,
// and poison events under the park and stop policies.
#include "projections/runner.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "store/fault_injecting_event_store.h"
#include "tests/projections/counting_projector.h"
#include "tests/testing/eventually.h"
#include "tests/testing/temp_dir.h"

namespace cairn::projections {
namespace {

using testing::CountingProjector;
using testing::ReadCounts;

class RunnerTest : public ::testing::Test {
 protected:
  void Append(const std::string& stream, const std::string& type, const std::string& data = "{\"n\":1}") {
    EventData event;
    event.type = type;
    event.data = data;
    ASSERT_TRUE(store_->Append(stream, ExpectedVersion::Any(), {event}).ok());
  }
  RunnerOptions Options(PoisonPolicy policy = PoisonPolicy::kPark) {
    return {.directory = dir_.Sub("projections"), .batch_size = 50, .max_delay = std::chrono::milliseconds(1),
            .retries = 2, .poison = policy};
  }
  void Drain(ProjectionRunner& runner) {
    for (int i = 0; i < 1000 && runner.status().checkpoint < store_->HeadPosition(); ++i) {
      auto ran = runner.RunOnce(std::chrono::milliseconds(10));
      if (!ran.ok()) return;
    }
  }
  cairn::testing::TempDir dir_;
  std::unique_ptr<EventStore> store_ = NewMemoryEventStore();
  CountingProjector projector_;
};

TEST_F(RunnerTest, AppliesEveryEventOnceAndCheckpointsInTheSameTransaction) {
  for (int i = 0; i < 500; ++i) Append("order-" + std::to_string(i % 7), "Placed");
  {
    ProjectionRunner runner(*store_, projector_, Options());
    Drain(runner);
    EXPECT_EQ(runner.status().checkpoint, 500u);
    EXPECT_EQ(runner.status().lag(), 0u);
  }
  for (int i = 0; i < 100; ++i) Append("order-" + std::to_string(i % 7), "Placed");
  ProjectionRunner restarted(*store_, projector_, Options());
  ASSERT_TRUE(restarted.Open().ok());
  EXPECT_EQ(restarted.status().checkpoint, 500u);
  Drain(restarted);
  auto counts = ReadCounts(restarted.path());
  int64_t events = 0;
  for (const auto& [stream, row] : counts) events += row.first;
  EXPECT_EQ(events, 600);
  EXPECT_EQ(counts["order-0"].first, 72 + 15);  // every 7th of the first 500, then of the next 100
}

TEST_F(RunnerTest, AReadModelAheadOfTheStoreIsRefusedNotResumed) {
  for (int i = 0; i < 100; ++i) Append("order-" + std::to_string(i % 7), "Placed");
  {
    ProjectionRunner runner(*store_, projector_, Options());
    Drain(runner);
    ASSERT_EQ(runner.status().checkpoint, 100u);
  }
  // What a repair that accepted a loss leaves: the store ends before the model's checkpoint.
  store_ = NewMemoryEventStore();
  for (int i = 0; i < 60; ++i) Append("order-" + std::to_string(i % 7), "Placed");
  ProjectionRunner behind(*store_, projector_, Options());
  Status opened = behind.Open();
  EXPECT_EQ(opened.code(), StatusCode::kDataLoss) << opened.ToString();
  EXPECT_NE(opened.message().find("rebuild"), std::string::npos) << opened.message();
}

TEST_F(RunnerTest, APoisonEventIsParkedAndReplayedAfterTheFix) {
  Append("order-1", "Placed");
  Append("order-2", "Poison");
  Append("order-3", "Placed");
  projector_.poisoned = true;
  ProjectionRunner runner(*store_, projector_, Options(PoisonPolicy::kPark));
  Drain(runner);
  EXPECT_EQ(runner.status().checkpoint, 3u);
  EXPECT_EQ(runner.status().parked, 1u);
  auto parked = runner.Parked();
  ASSERT_TRUE(parked.ok());
  ASSERT_EQ(parked->size(), 1u);
  EXPECT_EQ((*parked)[0].position, 2u);
  EXPECT_EQ((*parked)[0].attempts, 3);
  EXPECT_NE((*parked)[0].error.find("cannot digest order-2"), std::string::npos);
  EXPECT_EQ(ReadCounts(runner.path()).count("order-2"), 0u);

  EXPECT_FALSE(runner.Replay(2).ok());  // still poisoned: stays parked
  projector_.poisoned = false;
  ASSERT_TRUE(runner.Replay(2).ok());
  EXPECT_TRUE(runner.Parked()->empty());
  EXPECT_EQ(ReadCounts(runner.path())["order-2"].first, 1);
  EXPECT_EQ(runner.Replay(2).code(), StatusCode::kNotFound);
}

TEST_F(RunnerTest, TheStopPolicyHaltsJustBeforeThePoisonEvent) {
  Append("order-1", "Placed");
  Append("order-2", "Poison");
  Append("order-3", "Placed");
  projector_.poisoned = true;
  {
    ProjectionRunner runner(*store_, projector_, Options(PoisonPolicy::kStop));
    // Stopped by its policy is a state, not an error.
    auto ran = runner.RunOnce(std::chrono::milliseconds(10));
    ASSERT_TRUE(ran.ok()) << ran.status().ToString();
    EXPECT_EQ(*ran, 3u);
    EXPECT_EQ(runner.status().state, ProjectorState::kStopped);
    EXPECT_EQ(runner.status().checkpoint, 1u);
    EXPECT_NE(runner.status().error.find("global position 2"), std::string::npos) << runner.status().error;
    EXPECT_EQ(*runner.RunOnce(std::chrono::milliseconds(10)), 0u);  // takes nothing more until restarted
    EXPECT_EQ(ReadCounts(runner.path()).count("order-3"), 0u);
  }
  projector_.poisoned = false;  // the fix, then a restart
  ProjectionRunner fixed(*store_, projector_, Options(PoisonPolicy::kStop));
  Drain(fixed);
  EXPECT_EQ(fixed.status().checkpoint, 3u);
  auto counts = ReadCounts(fixed.path());
  EXPECT_EQ(counts["order-1"].first, 1);
  EXPECT_EQ(counts["order-2"].first, 1);
  EXPECT_EQ(counts["order-3"].first, 1);
}

TEST_F(RunnerTest, AnEventThatFailsThenHealsWithinTheRetriesIsAppliedNotParked) {
  Append("order-1", "Placed");
  Append("order-2", "Poison");
  Append("order-3", "Placed");
  projector_.failures_left = 2;  // the retries are 2: the third attempt passes
  ProjectionRunner runner(*store_, projector_, Options(PoisonPolicy::kStop));
  Drain(runner);
  EXPECT_EQ(projector_.failures_left, 0);
  EXPECT_EQ(runner.status().state, ProjectorState::kRunning);
  EXPECT_EQ(runner.status().checkpoint, 3u);
  EXPECT_EQ(runner.status().parked, 0u);
  auto counts = ReadCounts(runner.path());
  EXPECT_EQ(counts["order-2"].first, 1);
  EXPECT_EQ(counts["order-3"].first, 1);
}

TEST_F(RunnerTest, AnUnavailableStoreFailsTheBatchAndTheNextRunCatchesUp) {
  for (int i = 0; i < 120; ++i) Append("order-" + std::to_string(i % 7), "Placed");
  FaultInjectingEventStore faulty(*store_);
  ProjectionRunner runner(faulty, projector_, Options());
  ASSERT_TRUE(runner.Open().ok());
  faulty.FailNth(StoreOperation::kRead, 1, UnavailableError("store is away"));
  EXPECT_EQ(runner.RunOnce(std::chrono::milliseconds(10)).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(runner.status().checkpoint, 0u);
  EXPECT_TRUE(ReadCounts(runner.path()).empty());
  ASSERT_TRUE(runner.RunOnce(std::chrono::milliseconds(10)).ok());
  const uint64_t after_one = runner.status().checkpoint;
  EXPECT_GT(after_one, 0u);
  faulty.FailNth(StoreOperation::kRead, 1, UnavailableError("store is away again"));
  EXPECT_EQ(runner.RunOnce(std::chrono::milliseconds(10)).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(runner.status().checkpoint, after_one);
  Drain(runner);
  EXPECT_EQ(runner.status().checkpoint, 120u);
  int64_t events = 0;
  for (const auto& [stream, row] : ReadCounts(runner.path())) events += row.first;
  EXPECT_EQ(events, 120) << "an event was applied twice or skipped";
}

// What a component reported, in order.
class ReportLog final : public ComponentObserver {
 public:
  void ComponentUp(const Component&) override { Add("up"); }
  void ComponentDown(const Component&, const std::string& reason) override { Add("down: " + reason); }
  void ComponentFailed(const Component&, const std::string& reason) override { Add("failed: " + reason); }
  std::vector<std::string> reports() {
    std::lock_guard lock(mu_);
    return reports_;
  }

 private:
  void Add(std::string report) {
    std::lock_guard lock(mu_);
    reports_.push_back(std::move(report));
  }
  std::mutex mu_;
  std::vector<std::string> reports_;
};

TEST_F(RunnerTest, AStartedRunnerRetriesAnOutageWithBackOffAndSaysSoOnce) {
  for (int i = 0; i < 50; ++i) Append("order-" + std::to_string(i % 7), "Placed");
  std::ostringstream logged;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
  spdlog::default_logger()->sinks().push_back(sink);
  FaultInjectingEventStore faulty(*store_);
  faulty.FailUntilHealed(StoreOperation::kRead, UnavailableError("store is away"));
  ReportLog reports;
  Runtime runtime;
  ProjectionRunner runner(faulty, projector_, Options());
  runner.set_observer(&reports);
  ASSERT_TRUE(runner.Start(runtime).ok());
  ASSERT_TRUE(cairn::testing::Eventually([&] { return runner.status().state == ProjectorState::kRetrying; }));
  EXPECT_NE(runner.status().error.find("store is away"), std::string::npos) << runner.status().error;
  // An outage of 1.5 s: with back-off (10, 20, 40 ms, ... up to 5 s) that is a handful of attempts, not hundreds.
  const auto outage_end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  cairn::testing::Eventually([&] { return std::chrono::steady_clock::now() >= outage_end; });
  const uint64_t attempts = faulty.calls(StoreOperation::kRead);
  EXPECT_GE(attempts, 4u);
  EXPECT_LE(attempts, 15u) << "it spun instead of backing off";
  faulty.Heal();
  ASSERT_TRUE(cairn::testing::Eventually([&] { return runner.status().checkpoint == 50; }));
  EXPECT_EQ(runner.status().state, ProjectorState::kRunning);
  EXPECT_TRUE(runner.status().error.empty());
  ASSERT_TRUE(runner.Stop().ok());
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());

  const std::string text = logged.str();
  size_t retrying = 0;
  for (size_t at = text.find("retrying"); at != std::string::npos; at = text.find("retrying", at + 1)) ++retrying;
  EXPECT_EQ(retrying, 1u) << text;
  EXPECT_NE(text.find("is running again"), std::string::npos) << text;
  const std::vector<std::string> said = reports.reports();
  ASSERT_EQ(said.size(), 2u);
  EXPECT_NE(said[0].find("down: "), std::string::npos);
  EXPECT_EQ(said[1], "up");
}

TEST_F(RunnerTest, ABadLinkFoundOnReopeningFailsTheRunnerAndSaysWhy) {
  Append("order-1", "Placed");
  ReportLog reports;
  Runtime runtime;
  ProjectionRunner runner(*store_, projector_, Options());
  runner.set_observer(&reports);
  ASSERT_TRUE(runner.Start(runtime).ok());
  ASSERT_TRUE(cairn::testing::Eventually([&] { return runner.status().checkpoint == 1; }));
  // Someone puts a plain file where the read-model link was.
  std::filesystem::remove(runner.path());
  std::ofstream(runner.path()) << "not a read model";
  Append("order-2", "Placed");
  ASSERT_TRUE(cairn::testing::Eventually([&] { return runner.status().state == ProjectorState::kFailed; }))
      << "the runner stalled without a word";
  EXPECT_NE(runner.status().error.find("not a read-model link"), std::string::npos) << runner.status().error;
  ASSERT_TRUE(runner.Stop().ok());
  // A Service hearing this stops the node: no retry mends it.
  const std::vector<std::string> said = reports.reports();
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0].find("failed: "), std::string::npos) << said[0];
}

TEST_F(RunnerTest, ManyStartedRunnersShareOneIoThreadAndIdleWithoutReadingTheStore) {
  // Five read models on a runtime of one io thread and one blocking thread:
  // none of them holds a thread while it waits.
  FaultInjectingEventStore counted(*store_);
  Runtime runtime(1, 1);
  std::vector<std::unique_ptr<CountingProjector>> projectors;
  std::vector<std::unique_ptr<ProjectionRunner>> runners;
  for (int i = 0; i < 5; ++i) {
    projectors.push_back(std::make_unique<CountingProjector>("counts" + std::to_string(i)));
    runners.push_back(std::make_unique<ProjectionRunner>(counted, *projectors.back(), Options()));
    ASSERT_TRUE(runners.back()->Start(runtime).ok());
  }
  for (int i = 0; i < 300; ++i) Append("order-" + std::to_string(i % 7), "Placed");
  for (auto& runner : runners) {
    ASSERT_TRUE(cairn::testing::Eventually([&] { return runner->status().checkpoint == 300; })) << runner->name();
  }
  // Caught up: nothing reads the store until the next commit.
  const uint64_t reads = counted.calls(StoreOperation::kRead);
  const auto idle_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  cairn::testing::Eventually([&] { return std::chrono::steady_clock::now() >= idle_until; });
  EXPECT_EQ(counted.calls(StoreOperation::kRead), reads) << "an idle runner polled the store";
  Append("order-1", "Placed");
  for (auto& runner : runners) {
    ASSERT_TRUE(cairn::testing::Eventually([&] { return runner->status().checkpoint == 301; })) << runner->name();
  }
  for (auto& runner : runners) ASSERT_TRUE(runner->Stop().ok());
}

TEST_F(RunnerTest, AnIdleRunnerAppliesAtOnceAndStopsAtOnceWithABatchWindowOpen) {
  RunnerOptions options = Options();
  options.batch_size = 1000;
  options.max_delay = std::chrono::seconds(30);  // a batch right after another waits this long for more
  Runtime runtime(1, 1);
  {
    ProjectionRunner runner(*store_, projector_, options);
    ASSERT_TRUE(runner.Start(runtime).ok());
    Append("order-1", "Placed");
    // Idle: the first event is not held back for the window.
    ASSERT_TRUE(cairn::testing::Eventually([&] { return runner.status().checkpoint == 1; }, std::chrono::seconds(10)));
    for (int i = 0; i < 2; ++i) Append("order-1", "Placed");
    const auto stopping = std::chrono::steady_clock::now();
    ASSERT_TRUE(runner.Stop().ok());
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(5)) << "Stop waited out the window";
  }
  ProjectionRunner restarted(*store_, projector_, Options());
  Drain(restarted);
  EXPECT_EQ(restarted.status().checkpoint, 3u);
  EXPECT_EQ(ReadCounts(restarted.path())["order-1"].first, 3) << "an event was applied twice or not at all";
}

TEST_F(RunnerTest, ASecondRunnerOnTheSameReadModelIsRefused) {
  Append("order-1", "Placed");
  ProjectionRunner first(*store_, projector_, Options());
  ASSERT_TRUE(first.Open().ok());
  ProjectionRunner second(*store_, projector_, Options());
  Status opened = second.Open();
  EXPECT_EQ(opened.code(), StatusCode::kUnavailable);  // held by a live process
  EXPECT_NE(opened.message().find("locked for writing by pid"), std::string::npos) << opened.message();
}

TEST_F(RunnerTest, OnlyTheDeclaredTypesReachTheProjector) {
  class PlacedOnly final : public Projector {
   public:
    std::string name() const override { return "placed"; }
    std::set<std::string> event_types() const override { return {"Placed"}; }
    Status Migrate(Database& db) override { return db.Exec("CREATE TABLE IF NOT EXISTS seen (type TEXT)"); }
    Status Apply(const RecordedEvent& event, Database& db) override {
      CAIRN_ASSIGN_OR_RETURN(Statement insert, db.Prepare("INSERT INTO seen (type) VALUES (?1)"));
      insert.Bind(1, event.type);
      return insert.Run();
    }
  } placed;
  Append("order-1", "Placed");
  Append("order-1", "Confirmed");
  Append("order-2", "Placed");
  ProjectionRunner runner(*store_, placed, Options());
  Drain(runner);
  EXPECT_EQ(runner.status().checkpoint, 3u);
  auto db = Database::OpenReadOnly(runner.path());
  ASSERT_TRUE(db.ok());
  auto rows = (*db)->Prepare("SELECT count(*), count(DISTINCT type) FROM seen");
  ASSERT_TRUE(rows.ok() && *rows->Step());
  EXPECT_EQ(rows->Int(0), 2);
  EXPECT_EQ(rows->Int(1), 1);
}

// Saga streams between and after the orders: the runner reads the order
// category alone, and its checkpoint still reaches the head, in memory and
// in the read model's file.
TEST_F(RunnerTest, AProjectorOfSomeCategoriesGetsOnlyTheirEventsAndItsCheckpointReachesTheHead) {
  CountingProjector orders("orders", {"order"});
  for (int i = 0; i < 500; ++i) Append((i % 3 == 0 ? "order-" : "saga-") + std::to_string(i % 7), "Placed");
  Append("saga-9", "Placed");  // the last event is not the projector's
  uint64_t applied_up_to = 0;
  {
    ProjectionRunner runner(*store_, orders, Options());
    runner.OnApplied([&](uint64_t checkpoint) { applied_up_to = checkpoint; });
    Drain(runner);
    EXPECT_EQ(runner.status().checkpoint, 501u);
    EXPECT_EQ(runner.status().lag(), 0u);
    EXPECT_EQ(applied_up_to, 501u);  // a reader waiting for the saga event's position is let through
  }
  ProjectionRunner restarted(*store_, orders, Options());
  ASSERT_TRUE(restarted.Open().ok());
  EXPECT_EQ(restarted.status().checkpoint, 501u);
  int64_t events = 0;
  for (const auto& [stream, row] : ReadCounts(restarted.path())) {
    EXPECT_EQ(CategoryOf(stream), "order") << stream;
    events += row.first;
  }
  EXPECT_EQ(events, 167);  // i % 3 == 0 for i < 500, each once
}

}  // namespace
}  // namespace cairn::projections
