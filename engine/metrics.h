// Metrics: counters, gauges and latency histograms in a registry that renders
// the Prometheus text exposition format (version 0.0.4).
//
// Thread safety: registering, updating a metric and rendering are safe from
// any thread at any time (the HTTP server registers a series the first time
// a route answers with a status). A registered metric's address stays valid
// for the registry's lifetime.
#ifndef CAIRN_ENGINE_METRICS_H_
#define CAIRN_ENGINE_METRICS_H_

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/status.h"

namespace cairn {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void Increment(double by = 1);  // negative amounts are ignored: counters only grow
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double by);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: the upper bounds of the buckets, increasing; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
};

// Buckets for latencies in seconds, from 50 µs to 10 s.
std::vector<double> LatencyBuckets();

class MetricsRegistry {
 public:
  // The same name may be registered with different labels; the help and the
  // kind must then agree. Registering a name and labels again returns the
  // metric already there. InvalidArgument for a name or label that the format
  // does not allow, or a name registered as another kind.
  Result<Counter*> AddCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Result<Gauge*> AddGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Result<Histogram*> AddHistogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                                  const Labels& labels = {});

  // Every family with # HELP and # TYPE, its samples one per line.
  std::string RenderPrometheus() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    Kind kind;
    std::string help;
    std::deque<Series> series;  // grows without moving what callers point into
  };
  // Under mu_.
  Result<Series*> AddSeries(const std::string& name, const std::string& help, Kind kind, const Labels& labels);

  mutable std::mutex mu_;  // guards families_ and every Series' pointers, not the metrics' values
  std::map<std::string, Family> families_;
};

}  // namespace cairn

#endif  // CAIRN_ENGINE_METRICS_H_
