#include "examples/order_service/demo/scenario.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

namespace cairn::demo {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;

// The metrics have no long poll: the demo asks for them as often as a
// person pressing refresh would.
constexpr milliseconds kPollEvery{50};
// A long poll's wait, well within the client's timeout.
constexpr milliseconds kLongestPoll{10'000};

Result<Json> JsonOf(const Result<order_service::HttpResponse>& response, unsigned expected, const std::string& what) {
  if (!response.ok()) return response.status();
  if (response->status != expected) {
    return InternalError(what + ": HTTP " + std::to_string(response->status) + " " + response->body);
  }
  Json body = Json::parse(response->body, nullptr, false);
  if (body.is_discarded()) return InternalError(what + ": the answer is not JSON");
  return body;
}

std::string OrderBody(const std::string& customer, int64_t unit_price) {
  Json body = {{"customer", customer},
               {"currency", "EUR"},
               {"lines", Json::array({{{"sku", "book-" + customer}, {"quantity", 2}, {"unit_price", unit_price}}})}};
  return body.dump();
}

bool IsEnd(const std::string& status) { return status != "running" && status != "compensating"; }

}  // namespace

void Checks::Expect(bool held, const std::string& what) {
  checks_.emplace_back(held, what);
  if (!held) ++failed_;
}

void Checks::Print() const {
  for (const auto& [held, what] : checks_) std::printf("  %-6s %s\n", held ? "ok" : "FAILED", what.c_str());
}

Scenario::Scenario(order_service::HttpClient& client, std::string admin_token, Checks& checks)
    : client_(client), admin_token_(std::move(admin_token)), checks_(checks) {}

const DemoOrder& Scenario::Find(const std::string& customer) const {
  for (const DemoOrder& order : orders_) {
    if (order.customer == customer) return order;
  }
  static const DemoOrder kNone;
  return kNone;
}

Result<std::string> Scenario::Place(const std::string& customer, int64_t unit_price, const std::string& key,
                                    const std::string& what, const std::string& expected) {
  // Every request carries a trace context, as a traced client's would.
  char traceparent[64];
  std::snprintf(traceparent, sizeof(traceparent), "00-%032zx-%016zx-01", orders_.size() + 1, orders_.size() + 1);
  CAIRN_ASSIGN_OR_RETURN(
      Json placed, JsonOf(client_.PostJson("/orders", OrderBody(customer, unit_price),
                                           {{"Idempotency-Key", key}, {"traceparent", traceparent}}),
                          202, "placing " + customer + "'s order"));
  orders_.push_back({what, customer, placed["order_id"].get<std::string>(), expected, ""});
  std::printf("  placed %-38s for %-6s (%s)\n", orders_.back().id.c_str(), customer.c_str(), what.c_str());
  return orders_.back().id;
}

Status Scenario::Duplicate() {
  const DemoOrder& first = Find("alice");
  auto again = client_.PostJson("/orders", OrderBody("alice", 1250), {{"Idempotency-Key", "demo-alice"}});
  CAIRN_ASSIGN_OR_RETURN(Json body, JsonOf(again, 202, "submitting alice's order again"));
  const bool same = body["order_id"] == first.id;
  std::printf("  submitted alice's order again with the same Idempotency-Key: %s\n",
              same ? "the same order, nothing appended" : "ANOTHER ORDER");
  checks_.Expect(same && again->headers.count("idempotent-replayed"),
                 "a duplicate submission with the same Idempotency-Key returns the first order");
  auto other = client_.PostJson("/orders", OrderBody("alice", 999), {{"Idempotency-Key", "demo-alice"}});
  checks_.Expect(other.ok() && other->status == 422, "the same Idempotency-Key with another body is refused (422)");
  return OkStatus();
}

Status Scenario::CancelWhilePaying() {
  CAIRN_ASSIGN_OR_RETURN(std::string id, Place("frank", 3000, "demo-frank", "cancels while paying", "cancelled"));
  // The customer cancels while the payment provider is taking the money.
  CAIRN_RETURN_IF_ERROR(
      SagaWhen(id, std::chrono::seconds(10), [](const Json& saga) { return saga["step"] == "charge"; }).status());
  CAIRN_ASSIGN_OR_RETURN(Json cancelled, JsonOf(client_.PostJson("/orders/" + id + "/cancel",
                                                                 R"({"reason":"changed my mind"})"),
                                                202, "cancelling frank's order"));
  std::printf("  frank cancelled %s while it was being paid\n", id.c_str());
  return OkStatus();
}

Result<double> Scenario::BreakerTransitions(const std::string& to) {
  auto metrics = client_.Get("/metrics");
  if (!metrics.ok()) return metrics.status();
  const std::string series = "cairn_circuit_breaker_transitions_total{breaker=\"payment\",to=\"" + to + "\"} ";
  const size_t at = metrics->body.find(series);
  if (at == std::string::npos) return NotFoundError("no " + series);
  return std::stod(metrics->body.substr(at + series.size()));
}

Status Scenario::Outage(milliseconds patience) {
  const std::map<std::string, std::string> admin = {{"Authorization", "Bearer " + admin_token_}};
  CAIRN_ASSIGN_OR_RETURN(Json down, JsonOf(client_.PostJson("/simulators/payment/outage", R"({"down":true})", admin),
                                           200, "taking the payment provider down"));
  std::printf("  the payment provider goes down\n");
  std::vector<std::string> hit;
  for (const char* customer : {"grace", "heidi", "ivan"}) {
    CAIRN_ASSIGN_OR_RETURN(std::string id, Place(customer, 1500, std::string("demo-") + customer,
                                                 "ordered during the outage", "cancelled"));
    hit.push_back(id);
  }
  for (auto deadline = std::chrono::steady_clock::now() + patience;;) {
    CAIRN_ASSIGN_OR_RETURN(double opened, BreakerTransitions("open"));
    if (opened >= 1) break;
    if (std::chrono::steady_clock::now() > deadline) return InternalError("the payment breaker never opened");
    std::this_thread::sleep_for(kPollEvery);
  }
  std::printf("  the payment breaker opened: calls are refused at once instead of waiting on a dead provider\n");
  // The charges run out of attempts; each saga compensates, refunding any charge that may have gone through.
  for (const std::string& id : hit) {
    CAIRN_RETURN_IF_ERROR(SagaWhen(id, patience, [](const Json& saga) { return saga["status"] != "running"; }).status());
  }
  std::printf("  the three charges gave up; their sagas compensate\n");
  CAIRN_ASSIGN_OR_RETURN(Json up, JsonOf(client_.PostJson("/simulators/payment/outage", R"({"down":false})", admin),
                                         200, "bringing the payment provider back"));
  std::printf("  the payment provider is back\n");
  // Refunds of charges that may have gone through keep trying; one that ran
  // out of attempts waits, stuck, for the operator, who retries it.
  for (const std::string& id : hit) {
    CAIRN_ASSIGN_OR_RETURN(std::string status, Ended(id, patience));
    if (status != "stuck") continue;
    std::printf("  the operator retries the stuck saga of %s\n", id.c_str());
    CAIRN_ASSIGN_OR_RETURN(Json retried, JsonOf(client_.PostJson("/sagas/order_fulfillment." + id + "/retry", "", admin),
                                                200, "retrying " + id));
  }
  CAIRN_ASSIGN_OR_RETURN(std::string after, Place("judy", 1100, "demo-judy", "paid after the outage", "confirmed"));
  return OkStatus();
}

Result<Json> Scenario::SagaWhen(const std::string& order_id, milliseconds patience,
                                const std::function<bool(const Json&)>& reached) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  uint64_t seen = 0;  // the last global position of the timeline this client has seen
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return InternalError("the saga of " + order_id + " did not get there in time");
    const std::string poll = "/sagas/order_fulfillment." + order_id + "?after_position=" + std::to_string(seen) +
                             "&wait_ms=" + std::to_string(std::min<int64_t>(left.count(), kLongestPoll.count()));
    CAIRN_ASSIGN_OR_RETURN(Json saga, JsonOf(client_.Get(poll), 200, "following the saga of " + order_id));
    if (reached(saga)) return saga;
    if (!saga["timeline"].empty()) seen = saga["timeline"].back()["position"].get<uint64_t>();
  }
}

Result<std::string> Scenario::Ended(const std::string& order_id, milliseconds patience) {
  CAIRN_ASSIGN_OR_RETURN(Json saga, SagaWhen(order_id, patience, [](const Json& s) { return IsEnd(s["status"]); }));
  return saga["status"].get<std::string>();
}

Status Scenario::Run(milliseconds patience) {
  for (const char* customer : {"alice", "bob", "carol"}) {
    CAIRN_ASSIGN_OR_RETURN(std::string id, Place(customer, 1250, std::string("demo-") + customer, "paid", "confirmed"));
  }
  CAIRN_RETURN_IF_ERROR(Duplicate());
  CAIRN_ASSIGN_OR_RETURN(std::string dora, Place("dora", 2000, "demo-dora", "first email fails", "confirmed"));
  CAIRN_ASSIGN_OR_RETURN(std::string erin, Place("erin", 45000, "demo-erin", "declined: above the limit", "cancelled"));
  CAIRN_RETURN_IF_ERROR(CancelWhilePaying());
  // The outage comes once these orders have settled: on a busy machine their
  // sagas may still be on their way to the provider, and it would hit them too.
  for (const DemoOrder& order : orders_) CAIRN_RETURN_IF_ERROR(Ended(order.id, patience).status());
  CAIRN_RETURN_IF_ERROR(Outage(patience));
  for (const DemoOrder& order : orders_) {
    CAIRN_ASSIGN_OR_RETURN(std::string status, Ended(order.id, patience));
    if (status == "stuck") return InternalError("the saga of " + order.id + " is stuck");
  }
  // Read your writes: every order as the read model has it once it applied everything so far.
  CAIRN_ASSIGN_OR_RETURN(Json ready, JsonOf(client_.Get("/readyz"), 200, "asking whether the service is ready"));
  const std::string at = "?min_position=" + std::to_string(ready["head"].get<uint64_t>());
  for (DemoOrder& order : orders_) {
    CAIRN_ASSIGN_OR_RETURN(Json row, JsonOf(client_.Get("/orders/" + order.id + at), 200, "reading " + order.id));
    order.status = row["status"].get<std::string>();
    checks_.Expect(order.status == order.expected, order.customer + "'s order ends " + order.expected);
  }
  CAIRN_ASSIGN_OR_RETURN(double closed, BreakerTransitions("closed"));
  checks_.Expect(closed >= 1, "the payment breaker closed again after the outage");
  return OkStatus();
}

}  // namespace cairn::demo
