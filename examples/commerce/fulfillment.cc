#include "examples/commerce/fulfillment.h"

#include <charconv>

#include "examples/commerce/proto/charging.pb.h"
#include "examples/commerce/proto/notification.pb.h"
#include "examples/commerce/proto/order.pb.h"

namespace cairn::commerce {
namespace {

using sagas::Action;
using sagas::ActivityCall;
using sagas::ActivityDone;
using sagas::SagaVars;
using sagas::Step;
using Command = Result<std::unique_ptr<google::protobuf::Message>>;

const std::string& Var(const SagaVars& vars, std::string_view key) {
  static const std::string kNone;
  auto it = vars.find(key);
  return it == vars.end() ? kNone : it->second;
}

// The amount in minor units. The vars come from the saga's stream, which a
// damaged log or a hand-written event may fill with anything.
Result<int64_t> AmountOf(const SagaVars& vars) {
  const std::string& text = Var(vars, "amount");
  int64_t amount = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), amount);
  if (error != std::errc() || end != text.data() + text.size()) {
    return InvalidArgumentError("the saga's amount '" + text + "' is not a whole number");
  }
  return amount;
}

SagaVars VarsOf(const OrderPlaced& placed) {
  const std::string& order = placed.order_id();
  return {{"order_id", order},
          {"customer_id", placed.customer_id()},
          {"amount", std::to_string(placed.total())},
          {"currency", placed.currency()},
          {"charge_id", "ch-" + order},
          {"recipient", placed.customer_id() + "@customers.example"}};
}

std::string NotificationIdOf(const SagaVars& vars, const std::string& template_name) {
  return "n-" + Var(vars, "order_id") + "-" + template_name;
}

// Outside calls.

sagas::Activity ChargeCall(PaymentGateway& gateway) {
  return [&gateway](const ActivityCall& call, ActivityDone done) {
    const SagaVars& v = call.vars;
    Result<int64_t> amount = AmountOf(v);
    if (!amount.ok()) return done(amount.status());
    GatewayCharge charge{Var(v, "charge_id"), Var(v, "order_id"), Var(v, "customer_id"), *amount, Var(v, "currency")};
    gateway.Charge(charge, call.executor, [done = std::move(done)](Result<GatewayDecision> decision) {
      if (!decision.ok()) return done(decision.status());
      if (decision->approved) return done(SagaVars{{"gateway_ref", decision->reference}});
      done(SagaVars{{"reason", decision->reason}});
    });
  };
}

sagas::Activity RefundCall(PaymentGateway& gateway) {
  return [&gateway](const ActivityCall& call, ActivityDone done) {
    GatewayRefund refund{Var(call.vars, "charge_id"), "rf-" + Var(call.vars, "order_id")};
    gateway.Refund(refund, call.executor, [done = std::move(done)](Result<RefundReceipt> receipt) {
      if (!receipt.ok()) return done(receipt.status());
      done(SagaVars{{"refunded", receipt->refunded ? "true" : "false"}, {"refund_amount", std::to_string(receipt->amount)}});
    });
  };
}

// Mails `template_name`. A failed delivery is an answer too: its command
// records the attempt, and the breaker counts it.
sagas::Activity MailCall(NotificationChannel& channel, std::string template_name) {
  return [&channel, template_name](const ActivityCall& call, ActivityDone done) {
    OutgoingNotification mail{NotificationIdOf(call.vars, template_name), Var(call.vars, "recipient"), template_name,
                              Var(call.vars, "order_id"), call.attempt};
    channel.Deliver(mail, call.executor, [done = std::move(done)](Status delivered) {
      if (delivered.ok()) return done(SagaVars{{"delivered", "true"}});
      done(SagaVars{{"delivered", "false"}, {"mail_error", delivered.message()}, {std::string(sagas::kCallFailedVar), "1"}});
    });
  };
}

// Commands that record what happened.

Command RecordCharge(const SagaVars& v) {
  CAIRN_ASSIGN_OR_RETURN(int64_t amount, AmountOf(v));
  auto command = std::make_unique<ChargeCommand>();
  ChargeCustomer* charge = command->mutable_charge();
  charge->set_charge_id(Var(v, "charge_id"));
  charge->set_order_id(Var(v, "order_id"));
  charge->set_customer_id(Var(v, "customer_id"));
  charge->set_amount(amount);
  charge->set_currency(Var(v, "currency"));
  charge->set_approved(!Var(v, "gateway_ref").empty());
  charge->set_gateway_ref(Var(v, "gateway_ref"));
  charge->set_decline_reason(Var(v, "reason"));
  return std::unique_ptr<google::protobuf::Message>(std::move(command));
}

// Only a charge the aggregate recorded as paid has a refund to record; a
// voided one (it timed out, nothing was taken) has none.
Command RecordRefund(const SagaVars& v) {
  if (Var(v, "refunded") != "true" || Var(v, "gateway_ref").empty()) {
    return std::unique_ptr<google::protobuf::Message>();
  }
  auto command = std::make_unique<ChargeCommand>();
  command->mutable_refund()->set_charge_id(Var(v, "charge_id"));
  command->mutable_refund()->set_refund_id("rf-" + Var(v, "order_id"));
  return std::unique_ptr<google::protobuf::Message>(std::move(command));
}

Command CancelTheOrder(const SagaVars& v) {
  auto command = std::make_unique<OrderCommand>();
  command->mutable_cancel()->set_order_id(Var(v, "order_id"));
  const std::string& why = Var(v, sagas::kFailureVar);
  command->mutable_cancel()->set_reason(why.empty() ? "the order could not be fulfilled" : why.substr(0, 200));
  return std::unique_ptr<google::protobuf::Message>(std::move(command));
}

Command ConfirmTheOrder(const SagaVars& v) {
  auto command = std::make_unique<OrderCommand>();
  command->mutable_confirm()->set_order_id(Var(v, "order_id"));
  command->mutable_confirm()->set_charge_id(Var(v, "charge_id"));
  return std::unique_ptr<google::protobuf::Message>(std::move(command));
}

sagas::CommandFactory RecordMail(std::string template_name) {
  return [template_name](const SagaVars& v) -> Command {
    auto command = std::make_unique<NotificationCommand>();
    DeliverNotification* deliver = command->mutable_deliver();
    deliver->set_notification_id(NotificationIdOf(v, template_name));
    deliver->set_delivered(Var(v, "delivered") == "true");
    deliver->set_error(Var(v, "mail_error"));
    SendNotification* queue = deliver->mutable_queue();
    queue->set_notification_id(deliver->notification_id());
    queue->set_recipient(Var(v, "recipient"));
    queue->set_template_name(template_name);
    queue->set_order_id(Var(v, "order_id"));
    return std::unique_ptr<google::protobuf::Message>(std::move(command));
  };
}

Action Mail(NotificationChannel& channel, const std::string& template_name, const sagas::RetryPolicy& retry) {
  return Action::Call(MailCall(channel, template_name), std::string(kMailBreaker))
      .Then(RecordMail(template_name))
      .SucceedsOn({"NotificationSent"})
      .RetriesOn({"NotificationFailed"})
      .Retry(retry)
      .MayFail();
}

}  // namespace

sagas::SagaDefinition FulfillmentSaga(PaymentGateway& gateway, NotificationChannel& channel,
                                      const FulfillmentOptions& options) {
  const std::string payment(kPaymentBreaker);
  return sagas::SagaDefinition(std::string(kFulfillmentSaga), 1)
      .StartOn<OrderPlaced>("order", [](const OrderPlaced& placed) { return placed.order_id(); }, VarsOf)
      .CancelOn<OrderCancelled>("order", [](const OrderCancelled& cancelled) { return cancelled.order_id(); },
                                [](const OrderCancelled& cancelled) { return cancelled.reason(); })
      // Undone last: tell the customer.
      .AddStep(Step("cancellation_notice").Compensate(Mail(channel, "order-cancelled", options.mail_retry)))
      .AddStep(Step("order").Compensate(Action::Command(CancelTheOrder).SucceedsOn({"OrderCancelled"})))
      .AddStep(Step("charge")
                   .Do(Action::Call(ChargeCall(gateway), payment)
                           .Then(RecordCharge)
                           .SucceedsOn({"ChargeSucceeded"})
                           .FailsOn({"ChargeDeclined"})
                           .Retry(options.charge_retry)
                           .AttemptTimeout(options.charge_attempt_timeout)
                           .StepTimeout(options.charge_timeout))
                   .Compensate(Action::Call(RefundCall(gateway), payment)
                                   .Then(RecordRefund)
                                   .SucceedsOn({"ChargeRefunded"})
                                   .Retry(options.refund_retry)))
      .AddStep(Step("confirm").Do(Action::Command(ConfirmTheOrder).SucceedsOn({"OrderConfirmed"})).Pivot())
      .AddStep(Step("notify").Do(Mail(channel, "order-confirmed", options.mail_retry)));
}

}  // namespace cairn::commerce
