// What the order service checks in a request's headers besides its body:
// the W3C trace context it carries on, and the bearer token of an operator.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_REQUEST_GUARDS_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_REQUEST_GUARDS_H_

#include <optional>
#include <string>
#include <string_view>

#include "examples/order_service/http_server.h"
#include "store/event.h"

namespace cairn::order_service {

// A valid `traceparent` header (version 00: "00-<32 hex trace id>-<16 hex
// parent id>-<2 hex flags>", ids not all zero; a higher version is read by
// its first four fields, as the W3C spec asks), in lower case; nullopt for
// anything else, which the spec says to ignore rather than refuse.
std::optional<std::string> ParseTraceparent(std::string_view header);
// The trace id of a valid traceparent.
std::string_view TraceIdOf(std::string_view traceparent);

// The operator's bearer token, checked against its SHA-256 in the
// configuration, in constant time: the configuration never holds the token.
class AdminToken {
 public:
  // `sha256_hex`: 64 hex digits, or empty to refuse every operator action.
  explicit AdminToken(std::string sha256_hex);
  // True when `sha256_hex` is empty or 64 hex digits.
  static bool Valid(std::string_view sha256_hex);

  // nullopt when `authorization` ("Bearer <token>") holds the token; else
  // the answer: 401 with WWW-Authenticate when it is missing or wrong, 403
  // when no token is configured.
  std::optional<HttpResponse> Refusal(std::string_view authorization) const;

 private:
  std::string sha256_;  // lower case
};

}  // namespace cairn::order_service

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_REQUEST_GUARDS_H_
