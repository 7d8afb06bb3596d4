// The order service end to end over HTTP: POST /orders on keep-alive
// connections to a node on loopback (Sync durability, with its publisher,
// read models and sagas running), against the same PlaceOrder commands
// through HandleAsync in process, as many in flight, in the same run.
#ifndef CAIRN_BENCH_HTTP_BENCH_H_
#define CAIRN_BENCH_HTTP_BENCH_H_

#include <cstdint>
#include <string>

#include "examples/order_service/node_config.h"
#include "store/status.h"

namespace cairn::bench {

struct HttpCase {
  uint64_t orders = 20000;
  int connections = 64;
  size_t saga_appends_in_flight = order_service::kSagaAppendsInFlight;
};

struct HttpResult {
  uint64_t orders = 0;
  int connections = 0;
  double accepted_per_s = 0;   // 202s per second over HTTP
  double p50_ms = 0, p99_ms = 0;  // request sent to 202 read
  double in_process_per_s = 0;    // HandleAsync, as many in flight, no HTTP
  double ratio() const { return in_process_per_s > 0 ? accepted_per_s / in_process_per_s : 0; }
  double sagas_per_s = 0;      // sagas completed per second, from the first order to the last saga's end
  double saga_drain_s = 0;     // how long the last saga ended after the last order was accepted
};

Result<HttpResult> RunHttpCase(const HttpCase& c, const std::string& work_dir);

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_HTTP_BENCH_H_
