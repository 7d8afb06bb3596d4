// The Prometheus text exposition format, checked line by line against its rules.
#include "engine/metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <sstream>
#include <thread>

namespace cairn {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Every line is a HELP, a TYPE or a sample; every sample's family was typed first.
void ExpectWellFormed(const std::string& text) {
  static const std::regex kHelp(R"(# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN))");
  std::string typed;
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  for (const std::string& line : Lines(text)) {
    std::smatch match;
    if (std::regex_match(line, match, kType)) {
      typed = match[1];
    } else if (std::regex_match(line, kHelp)) {
      continue;
    } else {
      ASSERT_TRUE(std::regex_match(line, match, kSample)) << "not a sample: " << line;
      EXPECT_EQ(std::string(match[1]).rfind(typed, 0), 0u) << line << " outside its family " << typed;
    }
  }
}

TEST(Metrics, CountersAndGaugesRenderWithEscapedLabels) {
  MetricsRegistry registry;
  Counter* placed = *registry.AddCounter("cairn_commands_total", "Commands handled.", {{"aggregate", "order"}});
  Counter* odd = *registry.AddCounter("cairn_commands_total", "Commands handled.", {{"aggregate", "a\"b\\c\nd"}});
  Gauge* lag = *registry.AddGauge("cairn_lag_events", "Events behind the head.\nSecond line.");
  placed->Increment();
  placed->Increment(2);
  placed->Increment(-5);  // ignored: counters only grow
  odd->Increment();
  lag->Set(0.25);
  const std::string text = registry.RenderPrometheus();
  ExpectWellFormed(text);
  EXPECT_NE(text.find("# TYPE cairn_commands_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cairn_commands_total{aggregate=\"order\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cairn_commands_total{aggregate=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# HELP cairn_lag_events Events behind the head.\\nSecond line.\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_lag_events 0.25\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("# TYPE cairn_commands_total"), text.rfind("# TYPE cairn_commands_total"));
}

TEST(Metrics, HistogramBucketsAreCumulativeAndEndInInf) {
  MetricsRegistry registry;
  Histogram* latency = *registry.AddHistogram("cairn_command_seconds", "Command latency.", {0.001, 0.01, 0.1},
                                              {{"aggregate", "order"}});
  for (double value : {0.0005, 0.001, 0.002, 0.05, 0.05, 3.0}) latency->Observe(value);
  const std::string text = registry.RenderPrometheus();
  ExpectWellFormed(text);
  EXPECT_NE(text.find("cairn_command_seconds_bucket{aggregate=\"order\",le=\"0.001\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cairn_command_seconds_bucket{aggregate=\"order\",le=\"0.01\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_command_seconds_bucket{aggregate=\"order\",le=\"0.1\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_command_seconds_bucket{aggregate=\"order\",le=\"+Inf\"} 6\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_command_seconds_count{aggregate=\"order\"} 6\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_command_seconds_sum{aggregate=\"order\"} 3.1035\n"), std::string::npos) << text;
}

TEST(Metrics, NamesLabelsAndBucketsTheFormatForbidsAreRejected) {
  MetricsRegistry registry;
  EXPECT_EQ(registry.AddCounter("9lives", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounter("has-dash", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounter("ok_name", "x", {{"__reserved", "v"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounter("ok_name", "x", {{"bad:label", "v"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h", "x", {0.1}, {{"le", "1"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h", "x", {1, 0.5}).status().code(), StatusCode::kInvalidArgument);
  Counter* first = *registry.AddCounter("ok_name", "x");
  EXPECT_EQ(*registry.AddCounter("ok_name", "x"), first);  // registering again shares the metric
  EXPECT_EQ(registry.AddGauge("ok_name", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounter("ok_name", "other help").status().code(), StatusCode::kInvalidArgument);
}

TEST(Metrics, UpdatesFromManyThreadsAreAllCounted) {
  MetricsRegistry registry;
  Counter* counter = *registry.AddCounter("hits_total", "Hits.");
  Histogram* histogram = *registry.AddHistogram("hit_seconds", "Hit latency.", LatencyBuckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter->Increment();
        histogram->Observe(0.001);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter->value(), 40000);
  EXPECT_EQ(histogram->Read().count, 40000u);
}

// The HTTP server registers a series the first time a route answers with a
// status, from whichever thread answers, while /metrics renders.
TEST(Metrics, RegisteringFromManyThreadsWhileRenderingLosesNoSeries) {
  MetricsRegistry registry;
  std::atomic<bool> done{false};
  std::thread renderer([&] {
    while (!done) registry.RenderPrometheus();
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&registry, t] {
      for (int i = 0; i < 500; ++i) {
        const Labels labels{{"status", std::to_string(i)}};
        (*registry.AddCounter("requests_total", "Requests.", labels))->Increment();
        (*registry.AddHistogram("family_" + std::to_string(t) + "_" + std::to_string(i % 50) + "_seconds", "Latency.",
                                LatencyBuckets(), labels))
            ->Observe(0.001);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  done = true;
  renderer.join();
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ((*registry.AddCounter("requests_total", "Requests.", {{"status", std::to_string(i)}}))->value(), 4) << i;
  }
  const std::string text = registry.RenderPrometheus();
  ExpectWellFormed(text);
  size_t families = 0;
  for (const std::string& line : Lines(text)) families += line.rfind("# TYPE family_", 0) == 0;
  EXPECT_EQ(families, 4u * 50);
}

}  // namespace
}  // namespace cairn
