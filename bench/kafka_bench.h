// Kafka fan-out benchmarks: publish throughput against a raw librdkafka
// producer sending the same messages, and append-to-consume latency against
// raw produce-to-consume latency, all in this process on the mock cluster.
#ifndef CAIRN_BENCH_KAFKA_BENCH_H_
#define CAIRN_BENCH_KAFKA_BENCH_H_

#include <string>

#include "bench/throughput.h"

namespace cairn::bench {

Result<CaseResult> RunPublishCase(uint64_t events, const std::string& work_dir);

struct LatencyResult {
  uint64_t events = 0;
  int rate = 0;                       // events per second offered
  double baseline_p50_ms = 0, baseline_p99_ms = 0;  // raw produce to consume
  double cairn_p50_ms = 0, cairn_p99_ms = 0;        // append to consume
};
Result<LatencyResult> RunLatencyCase(int rate, int seconds, const std::string& work_dir);

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_KAFKA_BENCH_H_
