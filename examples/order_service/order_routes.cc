// The order routes: place, read, cancel; the customer's orders; a saga's timeline.
#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <charconv>
#include <optional>
#include <nlohmann/json.hpp>

#include "engine/message_json.h"
#include "examples/commerce/fulfillment.h"
#include "examples/commerce/queries.h"
#include "examples/order_service/internal/api_state.h"
#include "examples/order_service/order_json.h"
#include "sagas/admin.h"

namespace cairn::order_service {
namespace {

using Json = nlohmann::ordered_json;

// Metadata key of the SHA-256 of the request that placed an order with an
// Idempotency-Key: after a restart, a retry with another body is told apart.
constexpr std::string_view kRequestHashKey = "request_sha256";
constexpr std::string_view kOrderStreamPrefix = "order-";

const Uuid& RequestNamespace() {
  static const Uuid kNamespace = *Uuid::Parse("3f0c9a52-8e1d-4b7a-a6c4-5d2e9f1b7c08");
  return kNamespace;
}

HttpResponse JsonAnswer(unsigned status, const Json& body, uint64_t position) {
  HttpResponse response{status, body.dump()};
  response.headers["X-Cairn-Position"] = std::to_string(position);
  return response;
}

HttpResponse Placed(const std::string& order_id, uint64_t position, bool duplicate) {
  Json body;
  body["order_id"] = order_id;
  body["saga_id"] = sagas::SagaIdOf(commerce::kFulfillmentSaga, order_id);
  body["position"] = position;
  body["duplicate"] = duplicate;
  HttpResponse response = JsonAnswer(202, body, position);
  response.headers["Location"] = "/orders/" + order_id;
  return response;
}

// The request's trace context into the command's metadata; its trace id for logs.
std::string TraceInto(const HttpRequest& request, CommandContext& context) {
  std::optional<std::string> traceparent = ParseTraceparent(request.Header("traceparent"));
  if (!traceparent) return "-";
  const std::string trace_id(TraceIdOf(*traceparent));
  context.metadata[std::string(kTraceparentKey)] = std::move(*traceparent);
  return trace_id;
}

void LogFailure(const HttpRequest& request, const Status& status, const std::string& trace_id) {
  if (HttpStatusOf(status.code()) < 500) return;
  spdlog::warn("{} {} failed: {} (trace {})", request.method, request.path, status.ToString(), trace_id);
}

class PlaceOrderRequest {
 public:
  PlaceOrderRequest(ApiState api, const HttpRequest& request, Responder respond)
      : api_(std::move(api)), request_(request), respond_(std::move(respond)) {}

  void Run() {
    if (!IsJsonContentType(request_.Header("content-type"))) {
      return respond_(JsonError(415, "POST /orders takes Content-Type: application/json"));
    }
    Result<commerce::PlaceOrder> place = PlaceOrderFromJson(request_.body);
    if (!place.ok()) return respond_(ErrorResponse(place.status()));
    CommandContext context = CommandContext::New();
    trace_id_ = TraceInto(request_, context);
    if (const std::string& header = request_.Header("idempotency-key"); !header.empty()) {
      Result<std::string> key = ParseIdempotencyKey(header);
      if (!key.ok()) return respond_(ErrorResponse(key.status()));
      key_ = *key;
      fingerprint_ = Sha256Hex(request_.body);
      if (!Begin(context, *place)) return;
    } else if (place->order_id().empty()) {
      place->set_order_id("o-" + context.command_id.ToString());
    }
    commerce::OrderCommand command;
    *command.mutable_place() = std::move(place).value();
    const std::string order_id = command.place().order_id();
    commerce::Commerce& shop = api_->parts.shop;
    boost::asio::io_context& io = api_->runtime().io();
    // The request moves into the completion: this object is a temporary of the route.
    shop.HandleAsync(
        command, std::move(context),
        boost::asio::bind_executor(io, [self = std::move(*this), order_id](Result<CommandResult> result) mutable {
          if (!result.ok()) return self.Answer(ErrorResponse(result.status()), result.status());
          spdlog::debug("order {} placed at global position {} (trace {})", order_id, result->position, self.trace_id_);
          self.Answer(Placed(order_id, result->position, result->duplicate), OkStatus());
        }));
  }

 private:
  // The Idempotency-Key's first use goes on (true); a retry is answered here.
  bool Begin(CommandContext& context, commerce::PlaceOrder& place) {
    IdempotencyKeys::Begun begun = api_->keys.Begin(key_, fingerprint_);
    switch (begun.seen) {
      case IdempotencyKeys::Seen::kFirst: break;
      case IdempotencyKeys::Seen::kInFlight:
        respond_(JsonError(409, "a request with this Idempotency-Key is still in flight; retry later"));
        return false;
      case IdempotencyKeys::Seen::kOtherRequest:
        respond_(JsonError(422, "this Idempotency-Key came with another request"));
        return false;
      case IdempotencyKeys::Seen::kAnswered:
        begun.answer.headers["Idempotent-Replayed"] = "true";
        respond_(std::move(begun.answer));
        return false;
    }
    // The key names the command, and the order when the body does not.
    context.command_id = Uuid::NameBased(RequestNamespace(), "POST /orders " + key_);
    context.metadata[std::string(kRequestHashKey)] = fingerprint_;
    if (place.order_id().empty()) place.set_order_id("o-" + context.command_id.ToString());
    // After a restart the table is empty, but the first request's event is stored.
    Result<RecordedEvent> earlier = api_->parts.store.ReadEvent(DeterministicEventId(context.command_id, 0));
    if (earlier.status().code() == StatusCode::kNotFound) return true;
    if (!earlier.ok()) {
      Answer(ErrorResponse(earlier.status()), earlier.status());
      return false;
    }
    auto hash = earlier->metadata.find(kRequestHashKey);
    if (hash == earlier->metadata.end() || hash->second != fingerprint_) {
      Answer(JsonError(422, "this Idempotency-Key came with another request"), OkStatus());
      return false;
    }
    Answer(Placed(earlier->stream.substr(kOrderStreamPrefix.size()), earlier->position, true), OkStatus());
    return false;
  }

  void Answer(HttpResponse response, const Status& status) {
    LogFailure(request_, status, trace_id_);
    if (!key_.empty()) {
      // A failure a retry may mend leaves the key free for that retry.
      if (response.status >= 500) api_->keys.Forget(key_);
      else api_->keys.Finish(key_, response);
    }
    respond_(std::move(response));
  }

  ApiState api_;
  HttpRequest request_;
  Responder respond_;
  std::string key_;
  std::string fingerprint_;
  std::string trace_id_ = "-";
};

// A query parameter that is a whole decimal number, all of it; nullopt otherwise.
std::optional<uint64_t> WholeNumber(const std::string& text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Runs `then` once the order_summary model has applied the request's
// min_position (at once without one); 400 for a bad one, 503 when the
// model does not get there in time.
void AfterMinPosition(const ApiState& api, const HttpRequest& request, const Responder& respond,
                      std::function<void()> then) {
  auto asked = request.query.find("min_position");
  if (asked == request.query.end()) return then();
  const std::optional<uint64_t> asked_position = WholeNumber(asked->second);
  if (!asked_position) return respond(JsonError(400, "min_position must be a global position (a whole number)"));
  const uint64_t position = *asked_position;
  PositionWaiter& waiter = *api->applied.at("order_summary");
  waiter.Applied(api->Runner("order_summary")->status().checkpoint);
  waiter.Wait(position, api->options.min_position_timeout, [api, position, respond, then](bool applied) {
    if (applied) return then();
    HttpResponse late = JsonError(503, "order_summary has applied up to global position " +
                                           std::to_string(api->applied.at("order_summary")->applied()) + ", not yet " +
                                           std::to_string(position));
    late.headers["Retry-After"] = "1";
    respond(std::move(late));
  });
}

// Answers with a read model query run on the blocking pool.
void AnswerQuery(const ApiState& api, Responder respond, std::function<Result<commerce::QueryAnswer>()> query) {
  api->Blocking(std::move(query), [respond = std::move(respond)](Result<commerce::QueryAnswer> answer) {
    if (!answer.ok()) return respond(ErrorResponse(answer.status()));
    HttpResponse response{200, std::move(answer->json)};
    response.headers["X-Cairn-Position"] = std::to_string(answer->position);
    respond(std::move(response));
  });
}

void GetOrder(const ApiState& api, const HttpRequest& request, Responder respond) {
  const std::string id = request.params.at("id");
  AfterMinPosition(api, request, respond, [api, id, respond] {
    AnswerQuery(api, respond, [api, id] { return commerce::QueryOrder(api->parts.projections_directory, id); });
  });
}

void GetCustomerOrders(const ApiState& api, const HttpRequest& request, Responder respond) {
  int limit = 100;
  if (auto asked = request.query.find("limit"); asked != request.query.end()) {
    const std::optional<uint64_t> value = WholeNumber(asked->second);
    if (!value || *value < 1 || *value > 1000) return respond(JsonError(400, "limit must be a whole number from 1 to 1000"));
    limit = static_cast<int>(*value);
  }
  const std::string id = request.params.at("id");
  AfterMinPosition(api, request, respond, [api, id, limit, respond] {
    AnswerQuery(api, respond,
                [api, id, limit] { return commerce::QueryCustomerOrders(api->parts.projections_directory, id, limit); });
  });
}

Result<std::string> OrderEventsJson(const ApiState& api, const std::string& order_id) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> events,
                         api->parts.store.ReadStream(std::string(kOrderStreamPrefix) + order_id, ReadStreamOptions{}));
  Json out = Json::array();
  for (const RecordedEvent& event : events) {
    Json line;
    line["position"] = event.position;
    line["version"] = event.version;
    line["type"] = event.type;
    line["event_id"] = event.event_id.ToString();
    line["recorded_at"] = FormatTimestamp(event.recorded_at_us);
    line["metadata"] = Json::object();
    for (const auto& [key, value] : event.metadata) line["metadata"][key] = value;
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> message, api->parts.shop.types().Decode(event));
    CAIRN_ASSIGN_OR_RETURN(const std::string data, MessageToJson(*message));
    line["data"] = Json::parse(data);
    out.push_back(std::move(line));
  }
  return out.dump();
}

void GetOrderEvents(const ApiState& api, const HttpRequest& request, Responder respond) {
  api->Blocking([api, id = request.params.at("id")] { return OrderEventsJson(api, id); },
                [respond](Result<std::string> events) {
                  if (!events.ok()) return respond(ErrorResponse(events.status()));
                  respond({200, std::move(events).value()});
                });
}

void CancelOrder(const ApiState& api, const HttpRequest& request, Responder respond) {
  if (!request.body.empty() && !IsJsonContentType(request.Header("content-type"))) {
    return respond(JsonError(415, "a cancellation's body takes Content-Type: application/json"));
  }
  Result<std::string> reason = CancelReasonFromJson(request.body);
  if (!reason.ok()) return respond(ErrorResponse(reason.status()));
  commerce::OrderCommand command;
  command.mutable_cancel()->set_order_id(request.params.at("id"));
  command.mutable_cancel()->set_reason(reason->empty() ? "cancelled by the customer" : *reason);
  CommandContext context = CommandContext::New();
  std::string trace_id = TraceInto(request, context);
  api->parts.shop.HandleAsync(
      command, std::move(context),
      boost::asio::bind_executor(api->runtime().io(), [request, respond, trace_id, id = command.cancel().order_id()](
                                                          Result<CommandResult> result) {
        if (!result.ok()) {
          LogFailure(request, result.status(), trace_id);
          return respond(ErrorResponse(result.status()));
        }
        Json body;
        body["order_id"] = id;
        body["position"] = result->position;
        body["cancelled"] = result->events > 0 || result->duplicate;
        respond(JsonAnswer(202, body, result->position));
      }));
}

void AnswerTimeline(const ApiState& api, const std::string& id, Responder respond) {
  api->Blocking([api, id] { return sagas::TimelineJson(api->parts.store, id); },
                [respond](Result<std::string> timeline) {
                  if (!timeline.ok()) return respond(ErrorResponse(timeline.status()));
                  respond({200, std::move(timeline).value()});
                });
}

// The longest and the default wait of a long poll on a saga.
constexpr std::chrono::milliseconds kLongestSagaWait{60'000};
constexpr std::chrono::milliseconds kSagaWait{10'000};

// With after_position=P (the last global position the client has seen in
// the timeline), waits until the saga records a transition past P or
// wait_ms is over, then answers the timeline as it is: a long poll.
void GetSaga(const ApiState& api, const HttpRequest& request, Responder respond) {
  const std::string id = request.params.at("id");
  auto after = request.query.find("after_position");
  if (after == request.query.end() || !api->parts.saga_waiter) return AnswerTimeline(api, id, std::move(respond));
  const std::optional<uint64_t> position = WholeNumber(after->second);
  if (!position) return respond(JsonError(400, "after_position must be a global position (a whole number)"));
  std::chrono::milliseconds wait = kSagaWait;
  if (auto asked = request.query.find("wait_ms"); asked != request.query.end()) {
    const std::optional<uint64_t> ms = WholeNumber(asked->second);
    if (!ms || *ms > static_cast<uint64_t>(kLongestSagaWait.count())) {
      return respond(JsonError(400, "wait_ms must be a whole number of milliseconds up to " +
                                        std::to_string(kLongestSagaWait.count())));
    }
    wait = std::chrono::milliseconds(*ms);
  }
  // Waits first, then looks: a transition between the look and the wait
  // cannot go unheard.
  SagaWaiter& waiter = *api->parts.saga_waiter;
  auto pending = waiter.Wait(id, *position, wait, [api, id, respond](bool) { AnswerTimeline(api, id, respond); });
  api->Blocking([api, id] { return api->parts.store.GetStreamHead(sagas::SagaStreamOf(id)); },
                [&waiter, pending, position = *position](Result<StreamHeadInfo> head) {
                  // A saga that is not there yet may start while the client waits; an error is answered by the timeline.
                  if (!head.ok() ? head.status().code() != StatusCode::kNotFound : head->last_position > position) {
                    waiter.Moved(pending);
                  }
                });
}

}  // namespace

void AddOrderRoutes(HttpServer& server, const ApiState& api) {
  server.Route("POST", "/orders", [api](const HttpRequest& request, Responder respond) {
    PlaceOrderRequest(api, request, std::move(respond)).Run();
  });
  server.Route("GET", "/orders/{id}", [api](const HttpRequest& r, Responder respond) { GetOrder(api, r, respond); });
  server.Route("GET", "/orders/{id}/events",
               [api](const HttpRequest& r, Responder respond) { GetOrderEvents(api, r, respond); });
  server.Route("POST", "/orders/{id}/cancel",
               [api](const HttpRequest& r, Responder respond) { CancelOrder(api, r, respond); });
  server.Route("GET", "/customers/{id}/orders",
               [api](const HttpRequest& r, Responder respond) { GetCustomerOrders(api, r, respond); });
  server.Route("GET", "/sagas/{id}", [api](const HttpRequest& r, Responder respond) { GetSaga(api, r, respond); });
}

}  // namespace cairn::order_service
