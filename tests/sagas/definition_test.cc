// A definition that cannot work is refused when it is registered.
#include "sagas/definition.h"

#include <gtest/gtest.h>

#include "engine/event_types.h"
#include "sagas/instance.h"
#include "sagas/proto/saga.pb.h"
#include "tests/sagas/toy.pb.h"

namespace cairn::sagas {
namespace {

using toy::JobSubmitted;

Result<std::unique_ptr<google::protobuf::Message>> NoCommand(const SagaVars&) {
  return std::unique_ptr<google::protobuf::Message>(new toy::AccountCommand());
}
void NoCall(const ActivityCall&, ActivityDone done) { done(SagaVars{}); }

SagaDefinition Base(std::string name = "job", int version = 1) {
  return SagaDefinition(std::move(name), version)
      .StartOn<JobSubmitted>("job", [](const JobSubmitted& e) { return e.key(); },
                             [](const JobSubmitted&) { return SagaVars{}; });
}

Action Command() { return Action::Command(NoCommand).SucceedsOn({"Reserved"}); }

std::string Refusal(const SagaDefinition& definition) {
  Status status = definition.Validate();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  return status.message();
}

TEST(SagaDefinition, AWorkableDefinitionIsAccepted) {
  SagaDefinition definition = Base()
                                  .AddStep(Step("reserve").Do(Command()).Compensate(Command()))
                                  .AddStep(Step("confirm").Do(Command()).Pivot())
                                  .AddStep(Step("notify").Do(Action::Call(NoCall).MayFail()));
  EXPECT_TRUE(definition.Validate().ok()) << definition.Validate().ToString();
  EXPECT_EQ(definition.pivot(), 1u);
  EXPECT_EQ(definition.StepIndex("notify"), 2u);
}

TEST(SagaDefinition, WhatCannotWorkIsRefusedWithItsReason) {
  EXPECT_NE(Refusal(Base("Bad Name").AddStep(Step("a").Do(Command()))).find("saga name"), std::string::npos);
  EXPECT_NE(Refusal(Base("job", 0).AddStep(Step("a").Do(Command()))).find("version"), std::string::npos);
  EXPECT_NE(Refusal(SagaDefinition("job", 1).AddStep(Step("a").Do(Command()))).find("no trigger"), std::string::npos);
  EXPECT_NE(Refusal(Base()).find("no steps"), std::string::npos);
  EXPECT_NE(Refusal(Base().AddStep(Step("a").Do(Command())).AddStep(Step("a").Do(Command()))).find("twice"),
            std::string::npos);
  EXPECT_NE(Refusal(Base().AddStep(Step("a"))).find("does nothing"), std::string::npos);
  EXPECT_NE(Refusal(Base().AddStep(Step("a").Do(Action::Command(NoCommand)))).find("no event type that means success"),
            std::string::npos);
  EXPECT_NE(Refusal(Base()
                        .AddStep(Step("a").Do(Command()).Pivot())
                        .AddStep(Step("b").Do(Command()).Compensate(Command())))
                .find("after the pivot"),
            std::string::npos);
  EXPECT_NE(Refusal(Base().AddStep(Step("a").Do(Command()).Pivot()).AddStep(Step("b").Do(Command()).Pivot()))
                .find("second pivot"),
            std::string::npos);
  EXPECT_NE(Refusal(Base().AddStep(Step("a").Do(Command().MayFail()))).find("may fail"), std::string::npos);
  RetryPolicy none;
  none.max_attempts = 0;
  EXPECT_NE(Refusal(Base().AddStep(Step("a").Do(Command().Retry(none)))).find("fewer than 1"), std::string::npos);
  EXPECT_NE(Refusal(Base().AddStep(Step("a").Do(Command().AttemptTimeout(std::chrono::seconds(1)))))
                .find("no outside call"),
            std::string::npos);
  EXPECT_NE(Refusal(Base().AddStep(Step("a").Do(Action::Command(NoCommand).SucceedsOn({"X"}).FailsOn({"X"}))))
                .find("success and failure"),
            std::string::npos);
}

TEST(RetryPolicy, DelaysDoubleUpToTheCapWithinTheJitter) {
  RetryPolicy policy;
  policy.first_delay = std::chrono::milliseconds(100);
  policy.max_delay = std::chrono::milliseconds(350);
  policy.jitter = 0.2;
  EXPECT_EQ(policy.DelayBefore(2, 0.5).count(), 100);
  EXPECT_EQ(policy.DelayBefore(3, 0.5).count(), 200);
  EXPECT_EQ(policy.DelayBefore(4, 0.5).count(), 350);
  EXPECT_EQ(policy.DelayBefore(9, 0.5).count(), 350);
  EXPECT_EQ(policy.DelayBefore(2, 0.0).count(), 80);
  EXPECT_EQ(policy.DelayBefore(2, 0.999999).count(), 120);
}

TEST(SagaInstance, DeadlinesAreReplacedCancelledAsANoOpAndFiredOnce) {
  SagaInstance instance;
  DeadlineScheduled first;
  first.set_name("retry");
  first.set_due_at_us(100);
  Evolve(instance, first);
  DeadlineScheduled again = first;
  again.set_due_at_us(200);
  Evolve(instance, again);
  ASSERT_EQ(instance.deadlines.size(), 1u);
  EXPECT_EQ(instance.deadlines["retry"], 200);
  DeadlineCancelled gone;
  gone.set_name("attempt");
  Evolve(instance, gone);
  EXPECT_EQ(instance.deadlines.size(), 1u);
  DeadlineFired fired;
  fired.set_name("retry");
  Evolve(instance, fired);
  EXPECT_TRUE(instance.deadlines.empty());
}

TEST(SagaInstance, StatusNamesRoundTrip) {
  for (SagaStatus status : {SagaStatus::kRunning, SagaStatus::kCompensating, SagaStatus::kCompleted,
                            SagaStatus::kCompensated, SagaStatus::kCancelled, SagaStatus::kTerminated,
                            SagaStatus::kStuck, SagaStatus::kParked}) {
    EXPECT_EQ(ParseSagaStatus(SagaStatusName(status)), status);
  }
  EXPECT_FALSE(ParseSagaStatus("finished"));
}

}  // namespace
}  // namespace cairn::sagas
