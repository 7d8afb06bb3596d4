// PaymentGateway: the port through which the shop charges customers and
// refunds them at an outside payment provider, and the simulator that Cairn
// ships in its place. The calls are asynchronous, as a provider's are: a
// saga waiting for an answer holds no thread.
//
// The simulator has what a real provider has: the charge id is the
// idempotency key (a repeated charge gets the first answer and charges
// nothing more), configurable latency and outages, and a ledger of what it
// actually did, kept in a file when asked, so that tests and the demo can
// check that no order was charged twice and no refund exceeded its charge.
//
// Thread safety: any thread.
#ifndef CAIRN_EXAMPLES_COMMERCE_PAYMENT_GATEWAY_H_
#define CAIRN_EXAMPLES_COMMERCE_PAYMENT_GATEWAY_H_

// <utility> first: Boost 1.74's Asio misses it under C++20.
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>

#include "store/status.h"

namespace cairn::commerce {

struct GatewayCharge {
  std::string charge_id;  // also the idempotency key
  std::string order_id;
  std::string customer_id;
  int64_t amount = 0;
  std::string currency;
};

struct GatewayDecision {
  bool approved = false;
  std::string reference;  // the provider's id when approved
  std::string reason;     // why not, when declined
};

struct GatewayRefund {
  std::string charge_id;
  std::string refund_id;  // the idempotency key of the refund
};

struct RefundReceipt {
  // False: nothing was charged under the id. The provider voids it, so a
  // charge that arrives later is declined rather than taken.
  bool refunded = false;
  int64_t amount = 0;
};

class PaymentGateway {
 public:
  using ChargeDone = std::function<void(Result<GatewayDecision>)>;
  using RefundDone = std::function<void(Result<RefundReceipt>)>;
  virtual ~PaymentGateway() = default;
  // A decision, or Unavailable when the provider could not be reached.
  // `done` is called once, on `executor`.
  virtual void Charge(const GatewayCharge& charge, boost::asio::any_io_executor executor, ChargeDone done) = 0;
  virtual void Refund(const GatewayRefund& refund, boost::asio::any_io_executor executor, RefundDone done) = 0;
};

struct SimulatedGatewayRules {
  // Decline charges above this amount (minor units); 0: no limit.
  int64_t decline_above = 0;
  // Decline every charge of these customers.
  std::set<std::string> declined_customers;
  // Percent of calls that find the provider unavailable, at random.
  int fail_percent = 0;
  // How long every call takes.
  std::chrono::milliseconds latency{0};
  // When set, the ledger lives in this file (JSON lines) and is read back on
  // open, so that it outlives the process.
  std::string ledger_path;
};

// What the provider did with one charge id.
struct LedgerEntry {
  std::string order_id;
  enum class State { kCharged, kDeclined, kVoid, kRefunded } state = State::kCharged;
  int64_t amount = 0;
  int64_t refunded = 0;
  int charges = 0;  // times money was taken under this id: never more than 1
};

class SimulatedPaymentGateway final : public PaymentGateway {
 public:
  explicit SimulatedPaymentGateway(SimulatedGatewayRules rules);
  // Reads the ledger file back; InvalidArgument for a file it cannot read.
  Status Open();

  void Charge(const GatewayCharge& charge, boost::asio::any_io_executor executor, ChargeDone done) override;
  void Refund(const GatewayRefund& refund, boost::asio::any_io_executor executor, RefundDone done) override;

  // While down, every call is Unavailable (for the circuit breaker).
  void SetOutage(bool down) { outage_ = down; }
  std::map<std::string, LedgerEntry> Ledger() const;

 private:
  bool Fails();
  Result<GatewayDecision> ApplyCharge(const GatewayCharge& charge);
  Result<RefundReceipt> ApplyRefund(const GatewayRefund& refund);
  // Holding mu_: one line of the ledger file.
  void Write(const std::string& line);

  const SimulatedGatewayRules rules_;
  std::atomic<bool> outage_{false};
  mutable std::mutex mu_;
  std::map<std::string, LedgerEntry> ledger_;  // by charge id
  std::set<std::string> refund_ids_;
  std::mt19937 random_{std::random_device{}()};
};

// Runs `call(done)` after `latency` on `executor`: how the simulators answer
// later without holding a thread.
void AnswerLater(boost::asio::any_io_executor executor, std::chrono::milliseconds latency, std::function<void()> answer);

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_PAYMENT_GATEWAY_H_
