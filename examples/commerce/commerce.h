// Commerce: the order, charging and notification domains wired to an event
// store, as a service (or the cairn tool) embeds them.
//
// Thread safety: Handle, HandleAsync and State may be called from any thread.
#ifndef CAIRN_EXAMPLES_COMMERCE_COMMERCE_H_
#define CAIRN_EXAMPLES_COMMERCE_COMMERCE_H_

#include <memory>
#include <string>
#include <utility>

#include "engine/command_handler.h"
#include "engine/config.h"
#include "examples/commerce/charge.h"
#include "examples/commerce/notification.h"
#include "examples/commerce/order.h"

namespace cairn::commerce {

struct CommerceOptions {
  SimulatedGatewayRules gateway;
  SimulatedChannelRules channel;
  int notification_max_attempts = 5;
  HandlerOptions handler;
};

// Binds the simulators' rules and the notification attempts: gateway_*,
// channel_* and notification_max_attempts (the handler's settings come from
// BindServiceOptions).
void BindCommerceOptions(ConfigLoader& loader, CommerceOptions& options);

// Registers every commerce event type in its current shape, with the
// upcasters from older shapes (OrderPlaced v1 was JSON without a total).
void RegisterCommerceEvents(EventTypeRegistry& types);

class Commerce {
 public:
  Commerce(EventStore& store, CommerceOptions options = {});

  // Saves the descriptor sets of the commerce events in the store, so that
  // tools render them. Call once before handling commands.
  Status Start();

  Result<CommandResult> Handle(const OrderCommand& command, CommandContext context = CommandContext::New());
  Result<CommandResult> Handle(const ChargeCommand& command, CommandContext context = CommandContext::New());
  Result<CommandResult> Handle(const NotificationCommand& command, CommandContext context = CommandContext::New());

  // As Handle, with the append asynchronous (CommandHandler::HandleAsync).
  template <typename CompletionToken>
  auto HandleAsync(const OrderCommand& command, CommandContext context, CompletionToken&& token) {
    return orders_.HandleAsync(command, std::move(context), std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto HandleAsync(const ChargeCommand& command, CommandContext context, CompletionToken&& token) {
    return charges_.HandleAsync(command, std::move(context), std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto HandleAsync(const NotificationCommand& command, CommandContext context, CompletionToken&& token) {
    return notifications_.HandleAsync(command, std::move(context), std::forward<CompletionToken>(token));
  }

  // The state of a commerce aggregate's stream (order-…, charge-…,
  // notification-…) at `at`, as JSON. NotFound when the stream has no events
  // by then; InvalidArgument for a stream of another category.
  Result<std::string> StateJson(std::string_view stream, const LoadPoint& at = {}) const;

  const EventTypeRegistry& types() const { return types_; }

 private:
  EventStore& store_;
  EventTypeRegistry types_;
  SimulatedPaymentGateway gateway_;
  SimulatedNotificationChannel channel_;
  Order order_;
  Charge charge_;
  Notification notification_;
  CommandHandler<Order> orders_;
  CommandHandler<Charge> charges_;
  CommandHandler<Notification> notifications_;
};

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_COMMERCE_H_
