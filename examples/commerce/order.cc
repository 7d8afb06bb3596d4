#include "examples/commerce/order.h"

#include <google/protobuf/util/message_differencer.h>

#include "examples/commerce/rules.h"

namespace cairn::commerce {
namespace {

constexpr int kMaxLines = 100;
constexpr int64_t kMaxQuantity = 1'000'000;

Result<int64_t> ValidatePlace(const PlaceOrder& place) {
  CAIRN_RETURN_IF_ERROR(RequireId("order id", place.order_id()));
  CAIRN_RETURN_IF_ERROR(RequireId("customer id", place.customer_id()));
  CAIRN_RETURN_IF_ERROR(RequireCurrency(place.currency()));
  if (place.lines().empty()) return InvalidArgumentError("an order needs at least one line");
  if (place.lines_size() > kMaxLines) return InvalidArgumentError("an order has at most 100 lines");
  int64_t total = 0;
  for (const OrderLine& line : place.lines()) {
    CAIRN_RETURN_IF_ERROR(RequireId("sku", line.sku()));
    if (line.quantity() <= 0 || line.quantity() > kMaxQuantity) {
      return InvalidArgumentError("quantity of " + line.sku() + " must be between 1 and 1000000");
    }
    CAIRN_RETURN_IF_ERROR(RequirePositiveAmount("unit price of " + line.sku(), line.unit_price()));
    int64_t amount = 0;
    if (__builtin_mul_overflow(line.quantity(), line.unit_price(), &amount) ||
        __builtin_add_overflow(total, amount, &total) || total > kMaxAmount) {
      return InvalidArgumentError("the order total is too large (at most " + std::to_string(kMaxAmount) + ")");
    }
  }
  return total;
}

bool SameOrder(const OrderState& state, const PlaceOrder& place) {
  if (state.customer_id() != place.customer_id() || state.currency() != place.currency() ||
      state.lines_size() != place.lines_size()) {
    return false;
  }
  for (int i = 0; i < place.lines_size(); ++i) {
    if (!google::protobuf::util::MessageDifferencer::Equals(state.lines(i), place.lines(i))) return false;
  }
  return true;
}

Status RequireExisting(const OrderState& state, const std::string& order_id) {
  if (state.status() == OrderState::STATUS_NONE) return NotFoundError("order " + order_id + " not found");
  return OkStatus();
}

Result<Events> DecidePlace(const OrderState& state, const PlaceOrder& place) {
  CAIRN_ASSIGN_OR_RETURN(int64_t total, ValidatePlace(place));
  if (state.status() != OrderState::STATUS_NONE) {
    if (SameOrder(state, place)) return Events{};  // a duplicate submission: nothing to do
    return AlreadyExistsError("order " + place.order_id() + " was already placed with other content");
  }
  OrderPlaced placed;
  placed.set_order_id(place.order_id());
  placed.set_customer_id(place.customer_id());
  *placed.mutable_lines() = place.lines();
  placed.set_currency(place.currency());
  placed.set_total(total);
  return EventsOf(std::move(placed));
}

Result<Events> DecideConfirm(const OrderState& state, const ConfirmOrder& confirm) {
  CAIRN_RETURN_IF_ERROR(RequireId("order id", confirm.order_id()));
  if (!confirm.charge_id().empty()) CAIRN_RETURN_IF_ERROR(RequireId("charge id", confirm.charge_id()));
  CAIRN_RETURN_IF_ERROR(RequireExisting(state, confirm.order_id()));
  if (state.status() == OrderState::CANCELLED) return Rejected("a cancelled order cannot be confirmed");
  if (state.status() != OrderState::PLACED) return Rejected("only a placed order can be confirmed");
  OrderConfirmed confirmed;
  confirmed.set_order_id(confirm.order_id());
  confirmed.set_charge_id(confirm.charge_id());
  return EventsOf(std::move(confirmed));
}

Result<Events> DecideCancel(const OrderState& state, const CancelOrder& cancel) {
  CAIRN_RETURN_IF_ERROR(RequireId("order id", cancel.order_id()));
  CAIRN_RETURN_IF_ERROR(RequireText("reason", cancel.reason(), true));
  if (!cancel.refund_ref().empty()) CAIRN_RETURN_IF_ERROR(RequireId("refund reference", cancel.refund_ref()));
  CAIRN_RETURN_IF_ERROR(RequireExisting(state, cancel.order_id()));
  if (state.status() == OrderState::CANCELLED) return Events{};  // cancelled either way: nothing to do
  if (state.status() == OrderState::CONFIRMED && cancel.refund_ref().empty()) {
    return Rejected("a confirmed order can only be cancelled with a refund reference");
  }
  OrderCancelled cancelled;
  cancelled.set_order_id(cancel.order_id());
  cancelled.set_reason(cancel.reason());
  cancelled.set_refund_ref(cancel.refund_ref());
  return EventsOf(std::move(cancelled));
}

Result<Events> DecideMarkNotified(const OrderState& state, const MarkOrderNotified& mark) {
  CAIRN_RETURN_IF_ERROR(RequireId("order id", mark.order_id()));
  CAIRN_RETURN_IF_ERROR(RequireId("notification id", mark.notification_id()));
  CAIRN_RETURN_IF_ERROR(RequireExisting(state, mark.order_id()));
  for (const std::string& id : state.notification_ids()) {
    if (id == mark.notification_id()) return Events{};
  }
  OrderNotified notified;
  notified.set_order_id(mark.order_id());
  notified.set_notification_id(mark.notification_id());
  return EventsOf(std::move(notified));
}

}  // namespace

const std::string& Order::IdOf(const Command& command) {
  switch (command.kind_case()) {
    case OrderCommand::kPlace: return command.place().order_id();
    case OrderCommand::kConfirm: return command.confirm().order_id();
    case OrderCommand::kCancel: return command.cancel().order_id();
    case OrderCommand::kMarkNotified: return command.mark_notified().order_id();
    case OrderCommand::KIND_NOT_SET: break;
  }
  static const std::string kNone;
  return kNone;
}

Result<Events> Order::Decide(const State& state, const Command& command) const {
  switch (command.kind_case()) {
    case OrderCommand::kPlace: return DecidePlace(state, command.place());
    case OrderCommand::kConfirm: return DecideConfirm(state, command.confirm());
    case OrderCommand::kCancel: return DecideCancel(state, command.cancel());
    case OrderCommand::kMarkNotified: return DecideMarkNotified(state, command.mark_notified());
    case OrderCommand::KIND_NOT_SET: break;
  }
  return InvalidArgumentError("empty order command");
}

void Order::Evolve(State& state, const google::protobuf::Message& event) const {
  if (const auto* placed = As<OrderPlaced>(event)) {
    state.set_order_id(placed->order_id());
    state.set_status(OrderState::PLACED);
    state.set_customer_id(placed->customer_id());
    *state.mutable_lines() = placed->lines();
    state.set_currency(placed->currency());
    state.set_total(placed->total());
  } else if (const auto* confirmed = As<OrderConfirmed>(event)) {
    state.set_status(OrderState::CONFIRMED);
    state.set_charge_id(confirmed->charge_id());
    state.set_was_confirmed(true);
  } else if (const auto* cancelled = As<OrderCancelled>(event)) {
    state.set_status(OrderState::CANCELLED);
    state.set_cancel_reason(cancelled->reason());
    state.set_refund_ref(cancelled->refund_ref());
  } else if (const auto* notified = As<OrderNotified>(event)) {
    state.add_notification_ids(notified->notification_id());
  }
}

}  // namespace cairn::commerce
