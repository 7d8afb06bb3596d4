// The charge aggregate's rules, with the simulated payment gateway.
#include "examples/commerce/charge.h"

#include <gtest/gtest.h>

#include "tests/examples/commerce/commerce_messages.h"
#include "engine/testing/aggregate_spec.h"

namespace cairn::commerce {
namespace {

using namespace testing;
using cairn::testing::AggregateSpec;

ChargeSucceeded Succeeded(const std::string& charge_id, const std::string& customer, int64_t amount) {
  ChargeSucceeded succeeded;
  succeeded.set_charge_id(charge_id);
  succeeded.set_order_id("o-1");
  succeeded.set_customer_id(customer);
  succeeded.set_amount(amount);
  succeeded.set_currency("EUR");
  succeeded.set_gateway_ref("sim-" + charge_id);
  return succeeded;
}

ChargeDeclined Declined(const std::string& charge_id, const std::string& customer, int64_t amount,
                        const std::string& reason) {
  ChargeDeclined declined;
  declined.set_charge_id(charge_id);
  declined.set_order_id("o-1");
  declined.set_customer_id(customer);
  declined.set_amount(amount);
  declined.set_currency("EUR");
  declined.set_reason(reason);
  return declined;
}

class ChargeRules : public ::testing::Test {
 protected:
  SimulatedPaymentGateway gateway_{{.decline_above = 100000, .declined_customers = {"c-fraud"}}};
  Charge charge_{gateway_};
  AggregateSpec<Charge> Spec() { return AggregateSpec<Charge>(charge_); }
};

TEST_F(ChargeRules, AnApprovedChargeSucceeds) {
  Spec().When(ChargeFor("ch-1", "c-7", 2100)).Then(EventsOf(Succeeded("ch-1", "c-7", 2100)));
}

TEST_F(ChargeRules, TheGatewayDeclinesAboveItsLimitAndListedCustomers) {
  Spec().When(ChargeFor("ch-1", "c-7", 100001))
      .Then(EventsOf(Declined("ch-1", "c-7", 100001, "amount 100001 is above the limit of 100000")));
  Spec().When(ChargeFor("ch-2", "c-fraud", 10)).Then(EventsOf(Declined("ch-2", "c-fraud", 10, "customer c-fraud is declined")));
}

TEST_F(ChargeRules, ChargingTheSameChargeAgainChangesNothingAndOtherContentIsRejected) {
  Spec().Given(EventsOf(Succeeded("ch-1", "c-7", 2100))).When(ChargeFor("ch-1", "c-7", 2100)).ThenNothing();
  Spec().Given(EventsOf(Succeeded("ch-1", "c-7", 2100))).When(ChargeFor("ch-1", "c-7", 999)).ThenRejects(StatusCode::kAlreadyExists, "other content");
}

TEST_F(ChargeRules, AnUnavailableGatewayAppendsNothingAndCanBeRetried) {
  SimulatedPaymentGateway down({.fail_percent = 100});
  Charge charge(down);
  AggregateSpec<Charge>(charge).When(ChargeFor("ch-1", "c-7", 10)).ThenRejects(StatusCode::kUnavailable, "unavailable");
}

TEST_F(ChargeRules, TheSimulatorIsDeterministicByChargeId) {
  SimulatedPaymentGateway flaky({.fail_percent = 50});
  int failures = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "ch-" + std::to_string(i);
    const bool first = flaky.Charge({id, "c", 1, "EUR"}).ok();
    EXPECT_EQ(flaky.Charge({id, "c", 1, "EUR"}).ok(), first) << id;
    failures += first ? 0 : 1;
  }
  EXPECT_GT(failures, 60);
  EXPECT_LT(failures, 140);
}

TEST_F(ChargeRules, ARefundIsOnlyForASucceededUnrefundedChargeAndNeverMoreThanCharged) {
  ChargeRefunded refunded;
  refunded.set_charge_id("ch-1");
  refunded.set_refund_id("rf-1");
  refunded.set_amount(2100);
  Spec().Given(EventsOf(Succeeded("ch-1", "c-7", 2100))).When(Refund("ch-1", "rf-1")).Then(EventsOf(refunded));
  refunded.set_amount(500);
  Spec().Given(EventsOf(Succeeded("ch-1", "c-7", 2100))).When(Refund("ch-1", "rf-1", 500)).Then(EventsOf(refunded));
  Spec().Given(EventsOf(Succeeded("ch-1", "c-7", 2100))).When(Refund("ch-1", "rf-1", 2101)).ThenRejects(StatusCode::kFailedPrecondition, "more than");
  Spec().Given(EventsOf(Succeeded("ch-1", "c-7", 2100), refunded)).When(Refund("ch-1", "rf-2")).ThenRejects(StatusCode::kFailedPrecondition, "already refunded");
  Spec().Given(EventsOf(Succeeded("ch-1", "c-7", 2100), refunded)).When(Refund("ch-1", "rf-1")).ThenNothing();
  Spec().Given({}).When(Refund("ch-9", "rf-1")).ThenRejects(StatusCode::kNotFound);
  Spec().Given(EventsOf(Declined("ch-1", "c-7", 10, "no"))).When(Refund("ch-1", "rf-1")).ThenRejects(StatusCode::kFailedPrecondition, "only a succeeded charge");
}

TEST_F(ChargeRules, InvalidChargesAreRejectedAsInvalidArgument) {
  Spec().When(ChargeFor("", "c-7", 10)).ThenRejects(StatusCode::kInvalidArgument, "charge id");
  Spec().When(ChargeFor("ch-1", "c-7", -10)).ThenRejects(StatusCode::kInvalidArgument, "amount");
  Spec().When(ChargeFor("ch-1", "c-7", 0)).ThenRejects(StatusCode::kInvalidArgument, "amount");
  Spec().When(ChargeFor("ch-1", "", 10)).ThenRejects(StatusCode::kInvalidArgument, "customer id");
  Spec().When(Refund("ch-1", "rf-1", -1)).ThenRejects(StatusCode::kInvalidArgument, "refund amount");
}

}  // namespace
}  // namespace cairn::commerce
