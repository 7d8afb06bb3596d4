// CircuitBreaker: stops calling an outside system that keeps failing, so
// that a saga's retries do not pile onto a provider that is down, and lets a
// few trial calls through after a while to see whether it healed. The
// parameters are those resilience4j users know: a count-based window of the
// last calls, a minimum number of calls before the rates count, a failure
// rate and a slow-call rate that open it, how long it stays open, and how
// many trial calls half-open lets through.
//
// Thread safety: any thread.
#ifndef CAIRN_SAGAS_CIRCUIT_BREAKER_H_
#define CAIRN_SAGAS_CIRCUIT_BREAKER_H_

#include <chrono>
#include <deque>
#include <mutex>
#include <string>

#include "engine/metrics.h"
#include "store/clock.h"
#include "store/status.h"

namespace cairn::sagas {

struct BreakerOptions {
  int window = 20;      // the last this-many calls count
  int min_calls = 10;   // fewer calls than this in the window never open it
  double failure_rate = 50;  // percent of the window's calls that failed
  std::chrono::milliseconds slow_call_duration{2000};
  double slow_call_rate = 100;  // percent of the window's calls slower than slow_call_duration
  std::chrono::milliseconds open_for{10'000};
  int half_open_calls = 3;  // trial calls; their rates decide between closed and open
};

enum class BreakerState { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
std::string_view BreakerStateName(BreakerState state);

class CircuitBreaker {
 public:
  // cairn_circuit_breaker_state{breaker} (0 closed, 1 open, 2 half-open)
  // and cairn_circuit_breaker_transitions_total{breaker,to} go to `metrics`
  // when it is not null. `clock` must outlive the breaker.
  CircuitBreaker(std::string name, BreakerOptions options, const Clock& clock = SystemClock(),
                 MetricsRegistry* metrics = nullptr);

  // OK when a call may go now; then exactly one Record must follow.
  // Unavailable when the breaker is open, or half-open with every trial
  // call out: the caller fails the call at once, as retryable.
  Status Acquire();
  // The outcome of a call that Acquire let through: `failed` when the
  // provider did not answer (not when it answered no).
  void Record(bool failed, std::chrono::microseconds duration);

  BreakerState state() const;
  const std::string& name() const { return name_; }

 private:
  struct Call {
    bool failed;
    bool slow;
  };
  // Holding mu_.
  void MoveTo(BreakerState next, const std::string& why);
  bool RatesExceeded(const std::deque<Call>& calls, std::string* why) const;

  const std::string name_;
  const BreakerOptions options_;
  const Clock& clock_;
  Gauge* gauge_ = nullptr;
  Counter* transitions_[3] = {};  // by the state entered
  mutable std::mutex mu_;
  BreakerState state_ = BreakerState::kClosed;
  std::deque<Call> window_;  // closed: the last calls; half-open: the trial calls
  int64_t opened_at_us_ = 0;
  int trials_out_ = 0;
};

}  // namespace cairn::sagas

#endif  // CAIRN_SAGAS_CIRCUIT_BREAKER_H_
