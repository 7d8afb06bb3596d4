// The charge aggregate's rules: it records what the payment provider answered.
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
  Charge charge_;
  AggregateSpec<Charge> Spec() { return AggregateSpec<Charge>(charge_); }
};

TEST_F(ChargeRules, AnApprovedChargeSucceeds) {
  Spec().When(ChargeFor("ch-1", "c-7", 2100)).Then(EventsOf(Succeeded("ch-1", "c-7", 2100)));
}

TEST_F(ChargeRules, ADeclineIsRecordedWithItsReason) {
  Spec().When(ChargeFor("ch-2", "c-fraud", 10, "o-1", "customer c-fraud is declined"))
      .Then(EventsOf(Declined("ch-2", "c-fraud", 10, "customer c-fraud is declined")));
}

TEST_F(ChargeRules, RecordingTheSameChargeAgainChangesNothingAndOtherContentIsRejected) {
  Spec().Given(EventsOf(Succeeded("ch-1", "c-7", 2100))).When(ChargeFor("ch-1", "c-7", 2100)).ThenNothing();
  Spec().Given(EventsOf(Succeeded("ch-1", "c-7", 2100))).When(ChargeFor("ch-1", "c-7", 999)).ThenRejects(StatusCode::kAlreadyExists, "other content");
  Spec().Given(EventsOf(Succeeded("ch-1", "c-7", 2100))).When(ChargeFor("ch-1", "c-7", 2100, "o-1", "no"))
      .ThenRejects(StatusCode::kAlreadyExists, "other content");
}

TEST_F(ChargeRules, AnApprovalNeedsTheProvidersReference) {
  ChargeCommand charge = ChargeFor("ch-1", "c-7", 10);
  charge.mutable_charge()->clear_gateway_ref();
  Spec().When(charge).ThenRejects(StatusCode::kInvalidArgument, "gateway reference");
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
