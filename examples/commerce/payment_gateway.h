// PaymentGateway: the port through which the charging domain asks an outside
// payment provider to charge a customer, and the deterministic simulator that
// Cairn ships in its place, so that tests and benchmarks are reproducible.
#ifndef CAIRN_EXAMPLES_COMMERCE_PAYMENT_GATEWAY_H_
#define CAIRN_EXAMPLES_COMMERCE_PAYMENT_GATEWAY_H_

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include "store/status.h"

namespace cairn::commerce {

struct GatewayCharge {
  std::string charge_id;  // also the idempotency key: a repeated call gives the same answer
  std::string customer_id;
  int64_t amount = 0;
  std::string currency;
};

struct GatewayDecision {
  bool approved = false;
  std::string reference;  // the provider's id when approved
  std::string reason;     // why not, when declined
};

class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;
  // A decision, or Unavailable when the provider could not be reached (retry later).
  virtual Result<GatewayDecision> Charge(const GatewayCharge& charge) = 0;
};

struct SimulatedGatewayRules {
  // Decline charges above this amount (minor units); 0: no limit.
  int64_t decline_above = 0;
  // Decline every charge of these customers.
  std::set<std::string> declined_customers;
  // Percent of calls (chosen by charge id, so the same ones every run) that fail
  // with Unavailable, and that take `delay` before answering.
  int fail_percent = 0;
  int delay_percent = 0;
  std::chrono::milliseconds delay{0};
};

// Decides from its rules alone; the same charge always gets the same answer.
class SimulatedPaymentGateway final : public PaymentGateway {
 public:
  explicit SimulatedPaymentGateway(SimulatedGatewayRules rules) : rules_(std::move(rules)) {}
  Result<GatewayDecision> Charge(const GatewayCharge& charge) override;

 private:
  SimulatedGatewayRules rules_;
};

// 0..99, the same for the same text on every run and machine.
int StablePercentile(std::string_view text);

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_PAYMENT_GATEWAY_H_
