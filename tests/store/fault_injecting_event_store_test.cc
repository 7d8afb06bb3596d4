// The fault-injecting wrapper fails exactly the calls it is told to, and a
// failed call leaves the wrapped store untouched.
#include "store/fault_injecting_event_store.h"

#include <gtest/gtest.h>

#include "tests/store/store_test_util.h"

namespace cairn {
namespace {

using testing::JsonEvent;

class FaultInjectingEventStoreTest : public ::testing::Test {
 protected:
  Result<AppendResult> AppendOne() { return store_.Append("order-1", ExpectedVersion::Any(), {JsonEvent("Placed")}); }

  std::unique_ptr<EventStore> base_ = NewMemoryEventStore();
  FaultInjectingEventStore store_{*base_};
};

TEST_F(FaultInjectingEventStoreTest, TheNthCallFailsAndTheOthersPass) {
  store_.FailNth(StoreOperation::kAppend, 2, UnavailableError("disk went away"));
  EXPECT_TRUE(AppendOne().ok());
  auto second = AppendOne();
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.status().message(), "disk went away");
  EXPECT_TRUE(AppendOne().ok());
  EXPECT_EQ(base_->HeadPosition(), 2u) << "the failed append reached the store";
  EXPECT_EQ(store_.calls(StoreOperation::kAppend), 3u);
  EXPECT_EQ(store_.injected(), 1u);
}

TEST_F(FaultInjectingEventStoreTest, ALostReplyTookEffect) {
  store_.LoseNthReply(StoreOperation::kAppend, 1, UnavailableError("connection reset"));
  EXPECT_EQ(AppendOne().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(base_->HeadPosition(), 1u);
  EXPECT_TRUE(AppendOne().ok());
  EXPECT_EQ(base_->HeadPosition(), 2u);
  EXPECT_EQ(store_.injected(), 1u);
}

TEST_F(FaultInjectingEventStoreTest, ACallFailsUntilHealedOnlyForItsOperation) {
  ASSERT_TRUE(AppendOne().ok());
  store_.FailUntilHealed(StoreOperation::kRead, UnavailableError("down"));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(store_.ReadAll(1, 10).status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(store_.ReadStream("order-1", {}).status().code(), StatusCode::kUnavailable);
  }
  EXPECT_TRUE(store_.SaveCheckpoint("c", {.position = 1}).ok()) << "checkpoints are not reads";
  EXPECT_TRUE(AppendOne().ok());
  store_.Heal();
  auto all = store_.ReadAll(1, 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  EXPECT_EQ(store_.injected(), 6u);
}

TEST_F(FaultInjectingEventStoreTest, CheckpointSavesAndLoadsFailApart) {
  store_.FailNth(StoreOperation::kSaveCheckpoint, 1, ResourceExhaustedError("disk full"));
  EXPECT_EQ(store_.SaveCheckpoint("c", {.position = 1}).code(), StatusCode::kResourceExhausted);
  auto nothing = store_.LoadCheckpoint("c");
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value()) << "the failed save wrote a checkpoint";
  store_.FailNth(StoreOperation::kLoadCheckpoint, 1, UnavailableError("down"));
  EXPECT_EQ(store_.LoadCheckpoint("c").status().code(), StatusCode::kUnavailable);
}

TEST_F(FaultInjectingEventStoreTest, LatencyDelaysEveryCallOfItsOperation) {
  store_.AddLatency(StoreOperation::kAppend, std::chrono::milliseconds(30));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(AppendOne().ok());
  ASSERT_TRUE(AppendOne().ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(60));
  store_.Heal();
  const auto healed = std::chrono::steady_clock::now();
  ASSERT_TRUE(AppendOne().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - healed, std::chrono::milliseconds(30));
}

}  // namespace
}  // namespace cairn
