// The charge aggregate (stream charge-<charge id>): charging a customer for an
// order through a PaymentGateway, and refunding.
//
// Rules: the gateway decides ChargeSucceeded or ChargeDeclined; charging the
// same charge again with the same content changes nothing. RefundCharge is
// allowed only for a succeeded charge that has not been refunded, and never
// for more than was charged.
#ifndef CAIRN_EXAMPLES_COMMERCE_CHARGE_H_
#define CAIRN_EXAMPLES_COMMERCE_CHARGE_H_

#include "engine/aggregate.h"
#include "examples/commerce/payment_gateway.h"
#include "examples/commerce/proto/charging.pb.h"

namespace cairn::commerce {

class Charge {
 public:
  using State = ChargeState;
  using Command = ChargeCommand;
  static constexpr std::string_view kCategory = "charge";

  // The gateway must outlive the aggregate. Decide calls it for new charges
  // only, with the charge id as the idempotency key.
  explicit Charge(PaymentGateway& gateway) : gateway_(gateway) {}

  Result<Events> Decide(const State& state, const Command& command) const;
  void Evolve(State& state, const google::protobuf::Message& event) const;
  static const std::string& IdOf(const Command& command);

 private:
  PaymentGateway& gateway_;
};

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_CHARGE_H_
