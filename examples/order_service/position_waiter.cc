#include "examples/order_service/position_waiter.h"

#include <boost/asio/steady_timer.hpp>

#include <map>
#include <mutex>
#include <vector>

namespace cairn::order_service {
namespace asio = boost::asio;

namespace {

struct Waiter {
  Waiter(asio::io_context& io, std::function<void(bool)> d) : done(std::move(d)), timer(io) {}
  std::function<void(bool)> done;
  asio::steady_timer timer;  // touched only under State::mu
};

}  // namespace

struct PositionWaiter::State {
  State(asio::io_context& i, uint64_t a) : io(i), applied(a) {}
  asio::io_context& io;
  mutable std::mutex mu;
  uint64_t applied;
  std::multimap<uint64_t, std::shared_ptr<Waiter>> waiting;

  // Removes `waiter` if it still waits; true when it did (the caller answers it).
  bool Take(uint64_t position, const std::shared_ptr<Waiter>& waiter) {
    auto [first, last] = waiting.equal_range(position);
    for (auto it = first; it != last; ++it) {
      if (it->second == waiter) {
        waiting.erase(it);
        return true;
      }
    }
    return false;
  }
};

PositionWaiter::PositionWaiter(Runtime& runtime, uint64_t applied)
    : state_(std::make_shared<State>(runtime.io(), applied)) {}

PositionWaiter::~PositionWaiter() {
  // Whoever still waits hears "not applied" rather than nothing.
  std::lock_guard lock(state_->mu);
  for (auto& [position, waiter] : state_->waiting) {
    waiter->timer.cancel();
    asio::post(state_->io, [waiter = waiter] { waiter->done(false); });
  }
  state_->waiting.clear();
}

void PositionWaiter::Applied(uint64_t checkpoint) {
  std::vector<std::shared_ptr<Waiter>> ready;
  {
    std::lock_guard lock(state_->mu);
    if (checkpoint <= state_->applied) return;
    state_->applied = checkpoint;
    auto end = state_->waiting.upper_bound(checkpoint);
    for (auto it = state_->waiting.begin(); it != end; ++it) {
      it->second->timer.cancel();
      ready.push_back(std::move(it->second));
    }
    state_->waiting.erase(state_->waiting.begin(), end);
  }
  for (auto& waiter : ready) asio::post(state_->io, [waiter] { waiter->done(true); });
}

void PositionWaiter::Wait(uint64_t position, std::chrono::milliseconds timeout, std::function<void(bool)> done) {
  std::lock_guard lock(state_->mu);
  if (position <= state_->applied) {
    asio::post(state_->io, [done = std::move(done)] { done(true); });
    return;
  }
  auto waiter = std::make_shared<Waiter>(state_->io, std::move(done));
  state_->waiting.emplace(position, waiter);
  waiter->timer.expires_after(timeout);
  waiter->timer.async_wait([state = state_, waiter, position](const boost::system::error_code& error) {
    if (error) return;  // cancelled: Applied or the destructor answered
    {
      std::lock_guard taken(state->mu);
      if (!state->Take(position, waiter)) return;
    }
    waiter->done(false);
  });
}

uint64_t PositionWaiter::applied() const {
  std::lock_guard lock(state_->mu);
  return state_->applied;
}

}  // namespace cairn::order_service
