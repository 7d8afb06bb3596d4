// The order service's JSON at its edge: what POST /orders accepts, checked
// field by field before anything reaches an aggregate, with errors that name
// the field.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_ORDER_JSON_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_ORDER_JSON_H_

#include <string>
#include <string_view>

#include "examples/commerce/proto/order.pb.h"
#include "store/status.h"

namespace cairn::order_service {

// True for "application/json", with or without parameters (charset).
bool IsJsonContentType(std::string_view content_type);

// {"order_id"?: string, "customer": string, "currency": string,
//  "lines": [{"sku": string, "quantity": integer, "unit_price": integer}, ...]}
// InvalidArgument naming the field for malformed JSON, a missing or unknown
// field, or a value of the wrong type. The domain's own rules (id
// characters, positive amounts, known currencies) are the aggregate's to
// say. An absent order id is left empty for the caller to generate.
Result<commerce::PlaceOrder> PlaceOrderFromJson(std::string_view body);

// POST /orders/{id}/cancel: an empty body, or {"reason"?: string}; the
// reason, empty when not given.
Result<std::string> CancelReasonFromJson(std::string_view body);

}  // namespace cairn::order_service

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_ORDER_JSON_H_
