// The breaker's transitions on a manual clock.
#include "sagas/circuit_breaker.h"

#include <gtest/gtest.h>

namespace cairn::sagas {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

BreakerOptions Options() {
  BreakerOptions options;
  options.window = 10;
  options.min_calls = 4;
  options.failure_rate = 50;
  options.slow_call_duration = milliseconds(100);
  options.slow_call_rate = 75;
  options.open_for = milliseconds(1000);
  options.half_open_calls = 2;
  return options;
}

void Call(CircuitBreaker& breaker, bool failed, microseconds duration = microseconds(10)) {
  ASSERT_TRUE(breaker.Acquire().ok());
  breaker.Record(failed, duration);
}

TEST(CircuitBreaker, OpensOnTheFailureRateOnlyPastTheMinimumOfCalls) {
  ManualClock clock;
  MetricsRegistry metrics;
  CircuitBreaker breaker("gateway", Options(), clock, &metrics);
  Call(breaker, true);
  Call(breaker, true);
  Call(breaker, true);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);  // 3 calls: below the minimum
  Call(breaker, false);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);  // 3 of 4 failed
  Status refused = breaker.Acquire();
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find("gateway is open"), std::string::npos);
  const std::string rendered = metrics.RenderPrometheus();
  EXPECT_NE(rendered.find("cairn_circuit_breaker_state{breaker=\"gateway\"} 1"), std::string::npos);
  EXPECT_NE(rendered.find("cairn_circuit_breaker_transitions_total{breaker=\"gateway\",to=\"open\"} 1"), std::string::npos);
  EXPECT_NE(rendered.find("cairn_circuit_breaker_transitions_total{breaker=\"gateway\",to=\"closed\"} 0"), std::string::npos);
}

TEST(CircuitBreaker, StaysClosedBelowTheRate) {
  ManualClock clock;
  CircuitBreaker breaker("gateway", Options(), clock);
  for (int i = 0; i < 30; ++i) Call(breaker, i % 3 == 1);  // a third fail, never half of a window
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, OpensOnSlowCalls) {
  ManualClock clock;
  CircuitBreaker breaker("gateway", Options(), clock);
  for (int i = 0; i < 4; ++i) Call(breaker, false, milliseconds(150));
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, HalfOpenAfterTheIntervalThenClosesOnGoodTrials) {
  ManualClock clock;
  CircuitBreaker breaker("gateway", Options(), clock);
  for (int i = 0; i < 4; ++i) Call(breaker, true);
  ASSERT_EQ(breaker.state(), BreakerState::kOpen);
  clock.Advance(milliseconds(999));
  EXPECT_FALSE(breaker.Acquire().ok());
  clock.Advance(milliseconds(1));
  ASSERT_TRUE(breaker.Acquire().ok());
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  ASSERT_TRUE(breaker.Acquire().ok());
  EXPECT_EQ(breaker.Acquire().code(), StatusCode::kUnavailable);  // both trial calls are out
  breaker.Record(false, microseconds(10));
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  breaker.Record(false, microseconds(10));
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, AFailedTrialOpensItAgain) {
  ManualClock clock;
  CircuitBreaker breaker("gateway", Options(), clock);
  for (int i = 0; i < 4; ++i) Call(breaker, true);
  clock.Advance(milliseconds(1000));
  Call(breaker, true);
  Call(breaker, false);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);  // 1 of 2 trials failed: 50%
  clock.Advance(milliseconds(500));
  EXPECT_FALSE(breaker.Acquire().ok());  // the open interval starts again
}

}  // namespace
}  // namespace cairn::sagas
