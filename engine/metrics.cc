#include "engine/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cairn {
namespace {

bool NameStart(char c, bool colon) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (colon && c == ':'); }
bool NameRest(char c, bool colon) { return NameStart(c, colon) || std::isdigit(static_cast<unsigned char>(c)); }

bool ValidName(const std::string& name, bool colon) {
  return !name.empty() && NameStart(name[0], colon) &&
         std::all_of(name.begin() + 1, name.end(), [&](char c) { return NameRest(c, colon); });
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return std::to_string(static_cast<int64_t>(value));
  // The shortest text that reads back as the same double.
  char text[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

std::string EscapeHelp(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string EscapeLabelValue(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// {a="1",b="2"} with `extra` (the histogram's le) last; empty when there are no labels.
std::string RenderLabels(const Labels& labels, const std::string& extra = "") {
  std::string out;
  for (const auto& [name, value] : labels) {
    out += out.empty() ? "{" : ",";
    out += name + "=\"" + EscapeLabelValue(value) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "{" : ",") + extra;
  return out.empty() ? out : out + "}";
}

void AtomicAdd(std::atomic<double>& target, double by) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
  }
}

}  // namespace

void Counter::Increment(double by) {
  if (by > 0) AtomicAdd(value_, by);
}

void Gauge::Add(double by) { AtomicAdd(value_, by); }

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  std::lock_guard lock(mu_);
  ++counts_[bucket];
  sum_ += value;
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.bounds = bounds_;
  std::lock_guard lock(mu_);
  uint64_t running = 0;
  for (uint64_t count : counts_) snapshot.cumulative.push_back(running += count);
  snapshot.sum = sum_;
  snapshot.count = running;
  return snapshot;
}

std::vector<double> LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Result<MetricsRegistry::Series*> MetricsRegistry::AddSeries(const std::string& name, const std::string& help, Kind kind,
                                                            const Labels& labels) {
  if (!ValidName(name, true)) return InvalidArgumentError("metric name '" + name + "' is not allowed");
  for (const auto& [label, value] : labels) {
    if (!ValidName(label, false) || label.rfind("__", 0) == 0 || (kind == Kind::kHistogram && label == "le")) {
      return InvalidArgumentError("label name '" + label + "' of " + name + " is not allowed");
    }
  }
  auto [it, inserted] = families_.try_emplace(name, Family{kind, help, {}});
  Family& family = it->second;
  if (!inserted && (family.kind != kind || family.help != help)) {
    return InvalidArgumentError("metric " + name + " is registered with another kind or help");
  }
  for (Series& series : family.series) {
    if (series.labels == labels) return &series;
  }
  family.series.push_back(Series{labels, nullptr, nullptr, nullptr});
  return &family.series.back();
}

Result<Counter*> MetricsRegistry::AddCounter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(Series* series, AddSeries(name, help, Kind::kCounter, labels));
  if (!series->counter) series->counter = std::make_unique<Counter>();
  return series->counter.get();
}

Result<Gauge*> MetricsRegistry::AddGauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(Series* series, AddSeries(name, help, Kind::kGauge, labels));
  if (!series->gauge) series->gauge = std::make_unique<Gauge>();
  return series->gauge.get();
}

Result<Histogram*> MetricsRegistry::AddHistogram(const std::string& name, const std::string& help,
                                                 std::vector<double> bounds, const Labels& labels) {
  if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end()) {
    return InvalidArgumentError("buckets of " + name + " must be increasing");
  }
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(Series* series, AddSeries(name, help, Kind::kHistogram, labels));
  if (!series->histogram) series->histogram = std::make_unique<Histogram>(std::move(bounds));
  return series->histogram.get();
}

std::string MetricsRegistry::RenderPrometheus() const {
  static constexpr const char* kKindNames[] = {"counter", "gauge", "histogram"};
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + EscapeHelp(family.help) + "\n";
    out += "# TYPE " + name + " " + kKindNames[static_cast<int>(family.kind)] + "\n";
    for (const Series& series : family.series) {
      if (series.counter) out += name + RenderLabels(series.labels) + " " + FormatValue(series.counter->value()) + "\n";
      if (series.gauge) out += name + RenderLabels(series.labels) + " " + FormatValue(series.gauge->value()) + "\n";
      if (series.histogram) {
        Histogram::Snapshot snapshot = series.histogram->Read();
        for (size_t i = 0; i <= snapshot.bounds.size(); ++i) {
          const std::string le = i < snapshot.bounds.size() ? FormatValue(snapshot.bounds[i]) : "+Inf";
          out += name + "_bucket" + RenderLabels(series.labels, "le=\"" + le + "\"") + " " +
                 std::to_string(snapshot.cumulative[i]) + "\n";
        }
        out += name + "_sum" + RenderLabels(series.labels) + " " + FormatValue(snapshot.sum) + "\n";
        out += name + "_count" + RenderLabels(series.labels) + " " + std::to_string(snapshot.count) + "\n";
      }
    }
  }
  return out;
}

}  // namespace cairn
