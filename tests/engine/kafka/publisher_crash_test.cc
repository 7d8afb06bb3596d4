// Kill -9 the publishing node at random moments and restart it: nothing goes
// missing, and what is sent twice is bounded by what lay past the checkpoint.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <random>
#include <thread>

#include "engine/kafka/mock_cluster.h"
#include "store/event_record.h"
#include "store/event_store.h"
#include "tests/testing/kafka_reader.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace cairn::kafka {
namespace {

TEST(PublisherCrash, KillNineAndRestartNeverSkips) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  auto mock = MockCluster::Start(1);
  ASSERT_TRUE(mock.ok());
  ASSERT_TRUE((*mock)->CreateTopic("cairn.order", 4).ok());
  std::mt19937 random(4242);
  uint64_t past_checkpoints = 0;  // events after the checkpoint at each kill: what may be sent again
  for (int cycle = 0; cycle < 6; ++cycle) {
    {
      testing::Child node(PUBLISHER_CHILD_PATH, {data, (*mock)->bootstrap(), "append"});
      std::this_thread::sleep_for(std::chrono::milliseconds(150 + random() % 350));
      EXPECT_EQ(node.Stop(SIGKILL), -1);
    }
    auto store = OpenEventStore(data);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto checkpoint = (*store)->LoadCheckpoint("kafka-publisher");
    ASSERT_TRUE(checkpoint.ok());
    const uint64_t at = checkpoint->has_value() ? (*checkpoint)->position : 0;
    past_checkpoints += (*store)->HeadPosition() - at;
  }
  testing::Child drain(PUBLISHER_CHILD_PATH, {data, (*mock)->bootstrap(), "drain"});
  ASSERT_EQ(drain.Wait(), 0) << drain.Stderr();
  uint64_t head = 0;
  {
    auto store = OpenEventStore(data);
    ASSERT_TRUE(store.ok());
    head = (*store)->HeadPosition();
    EXPECT_EQ((*(*store)->LoadCheckpoint("kafka-publisher"))->position, head);
  }
  ASSERT_GT(head, 100u);

  std::map<uint64_t, int> copies;
  std::map<std::string, std::vector<uint64_t>> versions;
  for (const auto& message : testing::ReadTopics((*mock)->bootstrap(), {"cairn.order"}, head, std::chrono::seconds(60))) {
    auto event = DecodeEventRecord(message.value);
    ASSERT_TRUE(event.ok());
    ++copies[event->position];
    versions[event->stream].push_back(event->version);
  }
  uint64_t repeats = 0;
  for (uint64_t p = 1; p <= head; ++p) {
    ASSERT_GE(copies[p], 1) << "global position " << p << " was skipped";
    repeats += copies[p] - 1;
  }
  EXPECT_LE(repeats, past_checkpoints) << "sent again more than lay past the checkpoints";
  for (const auto& [stream, seen] : versions) {
    uint64_t next = 0;
    for (uint64_t v : seen) {
      ASSERT_LE(v, next) << stream << " skipped ahead";
      if (v == next) ++next;
    }
  }
  std::printf("%llu events, %llu sent twice, %llu lay past the checkpoints at the kills\n",
              static_cast<unsigned long long>(head), static_cast<unsigned long long>(repeats),
              static_cast<unsigned long long>(past_checkpoints));
}

}  // namespace
}  // namespace cairn::kafka
