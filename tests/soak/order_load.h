// OrderLoad: clients placing orders over HTTP through every kill, each with
// its own Idempotency-Key, at a bounded rate. Some orders are too large for
// the payment provider (their sagas compensate) and some are cancelled by the
// customer right after they were placed. It remembers every order it sent,
// with the order id when a 202 came back.
#ifndef CAIRN_TESTS_SOAK_ORDER_LOAD_H_
#define CAIRN_TESTS_SOAK_ORDER_LOAD_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cairn::soak {

struct SentOrder {
  std::string key;  // its Idempotency-Key
  std::string body;
  std::string order_id;  // empty: no 202 came back (the service was down or killed)
};

class OrderLoad {
 public:
  OrderLoad(uint16_t port, int clients, int orders_per_second, unsigned seed);
  ~OrderLoad();  // stops

  void Start();
  void Stop();
  // After Stop().
  const std::vector<SentOrder>& sent() const { return sent_; }
  uint64_t accepted() const { return accepted_; }
  uint64_t cancels() const { return cancels_; }

 private:
  void Client(int client);

  const uint16_t port_;
  const int clients_;
  const int orders_per_second_;
  const unsigned seed_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> accepted_{0}, cancels_{0};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::vector<SentOrder> sent_;
};

}  // namespace cairn::soak

#endif  // CAIRN_TESTS_SOAK_ORDER_LOAD_H_
