#include "examples/order_service/saga_waiter.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace cairn::order_service {
namespace asio = boost::asio;

struct SagaWaiter::Pending {
  Pending(asio::io_context& io, std::string saga, uint64_t after, std::function<void(bool)> d)
      : saga_id(std::move(saga)), after_position(after), done(std::move(d)), timer(io) {}
  const std::string saga_id;
  const uint64_t after_position;
  std::function<void(bool)> done;
  asio::steady_timer timer;  // touched only under State::mu
};

struct SagaWaiter::State {
  explicit State(asio::io_context& i) : io(i) {}
  asio::io_context& io;
  std::mutex mu;
  bool stopped = false;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Pending>>> waiting;  // by saga id

  // Removes `pending` if it still waits; true when it did (the caller answers it).
  bool Take(const std::shared_ptr<Pending>& pending) {
    auto saga = waiting.find(pending->saga_id);
    if (saga == waiting.end()) return false;
    auto at = std::find(saga->second.begin(), saga->second.end(), pending);
    if (at == saga->second.end()) return false;
    saga->second.erase(at);
    if (saga->second.empty()) waiting.erase(saga);
    return true;
  }
  // Under mu, once `pending` is taken.
  void Answer(std::shared_ptr<Pending> pending, bool moved) {
    pending->timer.cancel();
    asio::post(io, [pending = std::move(pending), moved] { pending->done(moved); });
  }
  void AnswerAll() {
    std::lock_guard lock(mu);
    stopped = true;
    for (auto& [saga, pending] : waiting) {
      for (auto& one : pending) Answer(std::move(one), false);
    }
    waiting.clear();
  }
};

SagaWaiter::SagaWaiter(Runtime& runtime) : state_(std::make_shared<State>(runtime.io())) {}

SagaWaiter::~SagaWaiter() { state_->AnswerAll(); }

Status SagaWaiter::Stop() {
  state_->AnswerAll();
  return OkStatus();
}

void SagaWaiter::Transitioned(const std::string& saga_id, uint64_t position) {
  std::lock_guard lock(state_->mu);
  auto saga = state_->waiting.find(saga_id);
  if (saga == state_->waiting.end()) return;
  std::vector<std::shared_ptr<Pending>>& pending = saga->second;
  auto moved = std::stable_partition(pending.begin(), pending.end(),
                                     [position](const auto& one) { return position <= one->after_position; });
  for (auto it = moved; it != pending.end(); ++it) state_->Answer(std::move(*it), true);
  pending.erase(moved, pending.end());
  if (pending.empty()) state_->waiting.erase(saga);
}

std::shared_ptr<SagaWaiter::Pending> SagaWaiter::Wait(const std::string& saga_id, uint64_t after_position,
                                                      std::chrono::milliseconds timeout,
                                                      std::function<void(bool)> done) {
  auto pending = std::make_shared<Pending>(state_->io, saga_id, after_position, std::move(done));
  std::lock_guard lock(state_->mu);
  if (state_->stopped) {
    state_->Answer(pending, false);
    return pending;
  }
  state_->waiting[saga_id].push_back(pending);
  pending->timer.expires_after(timeout);
  pending->timer.async_wait([state = state_, pending](const boost::system::error_code& error) {
    if (error) return;  // cancelled: answered already
    std::lock_guard taken(state->mu);
    if (state->Take(pending)) state->Answer(pending, false);
  });
  return pending;
}

void SagaWaiter::Moved(const std::shared_ptr<Pending>& pending) {
  std::lock_guard lock(state_->mu);
  if (state_->Take(pending)) state_->Answer(pending, true);
}

}  // namespace cairn::order_service
