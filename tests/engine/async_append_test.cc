// async_append and CommandHandler::HandleAsync with each kind of completion
// token: completions run on the caller's executor, never on the store's
// committing thread, and a command appends once however it races.
#include "engine/async_append.h"
#include "engine/async_subscription.h"

#include <gtest/gtest.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
// Clang 14 (the fuzzing and sanitizer build) has no coroutines with libstdc++ 12.
#ifdef BOOST_ASIO_HAS_CO_AWAIT
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#endif

#include <thread>

#include "engine/command_handler.h"
#include "examples/commerce/commerce.h"
#include "store/event_store_wrapper.h"
#include "tests/examples/commerce/commerce_messages.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

namespace asio = boost::asio;
using commerce::Order;
using namespace commerce::testing;

std::vector<StreamAppend> One(const std::string& stream) {
  EventData event;
  event.type = "E";
  event.data = "{}";
  return {StreamAppend{stream, ExpectedVersion::Any(), {event}}};
}

class AsyncAppendTest : public ::testing::Test {
 protected:
  AsyncAppendTest() {
    auto store = OpenEventStore(dir_.Sub("data"));  // Sync: every completion waits for an fsync
    EXPECT_TRUE(store.ok());
    store_ = std::move(store).value();
    commerce::RegisterCommerceEvents(types_);
  }
  // Runs the io_context on this thread until its work is done.
  void Run() {
    io_.restart();
    io_.run();
  }

  testing::TempDir dir_;
  std::unique_ptr<EventStore> store_;
  asio::io_context io_;
  EventTypeRegistry types_;
  Order order_;
};

TEST_F(AsyncAppendTest, ACallbackRunsOnTheExecutorItIsBoundTo) {
  constexpr int kAppends = 200;
  int completed = 0;
  const auto io_thread = std::this_thread::get_id();
  for (int i = 0; i < kAppends; ++i) {
    async_append(*store_, One("order-" + std::to_string(i % 7)),
                 asio::bind_executor(io_, [&](Result<AppendResult> result) {
                   EXPECT_TRUE(result.ok()) << result.status().ToString();
                   EXPECT_EQ(std::this_thread::get_id(), io_thread) << "ran on the committing thread";
                   ++completed;  // one thread: no lock needed
                 }));
  }
  Run();  // returns once every append completed: each held the context's work
  EXPECT_EQ(completed, kAppends);
  EXPECT_EQ(store_->HeadPosition(), static_cast<uint64_t>(kAppends));
}

TEST_F(AsyncAppendTest, UseFutureGivesTheResult) {
  std::thread runner([&] {
    auto guard = asio::make_work_guard(io_);
    io_.run_for(std::chrono::seconds(10));
  });
  std::future<Result<AppendResult>> appended = async_append(*store_, One("order-1"), asio::use_future);
  Result<AppendResult> result = appended.get();
  io_.stop();
  runner.join();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->events.front().position, 1u);
}

#ifdef BOOST_ASIO_HAS_CO_AWAIT
TEST_F(AsyncAppendTest, ACoroutineAwaitsAppendsAndCommands) {
  CommandHandler<Order> orders(*store_, order_, types_);
  std::optional<Result<AppendResult>> appended;
  std::optional<Result<CommandResult>> placed, duplicate;
  const CommandContext context = CommandContext::New();
  // Built outside the coroutine: GCC 12 miscompiles braced temporaries in a co_await.
  const commerce::OrderCommand place = AsCommand(Place("o-1", "c-1", {{"tea", 1, 450}}));
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        appended = co_await async_append(*store_, One("audit-1"), asio::use_awaitable);
        placed = co_await orders.HandleAsync(place, context, asio::use_awaitable);
        duplicate = co_await orders.HandleAsync(place, context, asio::use_awaitable);
      },
      asio::detached);
  Run();
  ASSERT_TRUE(appended && appended->ok());
  ASSERT_TRUE(placed && placed->ok()) << placed->status().ToString();
  EXPECT_EQ((*placed)->stream, "order-o-1");
  EXPECT_EQ((*placed)->events, 1u);
  ASSERT_TRUE(duplicate && duplicate->ok());
  EXPECT_TRUE((*duplicate)->duplicate);
  EXPECT_EQ(store_->HeadPosition(), 2u);
}
#endif

// Holds asynchronous appends back until opened, so that every command of a
// test has loaded before the first one appends.
class GatedStore final : public EventStoreWrapper {
 public:
  using EventStoreWrapper::EventStoreWrapper;
  void AppendAsync(std::vector<StreamAppend> appends, AppendCallback done) override {
    if (open_) return base().AppendAsync(std::move(appends), std::move(done));
    held_.emplace_back(std::move(appends), std::move(done));
  }
  size_t held() const { return held_.size(); }
  // Called on the one thread that appends (the io_context's).
  void Open() {
    open_ = true;
    for (auto& [appends, done] : held_) base().AppendAsync(std::move(appends), std::move(done));
    held_.clear();
  }

 private:
  bool open_ = false;
  std::vector<std::pair<std::vector<StreamAppend>, AppendCallback>> held_;
};

TEST_F(AsyncAppendTest, CommandsInFlightOnOneOrderAllTakeEffectOnce) {
  GatedStore gated(*store_);
  CommandHandler<Order> orders(gated, order_, types_, {.max_retries = 100});
  ASSERT_TRUE(orders.Handle(AsCommand(Place("o-1", "c-1", {{"tea", 1, 450}}))).ok());
  constexpr int kCommands = 40;
  int ok = 0, retried = 0;
  for (int i = 0; i < kCommands; ++i) {
    commerce::OrderCommand mark;
    mark.mutable_mark_notified()->set_order_id("o-1");
    mark.mutable_mark_notified()->set_notification_id("n-" + std::to_string(i));
    orders.HandleAsync(mark, CommandContext::New(), asio::bind_executor(io_, [&](Result<CommandResult> result) {
                         EXPECT_TRUE(result.ok()) << result.status().ToString();
                         ok += result.ok();
                         retried += result.ok() && result->attempts > 1;
                       }));
  }
  // After every command's first load and decision: each expects version 0.
  asio::post(io_, [&] { gated.Open(); });
  Run();
  EXPECT_EQ(ok, kCommands);
  EXPECT_EQ(retried, kCommands - 1) << "all loaded before any appended: all but one met a conflict";
  auto root = orders.repository().Load("o-1");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->state.notification_ids_size(), kCommands);
  EXPECT_EQ(*root->version, static_cast<uint64_t>(kCommands));
}

TEST_F(AsyncAppendTest, StartingAStreamThatExistsGetsTheAggregatesAnswerWithoutSpendingARetry) {
  CommandHandler<Order> orders(*store_, order_, types_, {.max_retries = 0});
  std::vector<Result<CommandResult>> results;
  auto place = [&](const std::string& customer) {
    orders.HandleAsync(AsCommand(Place("o-1", customer, {{"tea", 1, 450}})), CommandContext::New(),
                       asio::bind_executor(io_, [&](Result<CommandResult> result) { results.push_back(result); }));
    Run();
  };
  place("c-1");
  place("c-1");  // tried unloaded, conflicts, loads: nothing changes
  place("c-2");  // the same, and the order refuses other content
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  EXPECT_EQ(results[0]->attempts, 1);
  ASSERT_TRUE(results[1].ok()) << results[1].status().ToString();
  EXPECT_EQ(results[1]->events, 0u);
  EXPECT_EQ(results[1]->attempts, 2);
  EXPECT_EQ(results[2].status().code(), StatusCode::kAlreadyExists) << results[2].status().ToString();
  EXPECT_EQ(store_->HeadPosition(), 1u);
}

// Issued on its executor's thread (a completion that issues the next
// command), a command loads, decides and reaches the store within the call,
// with no hand-off; but its completion, even one known at once, still comes
// after the call returns.
TEST_F(AsyncAppendTest, ACommandIssuedOnItsExecutorsThreadStartsAtOnceAndCompletesAfterTheCall) {
  GatedStore gated(*store_);
  CommandHandler<Order> orders(gated, order_, types_);
  const CommandContext context = CommandContext::New();
  const commerce::OrderCommand place = AsCommand(Place("o-1", "c-1", {{"tea", 1, 450}}));
  const commerce::OrderCommand nameless = AsCommand(Place("", "c-1", {{"tea", 1, 450}}));
  std::vector<std::string> outcomes;
  // Issues `command` from the io_context's thread; true if nothing completed inside the call.
  auto issue = [&](const commerce::OrderCommand& command, const CommandContext& with) {
    auto returned = std::make_shared<bool>(false);
    orders.HandleAsync(command, with, asio::bind_executor(io_, [&, returned](Result<CommandResult> result) {
                         EXPECT_TRUE(*returned) << "completed inside HandleAsync";
                         outcomes.push_back(!result.ok()        ? std::string(StatusCodeName(result.status().code()))
                                            : result->duplicate ? "duplicate"
                                                                : "placed");
                       }));
    *returned = true;
  };
  asio::post(io_, [&] {
    issue(place, context);
    EXPECT_EQ(gated.held(), 1u) << "loaded and decided within the call";
    issue(nameless, CommandContext::New());  // refused before any append
    gated.Open();
  });
  Run();
  asio::post(io_, [&] { issue(place, context); });  // handled before: known at once
  Run();
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0], "InvalidArgument");
  EXPECT_EQ(outcomes[1], "placed");
  EXPECT_EQ(outcomes[2], "duplicate");
  EXPECT_EQ(store_->HeadPosition(), 1u);
}

#ifdef BOOST_ASIO_HAS_CO_AWAIT
TEST_F(AsyncAppendTest, ACaughtUpSubscriptionWaitsForTheNextCommitWithoutAThread) {
  ASSERT_TRUE(store_->Append("order-1", ExpectedVersion::Any(), One("order-1")[0].events).ok());
  CatchUpSubscription subscription(*store_, {});
  std::vector<uint64_t> positions;
  const auto io_thread = std::this_thread::get_id();
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        while (positions.size() < 3) {
          Result<std::vector<RecordedEvent>> page = co_await async_next(subscription, asio::use_awaitable);
          EXPECT_TRUE(page.ok()) << page.status().ToString();
          EXPECT_EQ(std::this_thread::get_id(), io_thread) << "read off the caller's executor";
          if (!page.ok()) co_return;
          for (const RecordedEvent& event : *page) positions.push_back(event.position);
        }
      },
      asio::detached);
  // Later commits, from another thread, each while the coroutine waits.
  std::thread writer([&] {
    for (int i = 0; i < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ASSERT_TRUE(store_->Append("order-2", ExpectedVersion::Any(), One("order-2")[0].events).ok());
    }
  });
  Run();  // returns once the coroutine has its three events
  writer.join();
  EXPECT_EQ(positions, (std::vector<uint64_t>{1, 2, 3}));
}
#endif

TEST_F(AsyncAppendTest, AWaitingSubscriptionHearsThatTheStoreClosed) {
  CatchUpSubscription subscription(*store_, {});
  std::optional<Result<std::vector<RecordedEvent>>> page;
  async_next(subscription, asio::bind_executor(io_, [&](Result<std::vector<RecordedEvent>> next) { page = next; }));
  io_.poll();  // reads once, finds nothing, waits for a commit
  EXPECT_FALSE(page.has_value());
  store_.reset();
  Run();
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace cairn
