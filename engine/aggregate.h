// What an aggregate is to the engine: a decide step that may reject and an
// evolve step that cannot fail, over a state that is a protobuf message.
//
//   class Order {
//    public:
//     using State = shop::OrderState;      // protobuf: snapshots and `cairn state` need no more
//     using Command = shop::OrderCommand;  // protobuf, usually a oneof of the commands
//     static constexpr std::string_view kCategory = "order";  // streams are order-<id>
//     static const std::string& IdOf(const Command&);          // the order a command is for
//     Result<Events> Decide(const State&, const Command&) const;  // FailedPrecondition: a rule said no
//     void Evolve(State&, const google::protobuf::Message& event) const;
//     static bool StartsStream(const Command&);  // optional: see StartsStreams
//   };
#ifndef CAIRN_ENGINE_AGGREGATE_H_
#define CAIRN_ENGINE_AGGREGATE_H_

#include <google/protobuf/message.h>

#include <concepts>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "store/status.h"

namespace cairn {

using Events = std::vector<std::unique_ptr<google::protobuf::Message>>;

// Events{...} from messages: `return EventsOf(OrderConfirmed{...});`
template <typename... Messages>
Events EventsOf(Messages&&... messages) {
  Events events;
  (events.push_back(std::make_unique<std::decay_t<Messages>>(std::forward<Messages>(messages))), ...);
  return events;
}

// `event` as a T, or null when it is another type.
template <typename T>
const T* As(const google::protobuf::Message& event) {
  return event.GetDescriptor() == T::descriptor() ? static_cast<const T*>(&event) : nullptr;
}

template <typename A>
concept Aggregate = requires(const A& aggregate, typename A::State& state, const typename A::Command& command,
                             const google::protobuf::Message& event) {
  requires std::derived_from<typename A::State, google::protobuf::Message>;
  { A::kCategory } -> std::convertible_to<std::string_view>;
  { A::IdOf(command) } -> std::convertible_to<std::string_view>;
  { aggregate.Decide(std::as_const(state), command) } -> std::same_as<Result<Events>>;
  { aggregate.Evolve(state, event) } -> std::same_as<void>;
};

// An aggregate whose commands may say that they start its stream (an order
// is placed once), as Marten's StartStream and Axon's creation handlers do.
// The handler decides such a command against the initial state and appends
// with the expected version NoStream, without loading: a new aggregate costs
// no snapshot lookup and no stream read. If the stream exists after all, the
// append conflicts, and the handler loads and decides again as for any other
// conflict; that first try is not counted against max_retries.
template <typename A>
concept StartsStreams = Aggregate<A> && requires(const typename A::Command& command) {
  { A::StartsStream(command) } -> std::convertible_to<bool>;
};

}  // namespace cairn

#endif  // CAIRN_ENGINE_AGGREGATE_H_
