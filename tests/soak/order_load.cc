#include "tests/soak/order_load.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>

#include "examples/order_service/http_client.h"

namespace cairn::soak {
namespace {

using Json = nlohmann::json;

// One in ten orders is above the provider's limit of 50,000 (declined).
std::string OrderBody(std::mt19937& random) {
  const bool large = random() % 10 == 0;
  Json lines = Json::array();
  for (unsigned n = 1 + random() % 3; n > 0; --n) {
    lines.push_back({{"sku", "sku-" + std::to_string(random() % 50)},
                     {"quantity", 1 + random() % 3},
                     {"unit_price", large ? 30000 : 100 + random() % 2000}});
  }
  return Json{{"customer", "c-" + std::to_string(random() % 40)}, {"currency", "EUR"}, {"lines", lines}}.dump();
}

}  // namespace

OrderLoad::OrderLoad(uint16_t port, int clients, int orders_per_second, unsigned seed)
    : port_(port), clients_(clients), orders_per_second_(orders_per_second), seed_(seed) {}

OrderLoad::~OrderLoad() { Stop(); }

void OrderLoad::Start() {
  for (int c = 0; c < clients_; ++c) threads_.emplace_back([this, c] { Client(c); });
}

void OrderLoad::Stop() {
  stop_ = true;
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void OrderLoad::Client(int client) {
  std::mt19937 random(seed_ * 100 + client);
  order_service::HttpClient http("127.0.0.1", port_, std::chrono::seconds(10));
  const auto period = std::chrono::microseconds(1'000'000LL * clients_ / orders_per_second_);
  auto next = std::chrono::steady_clock::now();
  for (int i = 0; !stop_; ++i) {
    next = std::max(next + period, std::chrono::steady_clock::now());  // no burst to catch up
    std::this_thread::sleep_until(next);
    SentOrder order{"soak-" + std::to_string(seed_) + "-" + std::to_string(client) + "-" + std::to_string(i),
                    OrderBody(random), ""};
    auto placed = http.PostJson("/orders", order.body, {{"Idempotency-Key", order.key}});
    if (placed.ok() && placed->status == 202) {
      order.order_id = Json::parse(placed->body).value("order_id", "");
      ++accepted_;
      if (random() % 10 == 0) {  // the customer changes their mind while the saga runs
        auto cancelled = http.PostJson("/orders/" + order.order_id + "/cancel", R"({"reason":"changed my mind"})");
        cancels_ += cancelled.ok() && cancelled->status / 100 == 2;
      }
    } else if (!placed.ok()) {
      // Down or killed: wait for it a little instead of spinning on refusals.
      next = std::max(next, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
    }
    std::lock_guard lock(mu_);
    sent_.push_back(std::move(order));
  }
}

}  // namespace cairn::soak
