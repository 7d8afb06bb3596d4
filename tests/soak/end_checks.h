// What the chaos soak checks once the chaos stopped: every acknowledged write
// is in its store, the stores verify, every read model equals a fresh
// rebuild, every saga ended completed or compensated, and the payment
// provider took no charge twice. Each failed check is a mismatch, said on
// stderr and counted.
#ifndef CAIRN_TESTS_SOAK_END_CHECKS_H_
#define CAIRN_TESTS_SOAK_END_CHECKS_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "store/status.h"
#include "tests/soak/order_load.h"
#include "tests/testing/acknowledged.h"

namespace cairn::soak {

class Mismatches {
 public:
  void Add(const std::string& what);
  uint64_t count() const { return count_; }

 private:
  uint64_t count_ = 0;
};

// Sends every order again with its Idempotency-Key: 202 and the same order
// for one that was accepted; one whose answer a kill swallowed gets its id
// filled in. Returns the order ids.
std::vector<std::string> RetryEveryOrder(uint16_t port, std::vector<SentOrder> sent, Mismatches& mismatches);

// Waits, with a deadline, until the service's store holds a saga for every
// order and none is still running, then until the publisher and every
// store-fed read model are at the store's head.
Status WaitUntilSettled(const std::string& data_dir, const std::vector<std::string>& order_ids,
                        std::chrono::seconds timeout);

// Saga instances by shown status ("completed", ...).
using SagaCounts = std::map<std::string, uint64_t>;
// In the stopped service's store: each order placed once; each saga ended
// completed, compensated or cancelled by the customer; the provider's ledger
// took no charge twice, kept the charge of every completed order and kept
// none of the others.
SagaCounts CheckOrdersAndSagas(const std::string& data_dir, const std::string& ledger,
                               const std::vector<std::string>& order_ids, Mismatches& mismatches);

// `cairn verify` on a stopped store exits 0.
void CheckVerifies(const std::string& data_dir, Mismatches& mismatches);
// Every event the appender acknowledged is in its store, where it said.
void CheckAppended(const std::string& data_dir, const std::vector<testing::Acknowledged>& appended,
                   Mismatches& mismatches);

}  // namespace cairn::soak

#endif  // CAIRN_TESTS_SOAK_END_CHECKS_H_
