// Builders for commerce commands and events in tests.
#ifndef CAIRN_TESTS_EXAMPLES_COMMERCE_COMMERCE_MESSAGES_H_
#define CAIRN_TESTS_EXAMPLES_COMMERCE_COMMERCE_MESSAGES_H_

#include <string>
#include <tuple>
#include <vector>

#include "examples/commerce/proto/charging.pb.h"
#include "examples/commerce/proto/notification.pb.h"
#include "examples/commerce/proto/order.pb.h"

namespace cairn::commerce::testing {

using Line = std::tuple<std::string, int64_t, int64_t>;  // sku, quantity, unit price

inline PlaceOrder Place(const std::string& order_id, const std::string& customer, std::vector<Line> lines,
                        const std::string& currency = "EUR") {
  PlaceOrder place;
  place.set_order_id(order_id);
  place.set_customer_id(customer);
  place.set_currency(currency);
  for (const auto& [sku, quantity, price] : lines) {
    OrderLine* line = place.add_lines();
    line->set_sku(sku);
    line->set_quantity(quantity);
    line->set_unit_price(price);
  }
  return place;
}

inline OrderPlaced Placed(const PlaceOrder& place, int64_t total) {
  OrderPlaced placed;
  placed.set_order_id(place.order_id());
  placed.set_customer_id(place.customer_id());
  *placed.mutable_lines() = place.lines();
  placed.set_currency(place.currency());
  placed.set_total(total);
  return placed;
}

inline OrderCommand AsCommand(PlaceOrder place) {
  OrderCommand command;
  *command.mutable_place() = std::move(place);
  return command;
}

inline OrderCommand Confirm(const std::string& order_id, const std::string& charge_id = "") {
  OrderCommand command;
  command.mutable_confirm()->set_order_id(order_id);
  command.mutable_confirm()->set_charge_id(charge_id);
  return command;
}

inline OrderCommand Cancel(const std::string& order_id, const std::string& reason, const std::string& refund = "") {
  OrderCommand command;
  command.mutable_cancel()->set_order_id(order_id);
  command.mutable_cancel()->set_reason(reason);
  command.mutable_cancel()->set_refund_ref(refund);
  return command;
}

// Records the provider's answer: approved, unless a decline reason is given.
inline ChargeCommand ChargeFor(const std::string& charge_id, const std::string& customer, int64_t amount,
                               const std::string& order_id = "o-1", const std::string& declined = "") {
  ChargeCommand command;
  ChargeCustomer* charge = command.mutable_charge();
  charge->set_charge_id(charge_id);
  charge->set_order_id(order_id);
  charge->set_customer_id(customer);
  charge->set_amount(amount);
  charge->set_currency("EUR");
  charge->set_approved(declined.empty());
  charge->set_gateway_ref(declined.empty() ? "sim-" + charge_id : "");
  charge->set_decline_reason(declined);
  return command;
}

inline ChargeCommand Refund(const std::string& charge_id, const std::string& refund_id, int64_t amount = 0) {
  ChargeCommand command;
  command.mutable_refund()->set_charge_id(charge_id);
  command.mutable_refund()->set_refund_id(refund_id);
  command.mutable_refund()->set_amount(amount);
  return command;
}

inline NotificationCommand Send(const std::string& id, const std::string& recipient = "ada@example.com",
                                const std::string& order_id = "o-1") {
  NotificationCommand command;
  SendNotification* send = command.mutable_send();
  send->set_notification_id(id);
  send->set_recipient(recipient);
  send->set_template_name("order-confirmed");
  send->set_order_id(order_id);
  return command;
}

// Records a delivery attempt: delivered, unless an error is given.
inline NotificationCommand Deliver(const std::string& id, const std::string& error = "") {
  NotificationCommand command;
  command.mutable_deliver()->set_notification_id(id);
  command.mutable_deliver()->set_delivered(error.empty());
  command.mutable_deliver()->set_error(error);
  return command;
}

}  // namespace cairn::commerce::testing

#endif  // CAIRN_TESTS_EXAMPLES_COMMERCE_COMMERCE_MESSAGES_H_
