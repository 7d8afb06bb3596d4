// The charge aggregate (stream charge-<charge id>): what the payment provider
// answered to a charge for an order, and refunds. The provider is called by
// the fulfillment saga, never from Decide.
//
// Rules: ChargeCustomer records ChargeSucceeded or ChargeDeclined as the
// provider answered; recording the same charge again with the same content
// changes nothing. RefundCharge is allowed only for a succeeded charge that
// has not been refunded, and never for more than was charged.
#ifndef CAIRN_EXAMPLES_COMMERCE_CHARGE_H_
#define CAIRN_EXAMPLES_COMMERCE_CHARGE_H_

#include "engine/aggregate.h"
#include "examples/commerce/proto/charging.pb.h"

namespace cairn::commerce {

class Charge {
 public:
  using State = ChargeState;
  using Command = ChargeCommand;
  static constexpr std::string_view kCategory = "charge";

  Result<Events> Decide(const State& state, const Command& command) const;
  void Evolve(State& state, const google::protobuf::Message& event) const;
  static const std::string& IdOf(const Command& command);
  // Charging starts its stream: decided without a load (StartsStreams).
  static bool StartsStream(const Command& command) { return command.has_charge(); }
};

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_CHARGE_H_
