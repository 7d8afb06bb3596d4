// AggregateSpec: given / when / then for an aggregate's rules, without a
// store, for an embedder's GoogleTest tests (target cairn::engine_testing):
//   AggregateSpec(order).Given(EventsOf(placed)).When(confirm).Then(EventsOf(confirmed));
//   AggregateSpec(order).Given({}).When(confirm).ThenRejects(StatusCode::kNotFound);
#ifndef CAIRN_ENGINE_TESTING_AGGREGATE_SPEC_H_
#define CAIRN_ENGINE_TESTING_AGGREGATE_SPEC_H_

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "engine/aggregate.h"

namespace cairn::testing {

template <Aggregate A>
class AggregateSpec {
 public:
  explicit AggregateSpec(const A& aggregate) : aggregate_(aggregate) {}

  AggregateSpec& Given(const Events& history) {
    for (const auto& event : history) aggregate_.Evolve(state_, *event);
    return *this;
  }
  AggregateSpec& When(const typename A::Command& command) {
    result_.emplace(aggregate_.Decide(state_, command));
    return *this;
  }
  // The decision produced exactly `expected`, in order.
  void Then(const Events& expected) const {
    ASSERT_TRUE(result_.has_value()) << "When() was not called";
    ASSERT_TRUE(result_->ok()) << result_->status().ToString();
    const Events& actual = result_->value();
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*actual[i], *expected[i]))
          << "event " << i << ": got " << actual[i]->ShortDebugString() << ", want " << expected[i]->ShortDebugString();
    }
  }
  void ThenNothing() const { Then(Events{}); }
  // The decision was refused with `code`, and its message contains `words`.
  void ThenRejects(StatusCode code, const std::string& words = "") const {
    ASSERT_TRUE(result_.has_value()) << "When() was not called";
    ASSERT_FALSE(result_->ok()) << "the command was accepted";
    EXPECT_EQ(result_->status().code(), code) << result_->status().ToString();
    EXPECT_NE(result_->status().message().find(words), std::string::npos) << result_->status().message();
  }
  const typename A::State& state() const { return state_; }

 private:
  const A& aggregate_;
  typename A::State state_;
  std::optional<Result<Events>> result_;
};

}  // namespace cairn::testing

#endif  // CAIRN_ENGINE_TESTING_AGGREGATE_SPEC_H_
