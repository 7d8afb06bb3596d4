// The command handler over real stores: metadata, idempotent resends,
// conflicts between handlers, snapshots and time travel.
#include "engine/command_handler.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "examples/commerce/commerce.h"
#include "store/event_store_wrapper.h"
#include "store/fault_injecting_event_store.h"
#include "tests/examples/commerce/commerce_messages.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

using commerce::Order;
using commerce::OrderState;
using namespace commerce::testing;

class CommandHandlerTest : public ::testing::Test {
 protected:
  CommandHandlerTest() { commerce::RegisterCommerceEvents(types_); }
  CommandHandler<Order> Handler(HandlerOptions options = {}) { return CommandHandler<Order>(*store_, order_, types_, options); }
  static commerce::OrderCommand Mark(const std::string& order_id, const std::string& notification_id) {
    commerce::OrderCommand command;
    command.mutable_mark_notified()->set_order_id(order_id);
    command.mutable_mark_notified()->set_notification_id(notification_id);
    return command;
  }

  ManualClock clock_;
  std::unique_ptr<EventStore> store_ = NewMemoryEventStore({.clock = &clock_});
  EventTypeRegistry types_;
  Order order_;
  commerce::OrderCommand place_ = AsCommand(Place("o-1", "c-7", {{"tea", 2, 450}}));
};

TEST_F(CommandHandlerTest, EventsCarryTheCommandCorrelationAndCausationIds) {
  CommandContext context = CommandContext::New();
  context.correlation_id = "checkout-17";
  context.metadata["user"] = "ada";
  auto result = Handler().Handle("o-1", place_, context);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->stream, "order-o-1");
  EXPECT_EQ(result->version, 0u);
  EXPECT_EQ(result->events, 1u);
  auto events = store_->ReadStream("order-o-1", {});
  ASSERT_EQ(events->size(), 1u);
  const RecordedEvent& placed = events->front();
  EXPECT_EQ(placed.type, "OrderPlaced");
  EXPECT_EQ(placed.content_type, "cairn.commerce.OrderPlaced");
  EXPECT_EQ(placed.schema_version, 2u);
  EXPECT_EQ(placed.event_id, DeterministicEventId(context.command_id, 0));
  EXPECT_EQ(placed.metadata.at("command_id"), context.command_id.ToString());
  EXPECT_EQ(placed.metadata.at("correlation_id"), "checkout-17");
  EXPECT_EQ(placed.metadata.at("causation_id"), context.command_id.ToString());
  EXPECT_EQ(placed.metadata.at("user"), "ada");

  // A command caused by that event keeps the correlation and names the event as its cause.
  CommandContext next = CommandContext::CausedBy(placed, Uuid::Random());
  ASSERT_TRUE(Handler().Handle("o-1", Confirm("o-1"), next).ok());
  auto confirmed = store_->ReadStream("order-o-1", {1, false, 1});
  EXPECT_EQ(confirmed->front().metadata.at("correlation_id"), "checkout-17");
  EXPECT_EQ(confirmed->front().metadata.at("causation_id"), placed.event_id.ToString());
}

TEST_F(CommandHandlerTest, ACommandNamesItsAggregate) {
  ASSERT_TRUE(Handler().Handle(place_).ok());
  auto confirmed = Handler().Handle(Confirm("o-1", "ch-1"));
  ASSERT_TRUE(confirmed.ok()) << confirmed.status().ToString();
  EXPECT_EQ(confirmed->stream, "order-o-1");
  EXPECT_EQ(confirmed->version, 1u);
  EXPECT_EQ(Handler().Handle(commerce::OrderCommand{}).status().code(), StatusCode::kInvalidArgument)
      << "a command that names no order";
}

TEST_F(CommandHandlerTest, ResendingACommandAppendsNothingTwice) {
  CommandContext context = CommandContext::New();
  auto first = Handler().Handle("o-1", Confirm("o-1"), context);
  EXPECT_EQ(first.status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(Handler().Handle("o-1", place_).ok());
  auto confirmed = Handler().Handle("o-1", Confirm("o-1"), context);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status().ToString();
  auto again = Handler().Handle("o-1", Confirm("o-1"), context);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->position, confirmed->position);
  EXPECT_EQ(again->events, 0u);
  EXPECT_EQ(store_->HeadPosition(), 2u);
}

// Counts the lookups of events by id: the resend checks.
class EventLookups final : public EventStoreWrapper {
 public:
  using EventStoreWrapper::EventStoreWrapper;
  Result<RecordedEvent> ReadEvent(const Uuid& event_id) override {
    ++count;
    return EventStoreWrapper::ReadEvent(event_id);
  }
  int count = 0;
};

TEST_F(CommandHandlerTest, OnlyACommandIdGivenByTheCallerIsCheckedForAResend) {
  EventLookups lookups(*store_);
  CommandHandler<Order> handler(lookups, order_, types_);
  CommandContext unnamed;  // no command id: the handler makes one
  auto placed = handler.Handle("o-1", place_, unnamed);
  ASSERT_TRUE(placed.ok()) << placed.status().ToString();
  EXPECT_EQ(lookups.count, 0) << "a command id made by the handler cannot have been handled before";

  CommandContext named = CommandContext::New();
  ASSERT_TRUE(handler.Handle("o-1", Confirm("o-1"), named).ok());
  EXPECT_EQ(lookups.count, 1);
  auto again = handler.Handle("o-1", Confirm("o-1"), named);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(store_->HeadPosition(), 2u);
}

// Counts the loads of aggregates: snapshot lookups and stream reads.
class Loads final : public EventStoreWrapper {
 public:
  using EventStoreWrapper::EventStoreWrapper;
  Result<std::optional<Snapshot>> LoadSnapshot(std::string_view stream) override {
    ++count;
    return EventStoreWrapper::LoadSnapshot(stream);
  }
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, const ReadStreamOptions& options) override {
    ++count;
    return EventStoreWrapper::ReadStream(stream, options);
  }
  int count = 0;
};

TEST_F(CommandHandlerTest, ACommandThatStartsItsStreamIsDecidedWithoutALoad) {
  Loads loads(*store_);
  CommandHandler<Order> handler(loads, order_, types_);
  auto placed = handler.Handle("o-1", place_);
  ASSERT_TRUE(placed.ok()) << placed.status().ToString();
  EXPECT_EQ(loads.count, 0) << "placing starts the order's stream: nothing to load";
  EXPECT_EQ(placed->version, 0u);
  EXPECT_EQ(placed->attempts, 1);
  ASSERT_TRUE(handler.Handle("o-1", Confirm("o-1")).ok());
  EXPECT_GT(loads.count, 0) << "any other command loads the order";
}

TEST_F(CommandHandlerTest, StartingAStreamThatExistsGetsTheAggregatesAnswerWithoutSpendingARetry) {
  Loads loads(*store_);
  CommandHandler<Order> handler(loads, order_, types_, {.max_retries = 0});
  ASSERT_TRUE(handler.Handle("o-1", place_).ok());
  // The unloaded try conflicts; the order is loaded and decides: the same
  // content changes nothing, other content is refused.
  auto again = handler.Handle("o-1", place_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->events, 0u);
  EXPECT_EQ(again->attempts, 2);
  EXPECT_GT(loads.count, 0);
  auto other = handler.Handle("o-1", AsCommand(Place("o-1", "c-8", {{"tea", 2, 450}})));
  EXPECT_EQ(other.status().code(), StatusCode::kAlreadyExists) << other.status().ToString();
  EXPECT_EQ(store_->HeadPosition(), 1u);
}

TEST_F(CommandHandlerTest, RejectedAndInvalidCommandsAppendNothing) {
  EXPECT_EQ(Handler().Handle("o-1", Confirm("o-1")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Handler().Handle("o-1", AsCommand(Place("o-1", "c-7", {}))).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(Handler().Handle("o-1", place_).ok());
  ASSERT_TRUE(Handler().Handle("o-1", Cancel("o-1", "no")).ok());
  EXPECT_EQ(Handler().Handle("o-1", Confirm("o-1")).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Handler().Handle("", place_).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->HeadPosition(), 2u);
}

// Holds the first two stream loads after Arm() until both have read, so that
// two handlers decide on the same version whatever the machine's load.
class LoadGate final : public EventStoreWrapper {
 public:
  using EventStoreWrapper::EventStoreWrapper;
  void Arm() {
    std::lock_guard lock(mu_);
    arrived_ = 0;
    armed_ = true;
  }
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, const ReadStreamOptions& options) override {
    Result<std::vector<RecordedEvent>> read = EventStoreWrapper::ReadStream(stream, options);
    std::unique_lock lock(mu_);
    if (armed_ && ++arrived_ == 2) {
      armed_ = false;
      both_.notify_all();
    }
    both_.wait(lock, [&] { return !armed_; });
    return read;
  }

 private:
  std::mutex mu_;
  std::condition_variable both_;
  int arrived_ = 0;
  bool armed_ = false;
};

TEST_F(CommandHandlerTest, TwoHandlersRacingOnOneOrderLoseNoUpdate) {
  testing::TempDir dir;
  auto rocks = OpenEventStore(dir.path());
  ASSERT_TRUE(rocks.ok());
  store_ = std::move(rocks).value();
  constexpr int kRounds = 40;
  LoadGate gate(*store_);
  CommandHandler<Order> left(gate, order_, types_), right(gate, order_, types_);
  int retried = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string id = "o-" + std::to_string(round);
    ASSERT_TRUE(left.Handle(id, AsCommand(Place(id, "c-7", {{"tea", 1, 1}}))).ok());
    gate.Arm();  // both load version 0 before either appends: one of them must load again
    Result<CommandResult> a = InternalError("not run"), b = InternalError("not run");
    std::thread one([&] { a = left.Handle(id, Mark(id, "n-a")); });
    std::thread two([&] { b = right.Handle(id, Mark(id, "n-b")); });
    one.join();
    two.join();
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    retried += (a->attempts > 1) + (b->attempts > 1);
    auto root = left.repository().Load(id);
    ASSERT_TRUE(root.ok());
    ASSERT_EQ(root->state.notification_ids_size(), 2) << id;
    EXPECT_EQ(*root->version, 2u);
  }
  EXPECT_EQ(retried, kRounds) << "in every round exactly one of the two loses the race and decides again";
}

TEST_F(CommandHandlerTest, SnapshotsAreAnOptimisationOnly) {
  auto handler = Handler({.max_retries = 5, .snapshot_every = 3});
  ASSERT_TRUE(handler.Handle("o-1", place_).ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(handler.Handle("o-1", Mark("o-1", "n-" + std::to_string(i))).ok());
  auto snapshot = store_->LoadSnapshot("order-o-1");
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->version, 8u);  // the 9th event crossed the third multiple of 3

  auto with = handler.repository().Load("o-1");
  ASSERT_TRUE(with.ok());
  EXPECT_TRUE(with->from_snapshot);
  ASSERT_TRUE(store_->DeleteSnapshot("order-o-1").ok());
  auto without = handler.repository().Load("o-1");
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(without->from_snapshot);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(with->state, without->state));
  EXPECT_EQ(with->version, without->version);
  EXPECT_EQ(without->state.notification_ids_size(), 10);
  // Commands decide the same with and without it.
  EXPECT_EQ(handler.Handle("o-1", Mark("o-1", "n-3"))->events, 0u);
}

TEST_F(CommandHandlerTest, TimeTravelLoadsTheStateAsItWas) {
  auto handler = Handler({.max_retries = 5});
  ASSERT_TRUE(handler.Handle("o-1", place_).ok());
  ASSERT_TRUE(handler.Handle("o-2", AsCommand(Place("o-2", "c-8", {{"cup", 1, 1}}))).ok());  // moves the global position
  clock_.Advance(std::chrono::minutes(5));
  auto placed_at = store_->ReadStream("order-o-1", {})->back();
  ASSERT_TRUE(handler.Handle("o-1", Confirm("o-1", "ch-1")).ok());

  auto at_version = handler.repository().Load("o-1", {.at_version = 0});
  ASSERT_TRUE(at_version.ok());
  EXPECT_EQ(at_version->state.status(), OrderState::PLACED);
  auto at_position = handler.repository().Load("o-1", {.at_position = placed_at.position + 1});
  EXPECT_EQ(at_position->state.status(), OrderState::PLACED);
  auto at_time = handler.repository().Load("o-1", {.at_time_us = placed_at.recorded_at_us + 60'000'000});
  EXPECT_EQ(at_time->state.status(), OrderState::PLACED);
  auto before = handler.repository().Load("o-1", {.at_time_us = placed_at.recorded_at_us - 1});
  EXPECT_FALSE(before->version.has_value());
  auto now = handler.repository().Load("o-1");
  EXPECT_EQ(now->state.status(), OrderState::CONFIRMED);
}

TEST_F(CommandHandlerTest, TimeTravelStartsFromASnapshotTakenAtOrBeforeItsPoint) {
  auto handler = Handler({.max_retries = 5, .snapshot_every = 4});
  ASSERT_TRUE(handler.Handle("o-1", place_).ok());
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(std::chrono::minutes(1));
    ASSERT_TRUE(handler.Handle("o-1", Mark("o-1", "n-" + std::to_string(i))).ok());
  }
  auto snapshot = store_->LoadSnapshot("order-o-1");
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  ASSERT_EQ((*snapshot)->version, 3u);
  auto events = store_->ReadStream("order-o-1", {});
  const RecordedEvent& fourth = (*events)[3];
  EXPECT_EQ((*snapshot)->position, fourth.position);
  EXPECT_EQ((*snapshot)->recorded_at_us, fourth.recorded_at_us);

  // At or after the snapshot's point: from the snapshot, and the same state as a fold from the start.
  for (LoadPoint at : {LoadPoint{.at_position = (*events)[4].position}, LoadPoint{.at_time_us = fourth.recorded_at_us}}) {
    auto loaded = handler.repository().Load("o-1", at);
    ASSERT_TRUE(loaded.ok());
    EXPECT_TRUE(loaded->from_snapshot);
    ASSERT_TRUE(store_->DeleteSnapshot("order-o-1").ok());
    auto folded = handler.repository().Load("o-1", at);
    ASSERT_TRUE(store_->SaveSnapshot("order-o-1", **snapshot).ok());
    EXPECT_FALSE(folded->from_snapshot);
    EXPECT_EQ(loaded->version, folded->version);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(loaded->state, folded->state));
  }
  // Before it: from the start, and the snapshot's later events are not in the state.
  auto earlier = handler.repository().Load("o-1", {.at_time_us = fourth.recorded_at_us - 1});
  ASSERT_TRUE(earlier.ok());
  EXPECT_FALSE(earlier->from_snapshot);
  EXPECT_EQ(earlier->version, 2u);
  EXPECT_EQ(earlier->state.notification_ids_size(), 2);
}

TEST_F(CommandHandlerTest, AnUnavailableStoreFailsTheCommandAndItsRetryAppendsOnce) {
  FaultInjectingEventStore faulty(*store_);
  CommandHandler<Order> handler(faulty, order_, types_);
  const CommandContext context = CommandContext::New();
  faulty.FailNth(StoreOperation::kAppend, 1, UnavailableError("disk went away"));
  EXPECT_EQ(handler.Handle("o-1", place_, context).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->HeadPosition(), 0u);
  faulty.FailUntilHealed(StoreOperation::kRead, UnavailableError("store down"));
  EXPECT_EQ(handler.Handle("o-1", place_, context).status().code(), StatusCode::kUnavailable);
  faulty.Heal();
  auto placed = handler.Handle("o-1", place_, context);
  ASSERT_TRUE(placed.ok()) << placed.status().ToString();
  EXPECT_EQ(placed->events, 1u);
  EXPECT_FALSE(placed->duplicate);
  EXPECT_EQ(store_->HeadPosition(), 1u);
}

TEST_F(CommandHandlerTest, ARetryAfterALostReplyAppendsNothingTwice) {
  FaultInjectingEventStore faulty(*store_);
  CommandHandler<Order> handler(faulty, order_, types_);
  const CommandContext context = CommandContext::New();
  faulty.LoseNthReply(StoreOperation::kAppend, 1, UnavailableError("connection reset"));
  EXPECT_EQ(handler.Handle("o-1", place_, context).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->HeadPosition(), 1u) << "the append took effect";
  auto retried = handler.Handle("o-1", place_, context);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_TRUE(retried->duplicate);
  EXPECT_EQ(retried->position, 1u);
  EXPECT_EQ(store_->HeadPosition(), 1u);
}

TEST_F(CommandHandlerTest, MetricsCountCommandsByOutcomeAndTimeThem) {
  MetricsRegistry metrics;
  auto handler = Handler({.metrics = &metrics});
  ASSERT_TRUE(handler.Handle("o-1", place_).ok());
  ASSERT_TRUE(handler.Handle("o-1", place_).ok());  // the same order again: unchanged
  EXPECT_FALSE(handler.Handle("o-1", Cancel("o-1", "")).ok());
  EXPECT_FALSE(handler.Handle("o-2", Confirm("o-2")).ok());
  const std::string text = metrics.RenderPrometheus();
  EXPECT_NE(text.find("cairn_commands_total{aggregate=\"order\",outcome=\"ok\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cairn_commands_total{aggregate=\"order\",outcome=\"unchanged\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_commands_total{aggregate=\"order\",outcome=\"invalid\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_commands_total{aggregate=\"order\",outcome=\"not_found\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_command_seconds_count{aggregate=\"order\"} 4\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace cairn
