#include "sagas/circuit_breaker.h"

#include <spdlog/spdlog.h>

namespace cairn::sagas {

std::string_view BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed: return "closed";
    case BreakerState::kOpen: return "open";
    case BreakerState::kHalfOpen: return "half-open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(std::string name, BreakerOptions options, const Clock& clock, MetricsRegistry* metrics)
    : name_(std::move(name)), options_(options), clock_(clock) {
  if (metrics) {
    auto gauge = metrics->AddGauge("cairn_circuit_breaker_state",
                                   "Circuit breaker state: 0 closed, 1 open, 2 half-open", {{"breaker", name_}});
    if (gauge.ok()) gauge_ = *gauge;
    for (BreakerState to : {BreakerState::kClosed, BreakerState::kOpen, BreakerState::kHalfOpen}) {
      auto counter = metrics->AddCounter("cairn_circuit_breaker_transitions_total", "Circuit breaker state changes, by the state entered.",
                                         {{"breaker", name_}, {"to", std::string(BreakerStateName(to))}});
      if (counter.ok()) transitions_[static_cast<int>(to)] = *counter;
    }
  }
}

Status CircuitBreaker::Acquire() {
  std::lock_guard lock(mu_);
  if (state_ == BreakerState::kOpen) {
    const int64_t open_us = std::chrono::duration_cast<std::chrono::microseconds>(options_.open_for).count();
    if (clock_.NowMicros() - opened_at_us_ < open_us) {
      return UnavailableError("circuit breaker " + name_ + " is open");
    }
    MoveTo(BreakerState::kHalfOpen, "it was open for " + std::to_string(options_.open_for.count()) + " ms");
  }
  if (state_ == BreakerState::kHalfOpen) {
    if (trials_out_ + static_cast<int>(window_.size()) >= options_.half_open_calls) {
      return UnavailableError("circuit breaker " + name_ + " is half-open and its trial calls are out");
    }
    ++trials_out_;
  }
  return OkStatus();
}

void CircuitBreaker::Record(bool failed, std::chrono::microseconds duration) {
  std::lock_guard lock(mu_);
  const Call call{failed, duration >= options_.slow_call_duration};
  std::string why;
  switch (state_) {
    case BreakerState::kClosed:
      window_.push_back(call);
      if (static_cast<int>(window_.size()) > options_.window) window_.pop_front();
      if (static_cast<int>(window_.size()) >= options_.min_calls && RatesExceeded(window_, &why)) {
        MoveTo(BreakerState::kOpen, why);
      }
      break;
    case BreakerState::kHalfOpen:
      if (trials_out_ > 0) --trials_out_;
      window_.push_back(call);
      if (static_cast<int>(window_.size()) < options_.half_open_calls) break;
      if (RatesExceeded(window_, &why)) {
        MoveTo(BreakerState::kOpen, "trial calls: " + why);
      } else {
        MoveTo(BreakerState::kClosed, "trial calls passed");
      }
      break;
    case BreakerState::kOpen: break;  // a call let through before it opened
  }
}

BreakerState CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

bool CircuitBreaker::RatesExceeded(const std::deque<Call>& calls, std::string* why) const {
  int failed = 0, slow = 0;
  for (const Call& call : calls) {
    failed += call.failed;
    slow += call.slow;
  }
  const double total = static_cast<double>(calls.size());
  const double failure_rate = 100.0 * failed / total, slow_rate = 100.0 * slow / total;
  if (failure_rate >= options_.failure_rate) {
    *why = std::to_string(failed) + " of " + std::to_string(calls.size()) + " calls failed";
    return true;
  }
  if (slow_rate >= options_.slow_call_rate) {
    *why = std::to_string(slow) + " of " + std::to_string(calls.size()) + " calls were slower than " +
           std::to_string(options_.slow_call_duration.count()) + " ms";
    return true;
  }
  return false;
}

void CircuitBreaker::MoveTo(BreakerState next, const std::string& why) {
  spdlog::warn("circuit breaker {}: {} -> {} ({})", name_, BreakerStateName(state_), BreakerStateName(next), why);
  state_ = next;
  window_.clear();
  trials_out_ = 0;
  if (next == BreakerState::kOpen) opened_at_us_ = clock_.NowMicros();
  if (gauge_) gauge_->Set(static_cast<double>(next));
  if (Counter* entered = transitions_[static_cast<int>(next)]) entered->Increment();
}

}  // namespace cairn::sagas
