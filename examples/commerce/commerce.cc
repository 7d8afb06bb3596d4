#include "examples/commerce/commerce.h"

#include <nlohmann/json.hpp>

#include "engine/message_json.h"
#include "examples/commerce/rules.h"
#include "examples/commerce/webhook_channel.h"

namespace cairn::commerce {
namespace {

// OrderPlaced v1 was appended as JSON: {"order_id", "customer", "currency",
// "items": [{"sku", "qty", "price"}]}, with no total.
// Reads one field of a v1 object: absent is the default, another JSON type is an error.
Status ReadText(const nlohmann::json& object, const char* key, std::string* out) {
  auto it = object.find(key);
  if (it == object.end()) return OkStatus();
  if (!it->is_string()) return InvalidArgumentError(std::string("\"") + key + "\" is not a string");
  *out = it->get<std::string>();
  return OkStatus();
}

Status ReadAmount(const nlohmann::json& object, const char* key, int64_t* out) {
  auto it = object.find(key);
  if (it == object.end()) return OkStatus();
  if (!it->is_number_integer() || (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(kMaxAmount)) ||
      it->get<int64_t>() < 0 || it->get<int64_t>() > kMaxAmount) {
    return InvalidArgumentError(std::string("\"") + key + "\" is not a whole number from 0 to " +
                                std::to_string(kMaxAmount));
  }
  *out = it->get<int64_t>();
  return OkStatus();
}

Status ReadOrderPlacedV1(const nlohmann::json& v1, OrderPlaced& placed) {
  if (!v1.is_object()) return InvalidArgumentError("it is not a JSON object");
  CAIRN_RETURN_IF_ERROR(ReadText(v1, "order_id", placed.mutable_order_id()));
  CAIRN_RETURN_IF_ERROR(ReadText(v1, "customer", placed.mutable_customer_id()));
  CAIRN_RETURN_IF_ERROR(ReadText(v1, "currency", placed.mutable_currency()));
  auto items = v1.find("items");
  if (items == v1.end()) return OkStatus();
  if (!items->is_array()) return InvalidArgumentError("\"items\" is not an array");
  int64_t total = 0;
  for (const auto& item : *items) {
    if (!item.is_object()) return InvalidArgumentError("an item is not an object");
    OrderLine* line = placed.add_lines();
    int64_t quantity = 0, price = 0, amount = 0;
    CAIRN_RETURN_IF_ERROR(ReadText(item, "sku", line->mutable_sku()));
    CAIRN_RETURN_IF_ERROR(ReadAmount(item, "qty", &quantity));
    CAIRN_RETURN_IF_ERROR(ReadAmount(item, "price", &price));
    if (__builtin_mul_overflow(quantity, price, &amount) || __builtin_add_overflow(total, amount, &total) ||
        total > kMaxAmount) {
      return InvalidArgumentError("its total is over " + std::to_string(kMaxAmount));
    }
    line->set_quantity(quantity);
    line->set_unit_price(price);
  }
  placed.set_total(total);
  return OkStatus();
}

Result<RecordedEvent> UpcastOrderPlacedV1(RecordedEvent event) {
  const std::string where = "OrderPlaced v1 at global position " + std::to_string(event.position);
  if (JsonNestingDepth(event.data) > kMaxJsonDepth) return DataLossError(where + " nests too deeply");
  nlohmann::json v1 = nlohmann::json::parse(event.data, nullptr, false);
  if (v1.is_discarded()) return DataLossError(where + " is not JSON");
  OrderPlaced placed;
  if (Status read = ReadOrderPlacedV1(v1, placed); !read.ok()) {
    return DataLossError(where + " cannot be read: " + read.message());
  }
  event.content_type = OrderPlaced::descriptor()->full_name();
  event.schema_version = 2;
  event.data = placed.SerializeAsString();
  return event;
}

template <Aggregate A>
Result<std::string> ToJson(const CommandHandler<A>& handler, std::string_view id, const LoadPoint& at) {
  CAIRN_ASSIGN_OR_RETURN(AggregateRoot<A> root, handler.repository().Load(id, at));
  if (!root.version) return NotFoundError(std::string(A::kCategory) + "-" + std::string(id) + " has no events");
  CAIRN_ASSIGN_OR_RETURN(const std::string json, MessageToJson(root.state, JsonDefaults::kPrint));
  const std::string stream = nlohmann::json(std::string(A::kCategory) + "-" + std::string(id)).dump();
  return "{\"stream\":" + stream + ",\"version\":" + std::to_string(*root.version) + ",\"state\":" + json + "}";
}

// The webhook, else the file, else the simulator; `status` says why a webhook cannot be used.
std::unique_ptr<NotificationChannel> MailChannel(const CommerceOptions& options, Status& status) {
  if (!options.mail_webhook.empty()) {
    Result<WebhookAddress> address = ParseWebhookUrl(options.mail_webhook);
    if (address.ok()) return std::make_unique<WebhookNotificationChannel>(*address, options.mail_webhook_timeout);
    status = address.status();
  }
  if (!options.mail_file.empty()) return std::make_unique<FileNotificationChannel>(options.mail_file);
  return std::make_unique<SimulatedNotificationChannel>(options.channel);
}

}  // namespace

void BindCommerceOptions(ConfigLoader& loader, CommerceOptions& options) {
  loader.Bind("gateway_decline_above", &options.gateway.decline_above, 0, kMaxAmount,
              "payment simulator: decline charges above this amount (minor units); 0: no limit");
  loader.Bind("gateway_declined_customers", &options.gateway.declined_customers,
              "payment simulator: customers whose charges are declined (comma-separated)");
  loader.Bind("gateway_fail_percent", &options.gateway.fail_percent, 0, 100,
              "payment simulator: percent of calls that find the provider unavailable");
  loader.Bind("gateway_latency_ms", &options.gateway.latency, "payment simulator: how long every call takes");
  loader.Bind("gateway_ledger", &options.gateway.ledger_path,
              "payment simulator: keep its ledger in this file (JSON lines); empty: in memory");
  loader.Bind("channel_failing_recipients", &options.channel.failing_recipients,
              "mail simulator: recipients whose deliveries always fail (comma-separated)");
  loader.Bind("channel_flaky_recipients", &options.channel.flaky_recipients,
              "mail simulator: recipients whose first delivery attempt of each mail fails (comma-separated)");
  loader.Bind("channel_fail_percent", &options.channel.fail_percent, 0, 100,
              "mail simulator: percent of delivery attempts that fail");
  loader.Bind("channel_latency_ms", &options.channel.latency, "mail simulator: how long every delivery takes");
  loader.Bind("mail_file", &options.mail_file, "write mail to this file (JSON lines) instead of the mail simulator");
  loader.Bind("mail_webhook", &options.mail_webhook, "POST mail as JSON to this URL (http://host:port/path)");
  loader.Bind("mail_webhook_timeout_ms", &options.mail_webhook_timeout, "how long a mail webhook may take to answer");
  loader.Bind("notification_max_attempts", &options.notification_max_attempts, 1, 100,
              "delivery attempts before a notification gives up");
}

void RegisterCommerceEvents(EventTypeRegistry& types) {
  types.Register<OrderPlaced>(2);
  types.AddUpcaster("OrderPlaced", 1, UpcastOrderPlacedV1);
  types.Register<OrderConfirmed>();
  types.Register<OrderCancelled>();
  types.Register<OrderNotified>();
  types.Register<ChargeSucceeded>();
  types.Register<ChargeDeclined>();
  types.Register<ChargeRefunded>();
  types.Register<NotificationQueued>();
  types.Register<NotificationSent>();
  types.Register<NotificationFailed>();
}

Commerce::Commerce(EventStore& store, CommerceOptions options)
    : store_(store),
      gateway_(options.gateway),
      channel_(MailChannel(options, channel_status_)),
      notification_max_attempts_(options.notification_max_attempts),
      notification_(options.notification_max_attempts),
      orders_(store, order_, types_, options.handler),
      charges_(store, charge_, types_, options.handler),
      notifications_(store, notification_, types_, options.handler) {
  RegisterCommerceEvents(types_);
  bus_.Register(orders_);
  bus_.Register(charges_);
  bus_.Register(notifications_);
}

Status Commerce::Start() {
  CAIRN_RETURN_IF_ERROR(channel_status_);
  CAIRN_RETURN_IF_ERROR(gateway_.Open());
  return types_.SaveSchemas(store_);
}

sagas::SagaDefinition Commerce::Fulfillment(const FulfillmentOptions& options) {
  FulfillmentOptions matched = options;
  matched.mail_retry.max_attempts = notification_max_attempts_;  // the aggregate gives up after as many
  return FulfillmentSaga(gateway_, *channel_, matched);
}

Result<CommandResult> Commerce::Handle(const OrderCommand& command, CommandContext context) {
  return orders_.Handle(command, std::move(context));
}

Result<CommandResult> Commerce::Handle(const ChargeCommand& command, CommandContext context) {
  return charges_.Handle(command, std::move(context));
}

Result<CommandResult> Commerce::Handle(const NotificationCommand& command, CommandContext context) {
  return notifications_.Handle(command, std::move(context));
}

Result<std::string> Commerce::StateJson(std::string_view stream, const LoadPoint& at) const {
  const std::string_view category = CategoryOf(stream);
  if (category.size() == stream.size()) return InvalidArgumentError("stream " + std::string(stream) + " has no id");
  const std::string_view id = stream.substr(category.size() + 1);
  if (category == Order::kCategory) return ToJson(orders_, id, at);
  if (category == Charge::kCategory) return ToJson(charges_, id, at);
  if (category == Notification::kCategory) return ToJson(notifications_, id, at);
  return InvalidArgumentError("stream " + std::string(stream) + " is not an order, charge or notification");
}

}  // namespace cairn::commerce
