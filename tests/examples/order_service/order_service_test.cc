// The order service end to end: a node with its HTTP API on loopback, driven
// by a real HTTP client. Reads your writes, bad input, idempotency across a
// restart, the operator's token, the probes and a stop with requests in flight.
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "examples/order_service/http_client.h"
#include "examples/order_service/idempotency.h"
#include "examples/order_service/node.h"
#include "tests/testing/eventually.h"
#include "tests/testing/temp_dir.h"

namespace cairn::order_service {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;
using testing::Eventually;

constexpr char kToken[] = "operator-secret";
constexpr char kOrder[] =
    R"({"customer":"c-1","currency":"EUR","lines":[{"sku":"tea","quantity":2,"unit_price":450}]})";
constexpr char kTraceparent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

class OrderServiceTest : public ::testing::Test {
 protected:
  OrderServiceTest() {
    config_.service.data_dir = dir_.Sub("data");
    config_.projections.directory = ProjectionsDirectory(config_.service.data_dir);
    config_.http.port = 0;
    config_.api.admin_token_sha256 = Sha256Hex(kToken);
    config_.api.min_position_timeout = milliseconds(300);
  }
  ~OrderServiceTest() override { StopNode(); }

  void StartNode() {
    std::promise<uint16_t> port;
    auto node = Node::Open(config_, NodeParts::kOrderService,
                           [&port](Node& running) { port.set_value(running.http()->port()); });
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    node_ = std::move(node).value();
    runner_ = std::thread([this] { exit_code_ = node_->Run(); });
    client_ = std::make_unique<HttpClient>("127.0.0.1", port.get_future().get());
  }
  // The node's exit code.
  int StopNode() {
    if (!node_) return exit_code_;
    node_->Stop();
    runner_.join();
    client_.reset();
    node_.reset();
    return exit_code_;
  }

  HttpResponse Send(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::map<std::string, std::string>& headers = {}) {
    auto response = client_->Send(method, target, body, headers);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? *response : HttpResponse{0, ""};
  }
  HttpResponse Post(const std::string& target, const std::string& body, std::map<std::string, std::string> headers = {}) {
    headers.emplace("Content-Type", "application/json");
    return Send("POST", target, body, headers);
  }
  static Json Body(const HttpResponse& response) { return Json::parse(response.body, nullptr, false); }
  std::string SagaStatus(const std::string& order_id) {
    return Body(Send("GET", "/sagas/order_fulfillment." + order_id)).value("status", "");
  }

  testing::TempDir dir_;
  NodeConfig config_;
  std::unique_ptr<Node> node_;
  std::thread runner_;
  int exit_code_ = -1;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(OrderServiceTest, APlacedOrderIsReadBackAtItsPositionWithItsEventsAndSaga) {
  StartNode();
  HttpResponse placed = Post("/orders", kOrder, {{"traceparent", kTraceparent}});
  ASSERT_EQ(placed.status, 202u) << placed.body;
  const Json answer = Body(placed);
  const std::string id = answer["order_id"];
  const uint64_t position = answer["position"];
  EXPECT_EQ(answer["saga_id"], "order_fulfillment." + id);
  EXPECT_EQ(placed.headers.at("location"), "/orders/" + id);

  // Read your writes: the read model answers once it has applied the placed event.
  HttpResponse order = Send("GET", "/orders/" + id + "?min_position=" + std::to_string(position));
  ASSERT_EQ(order.status, 200u) << order.body;
  EXPECT_GE(std::stoull(order.headers.at("x-cairn-position")), position);
  EXPECT_EQ(Body(order)["customer_id"], "c-1");
  EXPECT_EQ(Body(order)["total"], 900);

  const Json events = Body(Send("GET", "/orders/" + id + "/events"));
  ASSERT_GE(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "OrderPlaced");
  EXPECT_EQ(events[0]["metadata"]["traceparent"], kTraceparent);
  EXPECT_EQ(events[0]["data"]["customer_id"], "c-1");

  ASSERT_TRUE(Eventually([&] { return SagaStatus(id) == "completed"; }));
  // The saga's commands carry the request's trace on.
  const Json later = Body(Send("GET", "/orders/" + id + "/events"));
  EXPECT_EQ(later.back()["metadata"]["traceparent"], kTraceparent);
  const Json mine = Body(Send("GET", "/customers/c-1/orders"));
  ASSERT_EQ(mine["orders"].size(), 1u);
  EXPECT_EQ(mine["orders"][0]["order_id"], id);
  EXPECT_EQ(Send("GET", "/orders/nobody").status, 404u);
  EXPECT_EQ(Send("GET", "/sagas/order_fulfillment.nobody").status, 404u);
  EXPECT_EQ(StopNode(), 0);
}

TEST_F(OrderServiceTest, AReadAskingForAPositionNotYetAppliedWaitsBoundedThen503) {
  StartNode();
  const auto start = std::chrono::steady_clock::now();
  HttpResponse late = Send("GET", "/orders/x?min_position=1000000");
  EXPECT_EQ(late.status, 503u);
  EXPECT_EQ(late.headers.at("retry-after"), "1");
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(300));
  EXPECT_EQ(Send("GET", "/orders/x?min_position=abc").status, 400u);
  EXPECT_EQ(Send("GET", "/orders/x?min_position=-1").status, 400u);
  EXPECT_EQ(Send("GET", "/customers/c-1/orders?limit=0").status, 400u);
}

// The last global position of a saga's timeline answer.
uint64_t LastPosition(const Json& saga) { return saga["timeline"].back()["position"]; }

TEST_F(OrderServiceTest, ALongPollOnASagaAnswersWhenItMovesOrWhenItsWaitIsOver) {
  StartNode();
  // A saga not started yet may be waited for: the order comes after the poll.
  std::future<HttpResponse> first = std::async(std::launch::async, [&] {
    HttpClient client("127.0.0.1", node_->http()->port(), std::chrono::seconds(30));
    return client.Get("/sagas/order_fulfillment.o-poll?after_position=0&wait_ms=20000").value();
  });
  std::this_thread::sleep_for(milliseconds(200));  // the poll is waiting
  const auto placed_at = std::chrono::steady_clock::now();
  HttpResponse placed = Post("/orders", R"({"order_id":"o-poll",)" + std::string(kOrder).substr(1));
  ASSERT_EQ(placed.status, 202u) << placed.body;
  HttpResponse started = first.get();
  ASSERT_EQ(started.status, 200u) << started.body;
  EXPECT_LT(std::chrono::steady_clock::now() - placed_at, std::chrono::seconds(10)) << "the poll slept its wait out";

  // Each answer holds a transition past the position asked for, until the saga ends.
  Json saga = Body(started);
  for (int polls = 0; saga["status"] == "running" && polls < 20; ++polls) {
    const uint64_t seen = LastPosition(saga);
    HttpResponse next =
        Send("GET", "/sagas/order_fulfillment.o-poll?after_position=" + std::to_string(seen) + "&wait_ms=20000");
    ASSERT_EQ(next.status, 200u) << next.body;
    saga = Body(next);
    EXPECT_GT(LastPosition(saga), seen);
  }
  ASSERT_EQ(saga["status"], "completed");

  // An ended saga does not move: the poll answers the same timeline once its wait is over.
  const uint64_t last = LastPosition(saga);
  const auto asked_at = std::chrono::steady_clock::now();
  HttpResponse still = Send("GET", "/sagas/order_fulfillment.o-poll?after_position=" + std::to_string(last) +
                                       "&wait_ms=300");
  ASSERT_EQ(still.status, 200u);
  EXPECT_GE(std::chrono::steady_clock::now() - asked_at, milliseconds(300));
  EXPECT_EQ(LastPosition(Body(still)), last);
  EXPECT_EQ(Send("GET", "/sagas/order_fulfillment.o-poll?after_position=abc").status, 400u);
  EXPECT_EQ(Send("GET", "/sagas/order_fulfillment.o-poll?after_position=1&wait_ms=60001").status, 400u);
  EXPECT_EQ(Send("GET", "/sagas/order_fulfillment.nobody?after_position=0&wait_ms=100").status, 404u);

  // A stop answers a waiting poll at once instead of draining for its wait.
  std::future<HttpResponse> waiting = std::async(std::launch::async, [&, port = node_->http()->port()] {
    HttpClient client("127.0.0.1", port, std::chrono::seconds(30));
    return client.Get("/sagas/order_fulfillment.o-poll?after_position=" + std::to_string(last) + "&wait_ms=60000")
        .value();
  });
  std::this_thread::sleep_for(milliseconds(200));
  const auto stopped_at = std::chrono::steady_clock::now();
  EXPECT_EQ(StopNode(), 0);
  EXPECT_EQ(waiting.get().status, 200u);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(5));
}

TEST_F(OrderServiceTest, BadInputIsRefusedWithTheRightStatusAndWritesNothing) {
  config_.http.max_body_bytes = 1024;
  config_.http.max_header_bytes = 2048;
  StartNode();
  struct Case {
    std::string body;
    unsigned status;
    std::string names;  // in the error
  };
  const Case cases[] = {
      {"{not json", 400, "not JSON"},
      {R"({"currency":"EUR","lines":[]})", 400, "customer"},
      {R"({"customer":"c","currency":"EUR","lines":[],"coupon":"x"})", 400, "coupon"},
      {R"({"customer":7,"currency":"EUR","lines":[]})", 400, "customer"},
      {R"({"customer":"c","currency":"EUR","lines":[{"sku":"a","quantity":"2","unit_price":1}]})", 400,
       "lines[0].quantity"},
      {R"({"customer":"c","currency":"EUR","lines":[{"sku":"a","quantity":0,"unit_price":1}]})", 400, "quantity"},
      {R"({"customer":"c","currency":"EUR","lines":[]})", 400, "at least one line"},
      {std::string(2000, '['), 413, ""},
  };
  for (const Case& c : cases) {
    HttpResponse refused = Post("/orders", c.body);
    EXPECT_EQ(refused.status, c.status) << c.body.substr(0, 80) << " -> " << refused.body;
    EXPECT_NE(refused.body.find(c.names), std::string::npos) << refused.body;
  }
  EXPECT_EQ(Send("POST", "/orders", kOrder, {{"Content-Type", "text/plain"}}).status, 415u);
  EXPECT_EQ(Post("/orders", kOrder, {{"Idempotency-Key", std::string(300, 'k')}}).status, 400u);
  EXPECT_EQ(Post("/orders", kOrder, {{"X-Padding", std::string(4000, 'p')}}).status, 431u);
  EXPECT_EQ(Send("GET", "/nowhere").status, 404u);
  HttpResponse wrong_method = Send("DELETE", "/orders");
  EXPECT_EQ(wrong_method.status, 405u);
  EXPECT_EQ(wrong_method.headers.at("allow"), "POST");
  EXPECT_EQ(Post("/orders/none/cancel", "{\"reason\":5}").status, 400u);
  EXPECT_EQ(Post("/orders/none/cancel", "").status, 404u);
  EXPECT_EQ(node_->store().HeadPosition(), 0u);  // nothing of any of them was written
}

TEST_F(OrderServiceTest, AnIdempotencyKeyReturnsTheFirstAnswerEvenAfterARestart) {
  StartNode();
  HttpResponse first = Post("/orders", kOrder, {{"Idempotency-Key", "\"key-1\""}});
  ASSERT_EQ(first.status, 202u);
  HttpResponse again = Post("/orders", kOrder, {{"Idempotency-Key", "\"key-1\""}});
  EXPECT_EQ(again.status, 202u);
  EXPECT_EQ(again.headers.count("idempotent-replayed"), 1u);
  EXPECT_EQ(Body(again)["order_id"], Body(first)["order_id"]);
  EXPECT_EQ(Post("/orders", R"({"customer":"c-2","currency":"EUR","lines":[{"sku":"a","quantity":1,"unit_price":1}]})",
                 {{"Idempotency-Key", "key-1"}})
                .status,
            422u);
  const uint64_t head = node_->store().HeadPosition();
  ASSERT_EQ(StopNode(), 0);

  StartNode();  // the table of keys is gone; the stored event answers
  HttpResponse after = Post("/orders", kOrder, {{"Idempotency-Key", "key-1"}});
  EXPECT_EQ(after.status, 202u);
  EXPECT_EQ(Body(after)["order_id"], Body(first)["order_id"]);
  EXPECT_EQ(Body(after)["position"], Body(first)["position"]);
  EXPECT_EQ(Body(after)["duplicate"], true);
  EXPECT_EQ(Post("/orders", R"({"customer":"c-3","currency":"EUR","lines":[{"sku":"a","quantity":1,"unit_price":1}]})",
                 {{"Idempotency-Key", "key-1"}})
                .status,
            422u);
  EXPECT_GE(node_->store().HeadPosition(), head);
  const Json events = Body(Send("GET", "/orders/" + Body(first)["order_id"].get<std::string>() + "/events"));
  EXPECT_EQ(events[0]["type"], "OrderPlaced");
  int placed = 0;
  for (const Json& event : events) placed += event["type"] == "OrderPlaced";
  EXPECT_EQ(placed, 1);
}

TEST_F(OrderServiceTest, OperatorActionsNeedTheBearerToken) {
  StartNode();
  HttpResponse missing = Post("/sagas/order_fulfillment.x/retry", "");
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.headers.at("www-authenticate"), "Bearer");
  EXPECT_EQ(Post("/sagas/order_fulfillment.x/retry", "", {{"Authorization", "Bearer wrong"}}).status, 401u);
  EXPECT_EQ(Post("/sagas/order_fulfillment.x/retry", "", {{"Authorization", "Basic b3A6c2VjcmV0"}}).status, 401u);
  const std::map<std::string, std::string> right = {{"Authorization", std::string("Bearer ") + kToken}};
  // Past the token: the saga is not going on here.
  EXPECT_EQ(Post("/sagas/order_fulfillment.x/retry", "", right).status, 404u);
  EXPECT_EQ(Post("/projections/nothing/rebuild", "", right).status, 404u);
  ASSERT_EQ(Post("/orders", kOrder).status, 202u);
  HttpResponse rebuilt = Post("/projections/order_summary/rebuild", "", right);
  EXPECT_EQ(rebuilt.status, 200u) << rebuilt.body;
  ASSERT_TRUE(Eventually([&] { return Body(Send("GET", "/customers/c-1/orders"))["orders"].size() == 1; }));
  ASSERT_EQ(StopNode(), 0);

  config_.api.admin_token_sha256.clear();  // no token configured: every operator action is refused
  StartNode();
  EXPECT_EQ(Post("/sagas/order_fulfillment.x/retry", "", right).status, 403u);
}

TEST_F(OrderServiceTest, TheProbesAndMetricsAnswer) {
  StartNode();
  EXPECT_EQ(Send("GET", "/healthz").status, 200u);
  HttpResponse ready = Send("GET", "/readyz");
  EXPECT_EQ(ready.status, 200u) << ready.body;
  EXPECT_EQ(Body(ready)["ready"], true);
  const std::string id = Body(Post("/orders", kOrder))["order_id"];
  Send("GET", "/orders/" + id);
  const std::string metrics = Send("GET", "/metrics").body;
  EXPECT_NE(metrics.find("cairn_http_requests_total{method=\"GET\",route=\"/orders/{id}\""), std::string::npos)
      << metrics.substr(0, 2000);
  EXPECT_NE(metrics.find("cairn_commands_total"), std::string::npos);
  EXPECT_EQ(metrics.find(id), std::string::npos);  // route templates, never ids
}

TEST_F(OrderServiceTest, AStopLetsRequestsInFlightFinishAndLosesNoAcceptedOrder) {
  StartNode();
  const uint16_t port = node_->http()->port();
  std::atomic<bool> go{true};
  std::mutex mu;
  std::vector<std::string> accepted;
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client("127.0.0.1", port, std::chrono::seconds(10));
      for (int i = 0; go; ++i) {
        auto placed = client.PostJson("/orders", kOrder, {{"Idempotency-Key", std::to_string(c) + "-" + std::to_string(i)}});
        if (!placed.ok()) return;  // the server has closed
        if (placed->status == 202) {
          std::lock_guard lock(mu);
          accepted.push_back(Json::parse(placed->body)["order_id"]);
        }
      }
    });
  }
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return accepted.size() >= 50;
  }));
  node_->Stop();
  runner_.join();
  go = false;
  for (auto& client : clients) client.join();
  EXPECT_EQ(exit_code_, 0);
  // Every 202 is a durable order.
  for (const std::string& id : accepted) {
    auto placed = node_->store().ReadStream("order-" + id, {});
    ASSERT_TRUE(placed.ok()) << id;
    EXPECT_EQ(placed->front().type, "OrderPlaced");
  }
  client_.reset();
  node_.reset();
}

TEST(IdempotencyKeys, KeepAnswersForTheRetentionAndAtMostMaxKeys) {
  auto now = std::chrono::steady_clock::now();
  IdempotencyKeys keys(milliseconds(100), 3, [&now] { return now; });
  EXPECT_EQ(keys.Begin("a", "f1").seen, IdempotencyKeys::Seen::kFirst);
  EXPECT_EQ(keys.Begin("a", "f1").seen, IdempotencyKeys::Seen::kInFlight);
  EXPECT_EQ(keys.Begin("a", "f2").seen, IdempotencyKeys::Seen::kOtherRequest);
  keys.Finish("a", {202, "first"});
  auto replay = keys.Begin("a", "f1");
  EXPECT_EQ(replay.seen, IdempotencyKeys::Seen::kAnswered);
  EXPECT_EQ(replay.answer.body, "first");
  now += milliseconds(101);  // past the retention: a new request
  EXPECT_EQ(keys.Begin("a", "f2").seen, IdempotencyKeys::Seen::kFirst);
  keys.Forget("a");  // a failure a retry may mend
  EXPECT_EQ(keys.Begin("a", "f2").seen, IdempotencyKeys::Seen::kFirst);
  for (const char* key : {"b", "c", "d"}) keys.Begin(key, "f");
  EXPECT_EQ(keys.size(), 3u);  // "a", the oldest, made room
  EXPECT_EQ(keys.Begin("a", "other").seen, IdempotencyKeys::Seen::kFirst);
  EXPECT_FALSE(ParseIdempotencyKey("").ok());
  EXPECT_FALSE(ParseIdempotencyKey("bad key").ok());
  EXPECT_EQ(ParseIdempotencyKey("\"8e03978e-40d5\"").value(), "8e03978e-40d5");
}

}  // namespace
}  // namespace cairn::order_service
