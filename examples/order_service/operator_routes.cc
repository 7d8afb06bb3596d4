// The operator's routes (saga actions and rebuilds, behind the bearer
// token) and the probes: /healthz, /readyz, /metrics.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "examples/order_service/internal/api_state.h"
#include "projections/rebuild.h"

namespace cairn::order_service {
namespace {

using Json = nlohmann::ordered_json;

// An operator action's body: empty, or {"note"?: string} ("reason" for a cancel).
Result<std::string> NoteFromJson(const std::string& body, const char* field) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return std::string();
  const Json object = Json::parse(body, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return InvalidArgumentError("the body must be a JSON object");
  for (const auto& [key, value] : object.items()) {
    if (key != field) return InvalidArgumentError("unknown field " + key);
    if (!value.is_string()) return InvalidArgumentError(std::string("field ") + field + " must be a string");
  }
  return object.value(field, std::string());
}

void SagaAction(const ApiState& api, const std::string& action, const HttpRequest& request, Responder respond) {
  if (auto refused = api->admin.Refusal(request.Header("authorization"))) return respond(std::move(*refused));
  Result<std::string> note = NoteFromJson(request.body, action == "cancel" ? "reason" : "note");
  if (!note.ok()) return respond(ErrorResponse(note.status()));
  const std::string id = request.params.at("id");
  spdlog::info("operator: {} saga {}", action, id);
  auto done = [respond, id, action](Status status) {
    if (!status.ok()) return respond(ErrorResponse(status));
    Json body;
    body["saga_id"] = id;
    body["action"] = action;
    respond({200, body.dump()});
  };
  sagas::Orchestrator& orchestrator = api->parts.orchestrator;
  const std::string text = note->empty() ? "by the operator over HTTP" : *note;
  if (action == "retry") orchestrator.Retry(id, text, done);
  else if (action == "resolve") orchestrator.Resolve(id, text, done);
  else if (action == "cancel") orchestrator.Cancel(id, text, done);
  else orchestrator.Terminate(id, text, done);
}

void Rebuild(const ApiState& api, const HttpRequest& request, Responder respond) {
  if (auto refused = api->admin.Refusal(request.Header("authorization"))) return respond(std::move(*refused));
  const std::string name = request.params.at("name");
  projections::Projector* chosen = nullptr;
  for (projections::Projector* projector : api->parts.projectors) {
    if (projector->name() == name) chosen = projector;
  }
  if (!chosen) return respond(JsonError(404, "no projection named " + name));
  if (api->rebuilding.exchange(true)) return respond(JsonError(409, "a rebuild is running; one at a time"));
  spdlog::info("operator: rebuild {}", name);
  const auto start = std::chrono::steady_clock::now();
  // The new generation is built beside the live one and swapped in one
  // rename; the model's runner follows the swap at its next batch.
  api->Blocking(
      [api, chosen] {
        return projections::Rebuild(api->parts.store, {chosen}, api->parts.projections_directory);
      },
      [api, respond, name, start](Status rebuilt) {
        api->rebuilding = false;
        if (!rebuilt.ok()) return respond(ErrorResponse(rebuilt));
        Json body;
        body["projection"] = name;
        body["rebuilt"] = true;
        body["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        respond({200, body.dump()});
      });
}

// A fault drill: the payment simulator's provider goes down ({"down": true}) or comes back.
void PaymentOutage(const ApiState& api, const HttpRequest& request, Responder respond) {
  if (auto refused = api->admin.Refusal(request.Header("authorization"))) return respond(std::move(*refused));
  const Json object = Json::parse(request.body, nullptr, false);
  if (!object.is_object() || object.size() != 1 || !object.contains("down") || !object["down"].is_boolean()) {
    return respond(JsonError(400, "the body must be {\"down\": true} or {\"down\": false}"));
  }
  const bool down = object["down"].get<bool>();
  spdlog::warn("operator: the payment simulator's provider is {}", down ? "down" : "back");
  api->parts.shop.gateway().SetOutage(down);
  respond({200, object.dump()});
}

// Ready when every part runs, no read model lags past the bound and the
// publisher has not failed. Kafka being down does not make the service
// unready: the store is the outbox, and orders are still taken.
void Ready(const ApiState& api, Responder respond) {
  Json checks = Json::array();
  bool ready = true;
  auto check = [&](const std::string& name, bool ok, const std::string& detail) {
    Json entry;
    entry["name"] = name;
    entry["ok"] = ok;
    if (!detail.empty()) entry["detail"] = detail;
    checks.push_back(std::move(entry));
    ready = ready && ok;
  };
  for (const ComponentHealth& part : api->parts.service.Health()) check(part.name, part.up, part.reason);
  check("intake", api->parts.service.accepting(), api->parts.service.accepting() ? "" : "stopping");
  for (projections::ProjectionRunner* runner : api->parts.runners) {
    const projections::ProjectorStatus status = runner->status();
    const bool behind = status.lag() > api->options.ready_max_lag;
    check("lag " + status.name, !behind,
          std::to_string(status.lag()) + " events behind" + (status.error.empty() ? "" : ": " + status.error));
  }
  if (kafka::Publisher* publisher = api->parts.publisher) {
    const kafka::PublisherStatus status = publisher->status();
    const bool failed = status.state == kafka::PublisherState::kFailed || status.state == kafka::PublisherState::kStopped;
    check("kafka publisher", !failed,
          std::string(kafka::PublisherStateName(status.state)) + ", " + std::to_string(status.lag()) + " events behind");
  }
  Json body;
  body["ready"] = ready;
  body["head"] = api->parts.store.HeadPosition();
  body["checks"] = std::move(checks);
  HttpResponse response{ready ? 200u : 503u, body.dump()};
  if (!ready) response.headers["Retry-After"] = "1";
  respond(std::move(response));
}

}  // namespace

unsigned HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted: return 503;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

HttpResponse ErrorResponse(const Status& status) {
  HttpResponse response = JsonError(HttpStatusOf(status.code()), status.message());
  if (response.status == 503) response.headers["Retry-After"] = "1";
  return response;
}

OrderApi::State::State(ApiParts p, ApiOptions o)
    : parts(std::move(p)),
      options(std::move(o)),
      keys(options.idempotency_retention, options.idempotency_max_keys),
      admin(options.admin_token_sha256) {}

projections::ProjectionRunner* OrderApi::State::Runner(const std::string& name) const {
  for (projections::ProjectionRunner* runner : parts.runners) {
    if (runner->status().name == name) return runner;
  }
  return nullptr;
}

OrderApi::OrderApi(ApiParts parts, ApiOptions options)
    : state_(std::make_shared<State>(std::move(parts), std::move(options))) {
  for (projections::ProjectionRunner* runner : state_->parts.runners) {
    auto waiter = std::make_unique<PositionWaiter>(state_->runtime(), 0);
    runner->OnApplied([applied = waiter.get()](uint64_t checkpoint) { applied->Applied(checkpoint); });
    state_->applied[runner->status().name] = std::move(waiter);
  }
}

OrderApi::~OrderApi() = default;

void OrderApi::AddRoutes(HttpServer& server) {
  ApiState api = state_;
  AddOrderRoutes(server, api);
  for (const char* action : {"retry", "resolve", "cancel", "terminate"}) {
    server.Route("POST", std::string("/sagas/{id}/") + action,
                 [api, action = std::string(action)](const HttpRequest& request, Responder respond) {
                   SagaAction(api, action, request, std::move(respond));
                 });
  }
  server.Route("POST", "/projections/{name}/rebuild",
               [api](const HttpRequest& request, Responder respond) { Rebuild(api, request, std::move(respond)); });
  server.Route("POST", "/simulators/payment/outage",
               [api](const HttpRequest& request, Responder respond) { PaymentOutage(api, request, std::move(respond)); });
  // Alive: answered without touching storage, so a busy store cannot make it hang.
  server.Route("GET", "/healthz", [](const HttpRequest&, Responder respond) { respond({200, "{\"alive\":true}"}); });
  server.Route("GET", "/readyz", [api](const HttpRequest&, Responder respond) { Ready(api, std::move(respond)); });
  server.Route("GET", "/metrics", [api](const HttpRequest&, Responder respond) {
    respond({200, api->parts.metrics.RenderPrometheus(), "text/plain; version=0.0.4"});
  });
}

}  // namespace cairn::order_service
