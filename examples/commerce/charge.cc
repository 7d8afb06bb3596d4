#include "examples/commerce/charge.h"

#include "examples/commerce/rules.h"

namespace cairn::commerce {
namespace {

bool SameCharge(const ChargeState& state, const ChargeCustomer& charge) {
  return state.order_id() == charge.order_id() && state.customer_id() == charge.customer_id() &&
         state.amount() == charge.amount() && state.currency() == charge.currency() &&
         (state.status() == ChargeState::DECLINED) != charge.approved();
}

Status ValidateCharge(const ChargeCustomer& charge) {
  CAIRN_RETURN_IF_ERROR(RequireId("charge id", charge.charge_id()));
  CAIRN_RETURN_IF_ERROR(RequireId("order id", charge.order_id()));
  CAIRN_RETURN_IF_ERROR(RequireId("customer id", charge.customer_id()));
  CAIRN_RETURN_IF_ERROR(RequirePositiveAmount("amount", charge.amount()));
  return RequireCurrency(charge.currency());
}

Result<Events> DecideRefund(const ChargeState& state, const RefundCharge& refund) {
  CAIRN_RETURN_IF_ERROR(RequireId("charge id", refund.charge_id()));
  CAIRN_RETURN_IF_ERROR(RequireId("refund id", refund.refund_id()));
  if (refund.amount() != 0) CAIRN_RETURN_IF_ERROR(RequirePositiveAmount("refund amount", refund.amount()));
  if (state.status() == ChargeState::STATUS_NONE) return NotFoundError("charge " + refund.charge_id() + " not found");
  if (state.status() == ChargeState::REFUNDED) {
    if (state.refund_id() == refund.refund_id()) return Events{};  // the same refund again
    return Rejected("charge " + refund.charge_id() + " is already refunded");
  }
  if (state.status() != ChargeState::SUCCEEDED) return Rejected("only a succeeded charge can be refunded");
  const int64_t amount = refund.amount() == 0 ? state.amount() : refund.amount();
  if (amount > state.amount()) {
    return Rejected("a refund of " + std::to_string(amount) + " is more than the " + std::to_string(state.amount()) +
                    " charged");
  }
  ChargeRefunded refunded;
  refunded.set_charge_id(refund.charge_id());
  refunded.set_refund_id(refund.refund_id());
  refunded.set_amount(amount);
  return EventsOf(std::move(refunded));
}

}  // namespace

const std::string& Charge::IdOf(const Command& command) {
  static const std::string kNone;
  switch (command.kind_case()) {
    case ChargeCommand::kCharge: return command.charge().charge_id();
    case ChargeCommand::kRefund: return command.refund().charge_id();
    case ChargeCommand::KIND_NOT_SET: break;
  }
  return kNone;
}

Result<Events> Charge::Decide(const State& state, const Command& command) const {
  if (command.has_refund()) return DecideRefund(state, command.refund());
  if (!command.has_charge()) return InvalidArgumentError("empty charge command");
  const ChargeCustomer& charge = command.charge();
  CAIRN_RETURN_IF_ERROR(ValidateCharge(charge));
  if (state.status() != ChargeState::STATUS_NONE) {
    if (SameCharge(state, charge)) return Events{};
    return AlreadyExistsError("charge " + charge.charge_id() + " already exists with other content");
  }
  if (charge.approved()) {
    CAIRN_RETURN_IF_ERROR(RequireId("gateway reference", charge.gateway_ref()));
    ChargeSucceeded succeeded;
    succeeded.set_charge_id(charge.charge_id());
    succeeded.set_order_id(charge.order_id());
    succeeded.set_customer_id(charge.customer_id());
    succeeded.set_amount(charge.amount());
    succeeded.set_currency(charge.currency());
    succeeded.set_gateway_ref(charge.gateway_ref());
    return EventsOf(std::move(succeeded));
  }
  ChargeDeclined declined;
  declined.set_charge_id(charge.charge_id());
  declined.set_order_id(charge.order_id());
  declined.set_customer_id(charge.customer_id());
  declined.set_amount(charge.amount());
  declined.set_currency(charge.currency());
  declined.set_reason(charge.decline_reason());
  return EventsOf(std::move(declined));
}

void Charge::Evolve(State& state, const google::protobuf::Message& event) const {
  if (const auto* succeeded = As<ChargeSucceeded>(event)) {
    state.set_charge_id(succeeded->charge_id());
    state.set_status(ChargeState::SUCCEEDED);
    state.set_order_id(succeeded->order_id());
    state.set_customer_id(succeeded->customer_id());
    state.set_amount(succeeded->amount());
    state.set_currency(succeeded->currency());
    state.set_gateway_ref(succeeded->gateway_ref());
  } else if (const auto* declined = As<ChargeDeclined>(event)) {
    state.set_charge_id(declined->charge_id());
    state.set_status(ChargeState::DECLINED);
    state.set_order_id(declined->order_id());
    state.set_customer_id(declined->customer_id());
    state.set_amount(declined->amount());
    state.set_currency(declined->currency());
    state.set_decline_reason(declined->reason());
  } else if (const auto* refunded = As<ChargeRefunded>(event)) {
    state.set_status(ChargeState::REFUNDED);
    state.set_refund_id(refunded->refund_id());
    state.set_refunded_amount(refunded->amount());
  }
}

}  // namespace cairn::commerce
