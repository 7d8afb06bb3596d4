// Kill -9 while appending: every acknowledged event survives, the log stays
// gapless and verifies. STORE_CRASH_CYCLES sets the number of cycles (the soak
// target runs many more).
#include <gtest/gtest.h>

#include <random>

#include "store/event_store.h"
#include "tests/store/crash_harness.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

using testing::Acknowledged;
using testing::Cycles;
using testing::RunAndKill;

// Kills the appender `Cycles()` times and checks what it acknowledged each time.
void KillAndCheck(int in_flight, unsigned seed) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  std::mt19937 random(seed);
  uint64_t total_acknowledged = 0;
  const int cycles = Cycles();
  for (int cycle = 0; cycle < cycles; ++cycle) {
    // Even cycles kill at a random time, which may fall while the store opens;
    // odd cycles wait for a few acknowledgements first, so that a slow (loaded
    // or sanitized) start still leaves events to check.
    const size_t at_least = cycle % 2 == 1 ? 2 : 0;
    auto acknowledged =
        RunAndKill(data, random(), std::chrono::milliseconds(30 + random() % 120), at_least, in_flight);
    if (at_least > 0) {
      ASSERT_GT(acknowledged.size(), at_least) << "cycle " << cycle;
    }
    total_acknowledged += acknowledged.size();

    auto store = OpenEventStore(data);
    ASSERT_TRUE(store.ok()) << "cycle " << cycle << ": " << store.status().ToString();
    const uint64_t head = (*store)->HeadPosition();
    for (const Acknowledged& ack : acknowledged) {
      ASSERT_LE(ack.position, head) << "cycle " << cycle;
      auto events = (*store)->ReadAll(ack.position, 1);
      ASSERT_TRUE(events.ok() && events->size() == 1) << "cycle " << cycle << " position " << ack.position;
      const RecordedEvent& event = events->front();
      EXPECT_EQ(event.event_id.ToString(), ack.event_id);
      EXPECT_EQ(event.stream, ack.stream);
      EXPECT_EQ(event.version, ack.version);
    }
    auto report = (*store)->Verify({});
    ASSERT_TRUE(report.ok()) << "cycle " << cycle << ": " << report.status().ToString();
    EXPECT_EQ(report->events, head);
  }
  EXPECT_GT(total_acknowledged, static_cast<uint64_t>(cycles));
  std::printf("%d cycles, %llu acknowledged events checked\n", cycles,
              static_cast<unsigned long long>(total_acknowledged));
}

TEST(StoreCrash, EveryAcknowledgedAppendSurvivesKillNine) { KillAndCheck(0, 20261126); }

// 256 asynchronous appends outstanding from one thread: every one whose
// callback reported success survives.
TEST(StoreCrash, EveryAcknowledgedAsyncAppendSurvivesKillNine) { KillAndCheck(256, 20261203); }

TEST(StoreCrash, AWriterKilledWhileItCreatesTheStoreLeavesOneThatOpens) {
  std::mt19937 random(20261202);
  for (int cycle = 0; cycle < 40; ++cycle) {
    testing::TempDir dir;
    const std::string data = dir.Sub("data");
    // Early enough to land inside the creation of the files and column families.
    auto acknowledged = RunAndKill(data, random(), std::chrono::milliseconds(random() % 25));
    auto store = OpenEventStore(data);
    ASSERT_TRUE(store.ok()) << "cycle " << cycle << ": " << store.status().ToString();
    EXPECT_GE((*store)->HeadPosition(), acknowledged.empty() ? 0 : acknowledged.back().position);
    EXPECT_TRUE((*store)->Append("order-1", ExpectedVersion::Any(), {EventData{.type = "E", .data = "{}"}}).ok());
    EXPECT_TRUE((*store)->Verify({}).ok());
  }
}

}  // namespace
}  // namespace cairn
