// The order aggregate's rules, given / when / then.
#include "examples/commerce/order.h"

#include <gtest/gtest.h>

#include "tests/examples/commerce/commerce_messages.h"
#include "engine/testing/aggregate_spec.h"

namespace cairn::commerce {
namespace {

using namespace testing;
using cairn::testing::AggregateSpec;

class OrderRules : public ::testing::Test {
 protected:
  AggregateSpec<Order> Spec() { return AggregateSpec<Order>(order_); }
  Order order_;
  PlaceOrder place_ = Place("o-1", "c-7", {{"tea", 2, 450}, {"cup", 1, 1200}});
  OrderPlaced placed_ = Placed(place_, 2 * 450 + 1200);
};

TEST_F(OrderRules, PlacingComputesTheTotal) {
  Spec().Given({}).When(AsCommand(place_)).Then(EventsOf(placed_));
}

TEST_F(OrderRules, PlacingTheSameOrderAgainChangesNothing) {
  Spec().Given(EventsOf(placed_)).When(AsCommand(place_)).ThenNothing();
}

TEST_F(OrderRules, PlacingTheSameOrderIdWithOtherContentIsRejected) {
  PlaceOrder other = Place("o-1", "c-7", {{"tea", 3, 450}});
  Spec().Given(EventsOf(placed_)).When(AsCommand(other)).ThenRejects(StatusCode::kAlreadyExists, "other content");
}

TEST_F(OrderRules, AnOrderNeedsLinesWithPositiveQuantitiesAndPrices) {
  Spec().When(AsCommand(Place("o-1", "c-7", {}))).ThenRejects(StatusCode::kInvalidArgument, "at least one line");
  Spec().When(AsCommand(Place("o-1", "c-7", {{"tea", 0, 450}}))).ThenRejects(StatusCode::kInvalidArgument, "quantity");
  Spec().When(AsCommand(Place("o-1", "c-7", {{"tea", -1, 450}}))).ThenRejects(StatusCode::kInvalidArgument, "quantity");
  Spec().When(AsCommand(Place("o-1", "c-7", {{"tea", 1, 0}}))).ThenRejects(StatusCode::kInvalidArgument, "unit price");
  Spec().When(AsCommand(Place("o-1", "c-7", {{"tea", 1, -5}}))).ThenRejects(StatusCode::kInvalidArgument, "unit price");
}

TEST_F(OrderRules, InvalidCommandsAreRejectedAsInvalidArgument) {
  Spec().When(AsCommand(Place("", "c-7", {{"tea", 1, 1}}))).ThenRejects(StatusCode::kInvalidArgument, "order id");
  Spec().When(AsCommand(Place("o-1", "", {{"tea", 1, 1}}))).ThenRejects(StatusCode::kInvalidArgument, "customer id");
  Spec().When(AsCommand(Place("o-1", "c-7", {{"tea", 1, 1}}, "XXX"))).ThenRejects(StatusCode::kInvalidArgument, "currency");
  Spec().When(AsCommand(Place(std::string(65, 'o'), "c-7", {{"tea", 1, 1}}))).ThenRejects(StatusCode::kInvalidArgument, "longer");
  Spec().When(AsCommand(Place("o 1", "c-7", {{"tea", 1, 1}}))).ThenRejects(StatusCode::kInvalidArgument, "order id");
  Spec().When(AsCommand(Place("o-1", "c-7", {{"tea", 1000000, 1000000000000}}))).ThenRejects(StatusCode::kInvalidArgument, "too large");
  Spec().Given(EventsOf(placed_)).When(Cancel("o-1", std::string(501, 'r'))).ThenRejects(StatusCode::kInvalidArgument, "reason");
  Spec().When(OrderCommand()).ThenRejects(StatusCode::kInvalidArgument);
}

TEST_F(OrderRules, OnlyAPlacedOrderCanBeConfirmed) {
  OrderConfirmed confirmed;
  confirmed.set_order_id("o-1");
  confirmed.set_charge_id("ch-1");
  Spec().Given(EventsOf(placed_)).When(Confirm("o-1", "ch-1")).Then(EventsOf(confirmed));
  Spec().Given({}).When(Confirm("o-1")).ThenRejects(StatusCode::kNotFound, "o-1 not found");
  Spec().Given(EventsOf(placed_, confirmed)).When(Confirm("o-1")).ThenRejects(StatusCode::kFailedPrecondition, "only a placed order");
}

TEST_F(OrderRules, ACancelledOrderCannotBeConfirmed) {
  OrderCancelled cancelled;
  cancelled.set_order_id("o-1");
  cancelled.set_reason("changed my mind");
  Spec().Given(EventsOf(placed_)).When(Cancel("o-1", "changed my mind")).Then(EventsOf(cancelled));
  Spec().Given(EventsOf(placed_, cancelled)).When(Confirm("o-1")).ThenRejects(StatusCode::kFailedPrecondition, "cancelled order cannot be confirmed");
  Spec().Given(EventsOf(placed_, cancelled)).When(Cancel("o-1", "again")).ThenNothing();  // cancelled either way
}

TEST_F(OrderRules, CancellingAConfirmedOrderNeedsARefundReference) {
  OrderConfirmed confirmed;
  confirmed.set_order_id("o-1");
  Spec().Given(EventsOf(placed_, confirmed)).When(Cancel("o-1", "out of stock")).ThenRejects(StatusCode::kFailedPrecondition, "refund reference");
  OrderCancelled cancelled;
  cancelled.set_order_id("o-1");
  cancelled.set_reason("out of stock");
  cancelled.set_refund_ref("rf-1");
  Spec().Given(EventsOf(placed_, confirmed)).When(Cancel("o-1", "out of stock", "rf-1")).Then(EventsOf(cancelled));
}

TEST_F(OrderRules, MarkingNotifiedIsRecordedOncePerNotification) {
  OrderCommand mark;
  mark.mutable_mark_notified()->set_order_id("o-1");
  mark.mutable_mark_notified()->set_notification_id("n-1");
  OrderNotified notified;
  notified.set_order_id("o-1");
  notified.set_notification_id("n-1");
  Spec().Given(EventsOf(placed_)).When(mark).Then(EventsOf(notified));
  Spec().Given(EventsOf(placed_, notified)).When(mark).ThenNothing();
}

TEST_F(OrderRules, EvolveFoldsTheStory) {
  OrderConfirmed confirmed;
  confirmed.set_charge_id("ch-1");
  auto spec = Spec();
  spec.Given(EventsOf(placed_, confirmed));
  EXPECT_EQ(spec.state().status(), OrderState::CONFIRMED);
  EXPECT_EQ(spec.state().total(), 2100);
  EXPECT_EQ(spec.state().charge_id(), "ch-1");
  EXPECT_EQ(spec.state().lines_size(), 2);
}

}  // namespace
}  // namespace cairn::commerce
