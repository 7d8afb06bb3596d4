// The order service killed with SIGKILL under load, many times: every order
// that got a 202 survives, reaches a final state, and a retry with its
// Idempotency-Key returns the same order without placing another.
#include <signal.h>

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "examples/order_service/http_client.h"
#include "store/event_store.h"
#include "tests/testing/eventually.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace cairn::order_service {
namespace {

using Json = nlohmann::json;
using testing::Eventually;

struct Sent {
  std::string key;
  std::string body;
  std::string order_id;  // empty: no answer came before the kill
};

std::string OrderBody(int client, int i) {
  return Json{{"customer", "c-" + std::to_string(client)},
              {"currency", "EUR"},
              {"lines", Json::array({{{"sku", "sku-" + std::to_string(i % 7)}, {"quantity", 1 + i % 3}, {"unit_price", 100 + i}}})}}
      .dump();
}

class OrderServiceCrashTest : public ::testing::Test {
 protected:
  std::unique_ptr<testing::Child> StartService() {
    auto child = std::make_unique<testing::Child>(
        ORDER_SERVICE_PATH, std::vector<std::string>{},
        std::vector<std::string>{"CAIRN_DATA_DIR=" + dir_.Sub("data"), "CAIRN_HTTP_PORT=0", "CAIRN_LOG_LEVEL=warn"});
    std::string out;
    EXPECT_TRUE(Eventually([&] {
      out = child->Stdout();
      return out.find("listening on http://127.0.0.1:") != std::string::npos && out.find('\n', out.rfind("listening")) != std::string::npos;
    })) << child->Stderr();
    const size_t at = out.rfind(':') + 1;
    port_ = static_cast<uint16_t>(std::stoi(out.substr(at, out.find('\n', at) - at)));
    return child;
  }

  testing::TempDir dir_;
  uint16_t port_ = 0;
};

TEST_F(OrderServiceCrashTest, EveryAcceptedOrderSurvivesSigkillAndItsRetryReturnsIt) {
  constexpr int kCycles = 8;
  constexpr int kClients = 4;
  std::mutex mu;
  std::vector<Sent> sent;
  std::mt19937 random(7);
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    auto service = StartService();
    std::atomic<bool> killed{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c, port = port_] {
        HttpClient client("127.0.0.1", port, std::chrono::seconds(5));
        for (int i = 0; !killed; ++i) {
          Sent order{"k" + std::to_string(cycle) + "-" + std::to_string(c) + "-" + std::to_string(i), OrderBody(c, i), ""};
          auto placed = client.PostJson("/orders", order.body, {{"Idempotency-Key", order.key}});
          if (placed.ok() && placed->status == 202) order.order_id = Json::parse(placed->body)["order_id"];
          std::lock_guard lock(mu);
          sent.push_back(order);
          if (!placed.ok()) return;
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + random() % 400));  // load for a while
    service->Stop(SIGKILL);
    killed = true;
    for (auto& client : clients) client.join();
  }

  auto service = StartService();
  HttpClient client("127.0.0.1", port_);
  size_t accepted = 0;
  for (const Sent& order : sent) {
    // A retry with the same key: the same order for one that was accepted;
    // for one whose answer the kill swallowed, the order now exists once.
    auto retried = client.PostJson("/orders", order.body, {{"Idempotency-Key", order.key}});
    ASSERT_TRUE(retried.ok());
    ASSERT_EQ(retried->status, 202u) << retried->body;
    if (order.order_id.empty()) continue;
    ++accepted;
    EXPECT_EQ(Json::parse(retried->body)["order_id"], order.order_id);
  }
  ASSERT_GT(accepted, 100u);
  for (const Sent& order : sent) {
    if (order.order_id.empty()) continue;
    ASSERT_TRUE(Eventually([&] {
      auto saga = client.Get("/sagas/order_fulfillment." + order.order_id);
      return saga.ok() && saga->status == 200 && Json::parse(saga->body)["status"] == "completed";
    }, std::chrono::seconds(60))) << order.order_id;
  }
  EXPECT_EQ(service->Stop(SIGTERM), 0);

  auto store = OpenEventStore(dir_.Sub("data"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Verify({}).ok());
  for (const Sent& order : sent) {
    if (order.order_id.empty()) continue;
    auto events = (*store)->ReadStream("order-" + order.order_id, {});
    ASSERT_TRUE(events.ok());
    int placed = 0;
    for (const RecordedEvent& event : *events) placed += event.type == "OrderPlaced";
    EXPECT_EQ(placed, 1) << order.order_id;
  }
}

}  // namespace
}  // namespace cairn::order_service
