// cairn state STREAM ... and cairn command order|charge|notification ...:
// the commerce domains by hand.
#include <time.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "engine/service.h"
#include "examples/commerce/commerce.h"
#include "tools/cairn/node_config.h"

namespace cairn::cli {
namespace {

using namespace cairn::commerce;

struct StateArgs {
  std::string stream;
  uint64_t at_version = 0;
  uint64_t at_position = 0;
  std::string at_time;
};

// Every option any domain command takes; each command reads its own.
struct CommandArgs {
  std::string command_id, correlation_id;
  std::string order_id, customer_id, currency, reason, refund_ref, charge_id, refund_id, notification_id;
  std::string recipient, template_name;
  std::string gateway_ref, declined, failed;
  std::vector<std::string> lines;
  int64_t amount = 0;
};

// "2026-11-26T10:15:30Z", optionally with fractional seconds.
Result<int64_t> ParseIso8601(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return InvalidArgumentError("--at-time must look like 2026-11-26T10:15:30Z, not '" + text + "'");
  int64_t micros = 0;
  if (*rest == '.') {
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, ++digits) {
      if (digits < 6) micros = micros * 10 + (*rest - '0');
    }
    for (; digits < 6; ++digits) micros *= 10;
  }
  if (std::string(rest) != "Z") return InvalidArgumentError("--at-time must be UTC and end in Z, not '" + text + "'");
  return static_cast<int64_t>(timegm(&tm)) * 1000000 + micros;
}

Result<OrderLine> ParseLine(const std::string& text) {
  const size_t first = text.find(':'), second = text.find(':', first + 1);
  OrderLine line;
  try {
    if (first == std::string::npos || second == std::string::npos) throw std::invalid_argument(text);
    size_t used = 0;
    line.set_sku(text.substr(0, first));
    const std::string quantity = text.substr(first + 1, second - first - 1);
    const std::string price = text.substr(second + 1);
    line.set_quantity(std::stoll(quantity, &used));
    if (used != quantity.size()) throw std::invalid_argument(text);
    line.set_unit_price(std::stoll(price, &used));
    if (used != price.size()) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    return InvalidArgumentError("--line takes SKU:QUANTITY:UNIT_PRICE, not '" + text + "'");
  }
  return line;
}

Result<CommandContext> ContextOf(const CommandArgs& args) {
  CommandContext context = CommandContext::New();
  if (!args.command_id.empty()) {
    std::optional<Uuid> id = Uuid::Parse(args.command_id);
    if (!id) return InvalidArgumentError("--command-id must be a UUID, not '" + args.command_id + "'");
    context.command_id = *id;
  }
  context.correlation_id = args.correlation_id;
  return context;
}

template <typename Command>
int RunCommand(const Context& context, const CommandArgs& args, const Result<Command>& command) {
  if (!command.ok()) return Fail(command.status());
  Result<CommandContext> command_context = ContextOf(args);
  if (!command_context.ok()) return Fail(command_context.status());
  // The simulators' rules and the handler's settings come from the configuration.
  Result<NodeConfig> config = LoadNodeConfig(context);
  if (!config.ok()) return Fail(config.status());
  auto store = OpenForWriting(context);
  if (!store.ok()) return Fail(store.status());
  Commerce commerce(**store, config->commerce);
  if (Status started = commerce.Start(); !started.ok()) return Fail(started);
  Result<CommandResult> result = commerce.Handle(*command, *command_context);
  if (!result.ok()) return Fail(result.status());
  nlohmann::ordered_json out;
  out["stream"] = result->stream;
  out["version"] = result->version ? nlohmann::ordered_json(*result->version) : nlohmann::ordered_json();
  out["position"] = result->position;
  out["events"] = result->events;
  out["duplicate"] = result->duplicate;
  out["command_id"] = command_context->command_id.ToString();
  std::cout << out.dump() << '\n';
  return kExitOk;
}

int RunState(const Context& context, const StateArgs& args, const CLI::App& command) {
  LoadPoint at;
  if (command.count("--at-version")) at.at_version = args.at_version;
  if (command.count("--at-position")) at.at_position = args.at_position;
  if (command.count("--at-time")) {
    Result<int64_t> micros = ParseIso8601(args.at_time);
    if (!micros.ok()) return Fail(micros.status());
    at.at_time_us = *micros;
  }
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  Commerce commerce(**store);
  Result<std::string> json = commerce.StateJson(args.stream, at);
  if (!json.ok()) return Fail(json.status());
  std::cout << *json << '\n';
  return kExitOk;
}

// Adds a leaf command that builds its protobuf command from `args` when run.
template <typename Build>
CLI::App* Leaf(CLI::App& parent, const std::string& name, const std::string& help, Context& context,
               std::shared_ptr<CommandArgs> args, Build build) {
  CLI::App* leaf = parent.add_subcommand(name, help);
  leaf->add_option("--command-id", args->command_id, "UUID; resending the same command id appends nothing twice");
  leaf->add_option("--correlation-id", args->correlation_id, "Correlation id for the events (default: the command id)");
  leaf->callback([&context, args, build] {
    context.run = [&context, args, build] { return RunCommand(context, *args, build(*args)); };
  });
  return leaf;
}

void AddOrderCommands(CLI::App& parent, Context& context, std::shared_ptr<CommandArgs> a) {
  CLI::App* order = parent.add_subcommand("order", "Order commands (stream order-<order id>)");
  order->require_subcommand(1);
  CLI::App* place = Leaf(*order, "place", "Place an order", context, a, [](const CommandArgs& args) -> Result<OrderCommand> {
    OrderCommand command;
    PlaceOrder* body = command.mutable_place();
    body->set_order_id(args.order_id);
    body->set_customer_id(args.customer_id);
    body->set_currency(args.currency);
    for (const std::string& text : args.lines) {
      CAIRN_ASSIGN_OR_RETURN(*body->add_lines(), ParseLine(text));
    }
    return command;
  });
  place->add_option("--order-id", a->order_id, "Order id")->required();
  place->add_option("--customer", a->customer_id, "Customer id")->required();
  place->add_option("--currency", a->currency, "ISO 4217 code (EUR)")->required();
  place->add_option("--line", a->lines, "SKU:QUANTITY:UNIT_PRICE (minor units), repeatable")->required()->allow_extra_args(false);

  CLI::App* confirm = Leaf(*order, "confirm", "Confirm a placed order", context, a, [](const CommandArgs& args) -> Result<OrderCommand> {
    OrderCommand command;
    command.mutable_confirm()->set_order_id(args.order_id);
    command.mutable_confirm()->set_charge_id(args.charge_id);
    return command;
  });
  confirm->add_option("--order-id", a->order_id, "Order id")->required();
  confirm->add_option("--charge-id", a->charge_id, "The charge that paid for it");

  CLI::App* cancel = Leaf(*order, "cancel", "Cancel an order", context, a, [](const CommandArgs& args) -> Result<OrderCommand> {
    OrderCommand command;
    command.mutable_cancel()->set_order_id(args.order_id);
    command.mutable_cancel()->set_reason(args.reason);
    command.mutable_cancel()->set_refund_ref(args.refund_ref);
    return command;
  });
  cancel->add_option("--order-id", a->order_id, "Order id")->required();
  cancel->add_option("--reason", a->reason, "Why")->required();
  cancel->add_option("--refund-ref", a->refund_ref, "Refund reference; needed once the order is confirmed");

  CLI::App* notified = Leaf(*order, "mark-notified", "Record that the customer was notified", context, a,
                            [](const CommandArgs& args) -> Result<OrderCommand> {
                              OrderCommand command;
                              command.mutable_mark_notified()->set_order_id(args.order_id);
                              command.mutable_mark_notified()->set_notification_id(args.notification_id);
                              return command;
                            });
  notified->add_option("--order-id", a->order_id, "Order id")->required();
  notified->add_option("--notification-id", a->notification_id, "Notification id")->required();
}

void AddChargeCommands(CLI::App& parent, Context& context, std::shared_ptr<CommandArgs> a) {
  CLI::App* charging = parent.add_subcommand("charge", "Charging commands (stream charge-<charge id>)");
  charging->require_subcommand(1);
  CLI::App* charge = Leaf(*charging, "customer", "Record the payment provider's answer to a charge", context, a,
                          [](const CommandArgs& args) -> Result<ChargeCommand> {
                            if (args.declined.empty() == args.gateway_ref.empty()) {
                              return InvalidArgumentError("give either --gateway-ref (approved) or --declined REASON");
                            }
                            ChargeCommand command;
                            ChargeCustomer* body = command.mutable_charge();
                            body->set_charge_id(args.charge_id);
                            body->set_order_id(args.order_id);
                            body->set_customer_id(args.customer_id);
                            body->set_amount(args.amount);
                            body->set_currency(args.currency);
                            body->set_approved(args.declined.empty());
                            body->set_gateway_ref(args.gateway_ref);
                            body->set_decline_reason(args.declined);
                            return command;
                          });
  charge->add_option("--charge-id", a->charge_id, "Charge id")->required();
  charge->add_option("--order-id", a->order_id, "Order id")->required();
  charge->add_option("--customer", a->customer_id, "Customer id")->required();
  charge->add_option("--amount", a->amount, "Amount in minor units")->required();
  charge->add_option("--currency", a->currency, "ISO 4217 code (EUR)")->required();
  charge->add_option("--gateway-ref", a->gateway_ref, "The provider's reference of an approved charge");
  charge->add_option("--declined", a->declined, "Why the provider declined it");

  CLI::App* refund = Leaf(*charging, "refund", "Record the refund of a succeeded charge", context, a, [](const CommandArgs& args) -> Result<ChargeCommand> {
    ChargeCommand command;
    command.mutable_refund()->set_charge_id(args.charge_id);
    command.mutable_refund()->set_refund_id(args.refund_id);
    command.mutable_refund()->set_amount(args.amount);
    return command;
  });
  refund->add_option("--charge-id", a->charge_id, "Charge id")->required();
  refund->add_option("--refund-id", a->refund_id, "Refund id")->required();
  refund->add_option("--amount", a->amount, "Amount in minor units (default: all of it)");
}

void AddNotificationCommands(CLI::App& parent, Context& context, std::shared_ptr<CommandArgs> a) {
  CLI::App* notification = parent.add_subcommand("notification", "Notification commands (stream notification-<id>)");
  notification->require_subcommand(1);
  CLI::App* send = Leaf(*notification, "send", "Queue a notification about an order", context, a,
                        [](const CommandArgs& args) -> Result<NotificationCommand> {
                          NotificationCommand command;
                          SendNotification* body = command.mutable_send();
                          body->set_notification_id(args.notification_id);
                          body->set_recipient(args.recipient);
                          body->set_template_name(args.template_name);
                          body->set_order_id(args.order_id);
                          return command;
                        });
  send->add_option("--notification-id", a->notification_id, "Notification id")->required();
  send->add_option("--recipient", a->recipient, "Email address")->required();
  send->add_option("--template", a->template_name, "Template name (order-confirmed)")->required();
  send->add_option("--order-id", a->order_id, "Order id")->required();

  CLI::App* deliver = Leaf(*notification, "deliver", "Record one delivery attempt", context, a,
                           [](const CommandArgs& args) -> Result<NotificationCommand> {
                             NotificationCommand command;
                             command.mutable_deliver()->set_notification_id(args.notification_id);
                             command.mutable_deliver()->set_delivered(args.failed.empty());
                             command.mutable_deliver()->set_error(args.failed);
                             return command;
                           });
  deliver->add_option("--notification-id", a->notification_id, "Notification id")->required();
  deliver->add_option("--failed", a->failed, "Why the attempt failed (default: delivered)");
}

}  // namespace

void AddDomainCommands(CLI::App& app, Context& context) {
  auto state = std::make_shared<StateArgs>();
  CLI::App* state_command = app.add_subcommand("state", "Print an order, charge or notification's state as JSON");
  state_command->add_option("stream", state->stream, "order-<id>, charge-<id> or notification-<id>")->required();
  auto* version = state_command->add_option("--at-version", state->at_version, "As of this stream version");
  auto* position = state_command->add_option("--at-position", state->at_position, "As of this global position")->excludes(version);
  state_command->add_option("--at-time", state->at_time, "As of this time (ISO 8601, UTC)")->excludes(version)->excludes(position);
  state_command->callback([&context, state, state_command] {
    context.run = [&context, state, state_command] { return RunState(context, *state, *state_command); };
  });

  auto args = std::make_shared<CommandArgs>();
  CLI::App* command = app.add_subcommand("command", "Send a command to the commerce domains (exit 7: a rule said no)");
  command->require_subcommand(1);
  AddOrderCommands(*command, context, args);
  AddChargeCommands(*command, context, args);
  AddNotificationCommands(*command, context, args);
}

}  // namespace cairn::cli
