// The order aggregate (stream order-<order id>).
//
// Rules: an order has at least one line with positive quantities and prices,
// and its total is computed here. Placing the same order again with the same
// content changes nothing; with other content it is AlreadyExists. Only a placed
// order can be confirmed; a cancelled one cannot. Cancelling a confirmed
// order needs a refund reference; cancelling a cancelled one changes nothing
// (a saga's compensation and the customer may both cancel).
#ifndef CAIRN_EXAMPLES_COMMERCE_ORDER_H_
#define CAIRN_EXAMPLES_COMMERCE_ORDER_H_

#include "engine/aggregate.h"
#include "examples/commerce/proto/order.pb.h"

namespace cairn::commerce {

class Order {
 public:
  using State = OrderState;
  using Command = OrderCommand;
  static constexpr std::string_view kCategory = "order";

  Result<Events> Decide(const State& state, const Command& command) const;
  void Evolve(State& state, const google::protobuf::Message& event) const;

  // The aggregate id a command addresses.
  static const std::string& IdOf(const Command& command);
  // Placing an order starts its stream: decided without a load (StartsStreams).
  static bool StartsStream(const Command& command) { return command.has_place(); }
};

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_ORDER_H_
