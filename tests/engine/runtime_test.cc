// The Runtime's end: handlers that never ran are destroyed while every pool
// still stands, whichever pool's object they own.
#include "engine/runtime.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>
#include <vector>

#include "tests/testing/thread_names.h"

namespace cairn {
namespace {

using Log = std::vector<std::string>;

// Says when its context is destroyed: services go with their context.
struct Witness : boost::asio::execution_context::service {
  static inline boost::asio::execution_context::id id;
  explicit Witness(boost::asio::execution_context& context) : service(context) {}
  ~Witness() override {
    if (log) log->push_back("background destroyed");
  }
  void shutdown() override {}
  Log* log = nullptr;
};

// A component's state as a handler keeps it: a timer on the background.
struct TimerOwner {
  TimerOwner(boost::asio::io_context& context, Log& to) : timer(context), log(to) {}
  ~TimerOwner() { log.push_back("timer destroyed"); }
  boost::asio::steady_timer timer;
  Log& log;
};

TEST(Runtime, AHandlerLeftInOnePoolMayOwnATimerOfAnother) {
  Log log;
  {
    Runtime runtime(1, 1, 1);
    boost::asio::use_service<Witness>(runtime.background()).log = &log;
    runtime.Stop();
    auto owner = std::make_shared<TimerOwner>(runtime.background(), log);
    owner->timer.expires_after(std::chrono::hours(1));
    owner->timer.async_wait([](boost::system::error_code) {});
    boost::asio::post(runtime.io(), [owner] {});
    boost::asio::post(runtime.blocking(), [owner] {});
  }
  EXPECT_EQ(log, (Log{"timer destroyed", "background destroyed"}));
}

TEST(Runtime, ItsThreadsAreNamedByPoolAndEndWithIt) {
  const auto before = testing::ThreadNames();
  {
    Runtime runtime(2, 3, 1);
    const auto running = testing::ThreadNames();
    EXPECT_EQ(running.count("cairn-io"), before.count("cairn-io") + 2);
    EXPECT_EQ(running.count("cairn-blocking"), before.count("cairn-blocking") + 3);
    EXPECT_EQ(running.count("cairn-bg"), before.count("cairn-bg") + 1);
    EXPECT_EQ(runtime.threads(), 6);
  }
  const auto stopped = testing::ThreadNames();
  EXPECT_EQ(stopped.count("cairn-io"), before.count("cairn-io"));
  EXPECT_EQ(stopped.count("cairn-blocking"), before.count("cairn-blocking"));
  EXPECT_EQ(stopped.count("cairn-bg"), before.count("cairn-bg"));
}

}  // namespace
}  // namespace cairn
