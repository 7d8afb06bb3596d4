// Sagas end to end: orders placed through HandleAsync, the fulfillment saga
// run by the orchestrator to its end (charge, confirm, mail), against
// appending the same events asynchronously with as many in flight.
#ifndef CAIRN_BENCH_SAGAS_BENCH_H_
#define CAIRN_BENCH_SAGAS_BENCH_H_

#include <chrono>
#include <string>

#include "bench/throughput.h"

namespace cairn::bench {

struct SagasCase {
  uint64_t sagas = 20000;
  int in_flight = 200;
  std::chrono::milliseconds gateway_latency{0};
};

// Sagas completed per second (Sync durability); the baseline replays, saga
// by saga and `in_flight` sagas at a time, the appends the sagas made.
Result<CaseResult> RunSagasCase(const SagasCase& sagas, const std::string& work_dir);

struct SagaLatency {
  double rate = 0;  // sagas started per second
  double p50_ms = 0, p99_ms = 0;
  uint64_t sagas = 0;
};
// From order placed to saga completed, with orders placed at `per_second`
// for `seconds`.
Result<SagaLatency> RunSagaLatency(double per_second, int seconds, const std::string& work_dir);

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_SAGAS_BENCH_H_
