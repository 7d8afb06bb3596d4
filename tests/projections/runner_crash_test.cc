// Kill -9 a projector at random points of a long run, restart it, and the
// read model it ends with equals, row for row, a fresh build from the log.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <random>
#include <thread>

#include "projections/runner.h"
#include "tests/projections/counting_projector.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace cairn::projections {
namespace {

TEST(RunnerCrash, KillNineNeverAppliesTwiceNorSkips) {
  cairn::testing::TempDir dir;
  const std::string data = dir.Sub("data");
  constexpr int kEvents = 60000;
  {
    auto store = OpenEventStore(data, {.durability = cairn::Durability::kBuffered});
    ASSERT_TRUE(store.ok());
    std::vector<StreamAppend> appends(1);
    for (int i = 0; i < kEvents; i += 10) {
      appends[0] = {"order-" + std::to_string(i % 37), ExpectedVersion::Any(), {}};
      for (int j = 0; j < 10; ++j) {
        EventData event;
        event.type = "Placed";
        event.data = std::string(1 + (i + j) % 50, 'x');  // sizes differ, so a double apply shows in the total
        appends[0].events.push_back(event);
      }
      ASSERT_TRUE((*store)->Append(appends).ok());
    }
  }
  std::mt19937 random(777);
  const std::string projections = dir.Sub("projections");
  int killed_mid_run = 0;
  for (int cycle = 0; cycle < 12; ++cycle) {
    cairn::testing::Child child(PROJECTOR_CHILD_PATH, {data, projections});
    // Kill it while it applies: time from when the read model exists, not from
    // the start, which takes longer on a loaded machine.
    const std::string model = ReadModelPath(projections, "counts");
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!std::filesystem::exists(model) && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 60));
    child.Stop(SIGKILL);
    auto db = Database::OpenReadOnly(ReadModelPath(projections, "counts"));
    if (!db.ok()) continue;
    auto checkpoint = (*db)->Prepare("SELECT position FROM cairn_checkpoint");
    if (checkpoint.ok() && *checkpoint->Step() && checkpoint->Int(0) < kEvents) ++killed_mid_run;
  }
  EXPECT_GE(killed_mid_run, 4) << "the kills came too late to test anything";
  cairn::testing::Child last(PROJECTOR_CHILD_PATH, {data, projections});
  ASSERT_EQ(last.Wait(), 0) << last.Stderr();
  EXPECT_NE(last.Stdout().find("caught up at 60000"), std::string::npos) << last.Stdout();

  // A fresh build of the same log, in one go.
  auto store = OpenEventStoreForReading(data);
  ASSERT_TRUE(store.ok());
  testing::CountingProjector projector;
  ProjectionRunner fresh(**store, projector, {.directory = dir.Sub("fresh"), .batch_size = 1000});
  while (fresh.status().checkpoint < kEvents) ASSERT_TRUE(fresh.RunOnce(std::chrono::milliseconds(10)).ok());
  const auto survived = testing::ReadCounts(ReadModelPath(projections, "counts"));
  const auto rebuilt = testing::ReadCounts(ReadModelPath(dir.Sub("fresh"), "counts"));
  ASSERT_EQ(survived.size(), 37u);
  EXPECT_EQ(survived, rebuilt);
}

}  // namespace
}  // namespace cairn::projections
