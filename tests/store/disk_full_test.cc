// A full disk: appends fail with ResourceExhausted (or Unavailable) and no
// abort, nothing acknowledged is lost, the store stays readable, and once
// there is room again the writer goes on.
#include <gtest/gtest.h>

#include <random>

#include "store/event_store.h"
#include "tests/testing/small_disk.h"

namespace cairn {
namespace {

EventData RandomEvent(std::mt19937& random) {
  EventData event;
  event.type = "Blob";
  event.content_type = "application/octet-stream";  // random bytes: nothing for compression to win
  event.data.resize(100000);
  for (char& c : event.data) c = static_cast<char>(random());
  return event;
}

TEST(DiskFull, AppendsFailClearlyAndLoseNothingAcknowledged) {
  testing::SmallDisk disk(6);
  if (!disk.mounted()) GTEST_SKIP() << "mounting a small tmpfs needs root";
  const std::string data = disk.Sub("data");
  std::mt19937 random(9);
  std::vector<AppendedEvent> acknowledged;
  Status failed;
  {
    auto store = OpenEventStore(data);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 0; i < 200 && failed.ok(); ++i) {
      auto appended = (*store)->Append("blob-" + std::to_string(i % 3), ExpectedVersion::Any(), {RandomEvent(random)});
      if (appended.ok()) {
        acknowledged.push_back(appended->events[0]);
      } else {
        failed = appended.status();
      }
    }
    ASSERT_FALSE(failed.ok()) << "the disk never filled";
    EXPECT_TRUE(failed.code() == StatusCode::kResourceExhausted || failed.code() == StatusCode::kUnavailable)
        << failed.ToString();
    // Later appends fail the same way; they do not abort.
    auto again = (*store)->Append("blob-0", ExpectedVersion::Any(), {RandomEvent(random)});
    EXPECT_FALSE(again.ok());
  }
  ASSERT_GT(acknowledged.size(), 5u);

  // Still full: a reader sees everything acknowledged.
  if (auto reader = OpenEventStoreForReading(data); reader.ok()) {
    EXPECT_GE((*reader)->HeadPosition(), acknowledged.back().position);
  }
  ASSERT_TRUE(disk.Grow(64));
  auto store = OpenEventStore(data);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (const AppendedEvent& ack : acknowledged) {
    auto event = (*store)->ReadEvent(ack.event_id);
    ASSERT_TRUE(event.ok()) << "global position " << ack.position << ": " << event.status().ToString();
    EXPECT_EQ(event->position, ack.position);
  }
  EXPECT_TRUE((*store)->Append("blob-0", ExpectedVersion::Any(), {RandomEvent(random)}).ok());
  auto verified = (*store)->Verify({});
  EXPECT_TRUE(verified.ok()) << verified.status().ToString();
}

}  // namespace
}  // namespace cairn
