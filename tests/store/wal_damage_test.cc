// A writer killed with its events still in the write-ahead log, then one byte
// of that log flipped: every open refuses (naming the file and the offset)
// instead of cutting the log there, and only an explicit repair goes on. A
// cut-off tail (the unsynced end of a power cut) still opens.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "store/event_store.h"
#include "tests/store/crash_harness.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

namespace fs = std::filesystem;

// The largest write-ahead log of `dir`: the one the killed writer filled.
fs::path LargestLog(const std::string& dir) {
  fs::path largest;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".log" && (largest.empty() || entry.file_size() > fs::file_size(largest))) {
      largest = entry.path();
    }
  }
  return largest;
}

void FlipByte(const fs::path& file, uint64_t offset) {
  std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
  io.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  io.get(byte);
  io.seekp(static_cast<std::streamoff>(offset));
  io.put(static_cast<char>(byte ^ 0x5a));
}

TEST(WalDamage, EveryOpenRefusesAndOnlyAnAcceptedRepairGoesOnWithTheLossRecorded) {
  std::mt19937 random(20261201);
  for (int cycle = 0; cycle < 6; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    testing::TempDir dir;
    const std::string data = dir.Sub("data");
    auto acknowledged = testing::RunAndKill(data, random(), std::chrono::milliseconds(400), 200);
    ASSERT_GT(acknowledged.size(), 50u);
    const fs::path log = LargestLog(data);
    ASSERT_FALSE(log.empty());
    const uint64_t size = fs::file_size(log);
    // Near the start (the log restarts at position 1 if cut there), inside the last record (whose
    // checksum is wrong: damage, not a torn tail), or anywhere in between.
    const uint64_t offset = cycle == 0 ? 100 : cycle == 1 ? size - 40 : 100 + random() % (size - 2000);
    FlipByte(log, offset);

    auto writer = OpenEventStore(data);
    ASSERT_EQ(writer.status().code(), StatusCode::kDataLoss) << writer.status().ToString();
    EXPECT_NE(writer.status().message().find(log.filename().string() + " at offset"), std::string::npos)
        << writer.status().message();
    EXPECT_NE(writer.status().message().find("--accept-loss"), std::string::npos);
    EXPECT_EQ(OpenEventStoreForReading(data).status().code(), StatusCode::kDataLoss);

    // Without --accept-loss a repair only says what it would do.
    auto survey = RepairEventStore(data, /*accept_loss=*/false);
    ASSERT_TRUE(survey.ok()) << survey.status().ToString();
    EXPECT_FALSE(survey->repaired);
    EXPECT_FALSE(survey->damage.empty());
    EXPECT_GE(survey->seen_head, survey->kept_head);
    EXPECT_EQ(OpenEventStore(data).status().code(), StatusCode::kDataLoss);

    auto repair = RepairEventStore(data, /*accept_loss=*/true);
    ASSERT_TRUE(repair.ok()) << repair.status().ToString();
    EXPECT_TRUE(repair->repaired);
    EXPECT_EQ(repair->kept_head, survey->kept_head);
    EXPECT_LE(repair->kept_head, acknowledged.back().position);
    const std::string said = repair->ToString();
    EXPECT_TRUE(said.find("lost global positions " + std::to_string(repair->kept_head + 1) + "..") != std::string::npos ||
                said.find("all after global position " + std::to_string(repair->kept_head)) != std::string::npos)
        << said;

    auto store = OpenEventStore(data);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->HeadPosition(), repair->kept_head);
    for (const testing::Acknowledged& ack : acknowledged) {
      if (ack.position > repair->kept_head) break;
      auto events = (*store)->ReadAll(ack.position, 1);
      ASSERT_TRUE(events.ok() && events->size() == 1) << "position " << ack.position;
      EXPECT_EQ(events->front().event_id.ToString(), ack.event_id);
    }
    // Streams cut back with the log: the next append continues both, gapless.
    const testing::Acknowledged& lost = acknowledged.back();
    auto next = (*store)->Append(lost.stream, ExpectedVersion::Any(), {EventData{.type = "After", .data = "{}"}});
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_EQ(next->events[0].position, repair->kept_head + 1);
    auto verified = (*store)->Verify({});
    ASSERT_TRUE(verified.ok()) << verified.status().ToString();
    auto stats = (*store)->Stats();
    ASSERT_TRUE(stats.ok());
    ASSERT_EQ(stats->repairs.size(), 1u);
    EXPECT_EQ(stats->repairs[0], said);
  }
}

TEST(WalDamage, ACutOffTailIsATornWriteAndOpens) {
  std::mt19937 random(7);
  for (int cycle = 0; cycle < 4; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    testing::TempDir dir;
    const std::string data = dir.Sub("data");
    auto acknowledged = testing::RunAndKill(data, random(), std::chrono::milliseconds(300), 20);
    ASSERT_GT(acknowledged.size(), 10u);
    const fs::path log = LargestLog(data);
    fs::resize_file(log, fs::file_size(log) - 1 - random() % 300);  // what a power cut leaves unsynced
    auto store = OpenEventStore(data);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_GT((*store)->HeadPosition(), 0u);
    auto verified = (*store)->Verify({});
    EXPECT_TRUE(verified.ok()) << verified.status().ToString();
  }
}

TEST(WalDamage, RepairOfAWholeStoreChangesNothing) {
  testing::TempDir dir;
  auto acknowledged = testing::RunAndKill(dir.Sub("data"), 3, std::chrono::milliseconds(200), 20);
  auto repair = RepairEventStore(dir.Sub("data"), /*accept_loss=*/true);
  ASSERT_TRUE(repair.ok()) << repair.status().ToString();
  EXPECT_FALSE(repair->repaired);
  EXPECT_TRUE(repair->damage.empty());
  auto store = OpenEventStore(dir.Sub("data"));
  ASSERT_TRUE(store.ok());
  EXPECT_GE((*store)->HeadPosition(), acknowledged.back().position);
  EXPECT_TRUE((*store)->Stats()->repairs.empty());
}

}  // namespace
}  // namespace cairn
