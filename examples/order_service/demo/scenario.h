// The demo's scenario: an online shop's day over HTTP. Paid orders, a
// declined one, a duplicate submission with the same Idempotency-Key, one
// whose first email fails and is retried, one the customer cancels while
// it is being paid (refunded), and a payment outage that opens the circuit
// breaker and closes it again. Each outcome the shop promises is checked.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_DEMO_SCENARIO_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_DEMO_SCENARIO_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "examples/order_service/http_client.h"

namespace cairn::demo {

// What the demo expected and whether it came true.
class Checks {
 public:
  void Expect(bool held, const std::string& what);
  bool all_held() const { return failed_ == 0; }
  // One line per check: "ok" or "FAILED".
  void Print() const;

 private:
  std::vector<std::pair<bool, std::string>> checks_;
  int failed_ = 0;
};

struct DemoOrder {
  std::string what;      // why it is in the demo
  std::string customer;
  std::string id;        // from the 202
  std::string expected;  // final status: confirmed or cancelled
  std::string status;    // final status, read back
};

class Scenario {
 public:
  // `admin_token`: the operator's bearer token.
  Scenario(order_service::HttpClient& client, std::string admin_token, Checks& checks);

  // Places every order and waits, up to `patience`, for every saga to end.
  Status Run(std::chrono::milliseconds patience);

  const std::vector<DemoOrder>& orders() const { return orders_; }
  const DemoOrder& Find(const std::string& customer) const;

 private:
  Result<std::string> Place(const std::string& customer, int64_t unit_price, const std::string& key,
                            const std::string& what, const std::string& expected);
  Status Duplicate();
  Status CancelWhilePaying();
  Status Outage(std::chrono::milliseconds patience);
  // The saga of `order_id` once `reached` holds for it, followed by long
  // polls (each answered when the saga moves), for up to `patience`.
  Result<nlohmann::json> SagaWhen(const std::string& order_id, std::chrono::milliseconds patience,
                                  const std::function<bool(const nlohmann::json&)>& reached);
  // The saga's summary status once it ended (completed, compensated, stuck...).
  Result<std::string> Ended(const std::string& order_id, std::chrono::milliseconds patience);
  Result<double> BreakerTransitions(const std::string& to);

  order_service::HttpClient& client_;
  std::string admin_token_;
  Checks& checks_;
  std::vector<DemoOrder> orders_;
};

}  // namespace cairn::demo

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_DEMO_SCENARIO_H_
