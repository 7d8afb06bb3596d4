// ComponentDriver: the skeleton of a component that runs on a Runtime. Its
// own state lives on a strand; it has one timer (a batch window or a
// back-off) and at most one blocking step at a time on the blocking pool.
// End() stops it from outside the strand and returns once no step runs and
// none will, so the component's state may go away after it.
//
// A subclass keeps itself alive in its handlers with self(), checks
// stopping() first in every handler, and wakes itself only through Post,
// After and Blocking.
#ifndef CAIRN_ENGINE_COMPONENT_DRIVER_H_
#define CAIRN_ENGINE_COMPONENT_DRIVER_H_

// <utility> first: Boost 1.74's Asio misses it under C++20.
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>

#include "engine/runtime.h"

namespace cairn {

class ComponentDriver : public std::enable_shared_from_this<ComponentDriver> {
 public:
  // On the runtime's io_context, or on `context` (its background one).
  explicit ComponentDriver(Runtime& runtime, boost::asio::io_context* context = nullptr)
      : runtime_(runtime),
        context_(context ? *context : runtime.io()),
        strand_(boost::asio::make_strand(context_)),
        timer_(strand_) {}
  virtual ~ComponentDriver() = default;

  // From outside the strand.
  void End() {
    if (context_.stopped()) {
      stopping_ = true;  // nothing runs the strand any more
      return;
    }
    std::promise<void> ended;
    std::future<void> done = ended.get_future();
    Post([this, &ended] {
      stopping_ = true;
      ++wake_;
      timer_.cancel();
      OnEnd();
      ended_ = &ended;
      EndIfIdle();
    });
    done.wait();
  }

 protected:
  // On the strand when End() begins: cancel what waits.
  virtual void OnEnd() {}

  template <typename Self = ComponentDriver>
  std::shared_ptr<Self> self() {
    return std::static_pointer_cast<Self>(shared_from_this());
  }
  bool stopping() const { return stopping_; }
  bool busy() const { return busy_; }
  // Which wait is current: a wake-up for an older one is stale.
  uint64_t wake() const { return wake_; }
  const auto& strand() const { return strand_; }

  // Runs `then` on the strand (from any thread).
  void Post(std::function<void()> then) { boost::asio::post(strand_, std::move(then)); }

  // Calls `then` on the strand after `delay`, unless stopped or woken otherwise first.
  void After(std::chrono::milliseconds delay, std::function<void()> then) {
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this(), wake = wake_, then = std::move(then)](boost::system::error_code error) {
      if (!error && !self->stopping_ && wake == self->wake_) then();
    });
  }

  // Makes every pending wake-up stale (a step begins).
  void Woken() {
    ++wake_;
    timer_.cancel();
  }

  // Runs `work()` on the blocking pool, then `done(result)` on the strand
  // (unless End() came meanwhile).
  template <typename Work, typename Done>
  void Blocking(Work work, Done done) {
    Woken();
    busy_ = true;
    RunBlocking(runtime_, strand_, std::move(work),
                [self = shared_from_this(), done = std::move(done)](auto result) mutable {
                  self->busy_ = false;
                  if (self->stopping_) return self->EndIfIdle();
                  done(std::move(result));
                });
  }

 private:
  void EndIfIdle() {
    if (!ended_ || busy_) return;
    // Last: End() returns once the promise is set, and its caller may free
    // this driver at once, while this handler is still on its way out.
    std::exchange(ended_, nullptr)->set_value();
  }

  Runtime& runtime_;
  boost::asio::io_context& context_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  uint64_t wake_ = 0;
  bool busy_ = false;
  bool stopping_ = false;
  std::promise<void>* ended_ = nullptr;
};

}  // namespace cairn

#endif  // CAIRN_ENGINE_COMPONENT_DRIVER_H_
