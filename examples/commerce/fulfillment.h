// The order-fulfillment saga: OrderPlaced -> charge the customer -> confirm
// the order (the pivot) -> email "order confirmed" -> completed.
//
// A declined charge cancels the order with the reason and emails "order
// cancelled". A charge that times out is undone too: the refund voids the
// charge id at the provider, so a charge that lands late is refunded or
// refused. A confirmation rejected after a successful charge (the customer
// cancelled meanwhile) refunds, then emails; so does a customer's cancel
// while the saga runs, once. An email that keeps failing ends as
// NotificationFailed and undoes nothing: the order stays paid and confirmed.
//
// The charge id ("ch-<order>"), the refund id ("rf-<order>") and the
// notification ids ("n-<order>-order-confirmed", "n-<order>-order-cancelled")
// are the idempotency keys of the outside calls.
#ifndef CAIRN_EXAMPLES_COMMERCE_FULFILLMENT_H_
#define CAIRN_EXAMPLES_COMMERCE_FULFILLMENT_H_

#include <chrono>

#include "examples/commerce/notification_channel.h"
#include "examples/commerce/payment_gateway.h"
#include "sagas/definition.h"

namespace cairn::commerce {

inline constexpr std::string_view kFulfillmentSaga = "order_fulfillment";
// The circuit breakers its calls name.
inline constexpr std::string_view kPaymentBreaker = "payment";
inline constexpr std::string_view kMailBreaker = "mail";

struct FulfillmentOptions {
  sagas::RetryPolicy charge_retry{.max_attempts = 4, .first_delay = std::chrono::milliseconds(200)};
  std::chrono::milliseconds charge_attempt_timeout{2000};
  std::chrono::milliseconds charge_timeout{30'000};  // the whole step, retries included
  sagas::RetryPolicy refund_retry{.max_attempts = 8, .first_delay = std::chrono::milliseconds(500)};
  // Its attempts match the notification aggregate's, which gives up after as many.
  sagas::RetryPolicy mail_retry{.max_attempts = 5, .first_delay = std::chrono::milliseconds(500)};
};

// Both must outlive the definition.
sagas::SagaDefinition FulfillmentSaga(PaymentGateway& gateway, NotificationChannel& channel,
                                      const FulfillmentOptions& options = {});

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_FULFILLMENT_H_
