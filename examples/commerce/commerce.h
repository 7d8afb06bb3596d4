// Commerce: the order, charging and notification domains wired to an event
// store, as a service (or the cairn tool) embeds them: the command handlers,
// a command bus over them for sagas, and the outside systems the
// fulfillment saga calls (the payment and mail simulators, or a mail file).
//
// Thread safety: Handle, HandleAsync and State may be called from any thread.
#ifndef CAIRN_EXAMPLES_COMMERCE_COMMERCE_H_
#define CAIRN_EXAMPLES_COMMERCE_COMMERCE_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "engine/command_handler.h"
#include "engine/config.h"
#include "examples/commerce/charge.h"
#include "examples/commerce/fulfillment.h"
#include "examples/commerce/notification.h"
#include "examples/commerce/order.h"
#include "sagas/command_bus.h"

namespace cairn::commerce {

struct CommerceOptions {
  SimulatedGatewayRules gateway;
  SimulatedChannelRules channel;
  // When set, mail goes to this file as JSON lines instead of the simulator.
  std::string mail_file;
  // When set ("http://host:port/path"), mail is POSTed to this webhook.
  std::string mail_webhook;
  std::chrono::milliseconds mail_webhook_timeout{2000};
  int notification_max_attempts = 5;
  HandlerOptions handler;
};

// Binds the simulators' rules, where mail goes and the notification
// attempts: gateway_*, channel_*, mail_file, mail_webhook*,
// notification_max_attempts (the handler's settings come from
// BindServiceOptions).
void BindCommerceOptions(ConfigLoader& loader, CommerceOptions& options);

// Registers every commerce event type in its current shape, with the
// upcasters from older shapes (OrderPlaced v1 was JSON without a total).
void RegisterCommerceEvents(EventTypeRegistry& types);

class Commerce {
 public:
  Commerce(EventStore& store, CommerceOptions options = {});

  // Reads the payment ledger back and saves the descriptor sets of the
  // commerce events in the store, so that tools render them. Call once
  // before handling commands. InvalidArgument for a bad mail_webhook.
  Status Start();

  Result<CommandResult> Handle(const OrderCommand& command, CommandContext context = CommandContext::New());
  Result<CommandResult> Handle(const ChargeCommand& command, CommandContext context = CommandContext::New());
  Result<CommandResult> Handle(const NotificationCommand& command, CommandContext context = CommandContext::New());

  // As Handle, with the append asynchronous (CommandHandler::HandleAsync).
  template <typename CompletionToken>
  auto HandleAsync(OrderCommand command, CommandContext context, CompletionToken&& token) {
    return orders_.HandleAsync(std::move(command), std::move(context), std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto HandleAsync(ChargeCommand command, CommandContext context, CompletionToken&& token) {
    return charges_.HandleAsync(std::move(command), std::move(context), std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto HandleAsync(NotificationCommand command, CommandContext context, CompletionToken&& token) {
    return notifications_.HandleAsync(std::move(command), std::move(context), std::forward<CompletionToken>(token));
  }

  // The state of a commerce aggregate's stream (order-…, charge-…,
  // notification-…) at `at`, as JSON. NotFound when the stream has no events
  // by then; InvalidArgument for a stream of another category.
  Result<std::string> StateJson(std::string_view stream, const LoadPoint& at = {}) const;

  const EventTypeRegistry& types() const { return types_; }
  // The handlers, for sagas.
  sagas::CommandBus& bus() { return bus_; }
  SimulatedPaymentGateway& gateway() { return gateway_; }
  NotificationChannel& channel() { return *channel_; }
  // The fulfillment saga over this shop's outside systems.
  sagas::SagaDefinition Fulfillment(const FulfillmentOptions& options = {});

 private:
  EventStore& store_;
  EventTypeRegistry types_;
  SimulatedPaymentGateway gateway_;
  Status channel_status_;
  std::unique_ptr<NotificationChannel> channel_;
  int notification_max_attempts_;
  Order order_;
  Charge charge_;
  Notification notification_;
  CommandHandler<Order> orders_;
  CommandHandler<Charge> charges_;
  CommandHandler<Notification> notifications_;
  sagas::InProcessCommandBus bus_;
};

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_COMMERCE_H_
