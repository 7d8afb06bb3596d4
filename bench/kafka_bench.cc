#include "bench/kafka_bench.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "bench/workload.h"
#include "engine/kafka/publisher.h"
#include "store/event_record.h"

namespace cairn::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

rd_kafka_t* NewClient(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& properties,
                      void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*), void* opaque) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [name, value] : properties) rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error));
  if (on_delivery) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_t* client = rd_kafka_new(type, conf, error, sizeof(error));
  if (client == nullptr) rd_kafka_conf_destroy(conf);
  return client;
}

// The producer settings the publisher uses.
std::vector<std::pair<std::string, std::string>> ProducerProperties(const std::string& bootstrap) {
  return {{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"acks", "all"},
          {"message.timeout.ms", "0"},      {"linger.ms", "5"},             {"queue.buffering.max.messages", "200000"}};
}

// Sends `events` as the publisher would (key, value, headers) and waits for
// every delivery report; returns messages per second.
double RawProduce(const std::string& bootstrap, const std::string& topic, const std::vector<RecordedEvent>& events) {
  std::atomic<uint64_t> delivered{0};
  rd_kafka_t* producer = NewClient(
      RD_KAFKA_PRODUCER, ProducerProperties(bootstrap),
      [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++*static_cast<std::atomic<uint64_t>*>(opaque);
      },
      &delivered);
  if (producer == nullptr) return 0;
  const auto start = Clock::now();
  for (const RecordedEvent& event : events) {
    const std::string value = EncodeEventRecord(event);
    const std::string position = std::to_string(event.position);
    const std::string id = event.event_id.ToString();
    while (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                             RD_KAFKA_V_KEY(event.stream.data(), event.stream.size()),
                             RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_HEADER("type", event.type.data(), static_cast<ssize_t>(event.type.size())),
                             RD_KAFKA_V_HEADER("content_type", event.content_type.data(),
                                               static_cast<ssize_t>(event.content_type.size())),
                             RD_KAFKA_V_HEADER("position", position.data(), static_cast<ssize_t>(position.size())),
                             RD_KAFKA_V_HEADER("event_id", id.data(), static_cast<ssize_t>(id.size())),
                             RD_KAFKA_V_HEADER("correlation_id", "", 0), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer, 10);
    }
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 60000);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  rd_kafka_destroy(producer);
  return delivered == events.size() ? events.size() / seconds : 0;
}

// A consumer of `topic` from its end; records, for each message, now minus
// the time `sent_at` reads from it.
class LatencyProbe {
 public:
  LatencyProbe(const std::string& bootstrap, const std::string& topic, std::function<int64_t(const rd_kafka_message_t*)> sent_at)
      : sent_at_(std::move(sent_at)) {
    consumer_ = NewClient(RD_KAFKA_CONSUMER,
                          {{"bootstrap.servers", bootstrap}, {"group.id", "latency-probe"}, {"fetch.wait.max.ms", "5"},
                           {"enable.auto.commit", "false"}},
                          nullptr, nullptr);
    rd_kafka_topic_partition_list_t* all = rd_kafka_topic_partition_list_new(4);
    for (int p = 0; p < 4; ++p) rd_kafka_topic_partition_list_add(all, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_END;
    rd_kafka_assign(consumer_, all);
    rd_kafka_topic_partition_list_destroy(all);
    thread_ = std::thread([this] {
      while (!stop_) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, 20);
        if (m == nullptr) continue;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          const int64_t sent = sent_at_(m);
          std::lock_guard lock(mu_);
          if (sent > 0) latencies_ms_.push_back((NowMicros() - sent) / 1000.0);
        }
        rd_kafka_message_destroy(m);
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the assignment settle at the end
  }
  ~LatencyProbe() {
    stop_ = true;
    thread_.join();
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
  }
  size_t received() {
    std::lock_guard lock(mu_);
    return latencies_ms_.size();
  }
  LatencyPercentiles Percentiles() {
    std::lock_guard lock(mu_);
    return bench::Percentiles(latencies_ms_);
  }

 private:
  std::function<int64_t(const rd_kafka_message_t*)> sent_at_;
  rd_kafka_t* consumer_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<double> latencies_ms_;
};

bool WaitFor(LatencyProbe& probe, size_t count) {
  const auto give_up = Clock::now() + std::chrono::seconds(30);
  while (probe.received() < count && Clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return probe.received() >= count;
}

}  // namespace

Result<CaseResult> RunPublishCase(uint64_t events, const std::string& work_dir) {
  CaseResult result;
  result.name = "publish to Kafka (mock cluster)";
  result.durability = "buffered";
  result.clients = 1;
  result.batch = 1;
  result.events = events;
  result.baseline = "raw librdkafka producer, same messages and settings (idempotent, acks=all)";
  const std::string dir = work_dir + "/publish";
  fs::remove_all(dir);
  {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenEventStore(dir, {.durability = Durability::kBuffered}));
    CAIRN_RETURN_IF_ERROR(AppendWorkload(*store, MakeWorkload(events), 0, events, 1000, 1));
    std::vector<RecordedEvent> recorded;
    for (uint64_t next = 1; next <= events;) {
      CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> page, store->ReadAll(next, 10000));
      if (page.empty()) break;
      next = page.back().position + 1;
      for (auto& event : page) recorded.push_back(std::move(event));
    }
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<kafka::MockCluster> mock, kafka::MockCluster::Start(1));
    CAIRN_RETURN_IF_ERROR(mock->CreateTopic("raw.bench", 4));
    CAIRN_RETURN_IF_ERROR(mock->CreateTopic("cairn.bench", 4));
    result.baseline_events_per_s = RawProduce(mock->bootstrap(), "raw.bench", recorded);

    Runtime runtime;
    kafka::Publisher publisher(*store, {.brokers = mock->bootstrap()});
    const auto start = Clock::now();
    CAIRN_RETURN_IF_ERROR(publisher.Start(runtime));
    if (!publisher.WaitForCheckpoint(events, std::chrono::seconds(300))) return InternalError("the publisher fell behind");
    result.cairn_events_per_s = events / std::chrono::duration<double>(Clock::now() - start).count();
    CAIRN_RETURN_IF_ERROR(publisher.Stop());
  }
  fs::remove_all(dir);
  return result;
}

Result<LatencyResult> RunLatencyCase(int rate, int seconds, const std::string& work_dir) {
  LatencyResult result;
  result.rate = rate;
  result.events = static_cast<uint64_t>(rate) * seconds;
  const std::string dir = work_dir + "/latency";
  fs::remove_all(dir);
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<kafka::MockCluster> mock, kafka::MockCluster::Start(1));
  CAIRN_RETURN_IF_ERROR(mock->CreateTopic("raw.bench", 4));
  CAIRN_RETURN_IF_ERROR(mock->CreateTopic("cairn.bench", 4));
  const Workload workload = MakeWorkload(1000);
  {
    // Baseline: the send time rides in the message value.
    rd_kafka_t* producer = NewClient(RD_KAFKA_PRODUCER, ProducerProperties(mock->bootstrap()), nullptr, nullptr);
    if (producer == nullptr) return InternalError("cannot create a producer");
    // Warm up (connections, producer id, topic metadata) before measuring, as the publisher does.
    const int64_t zero = 0;
    rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("raw.bench"), RD_KAFKA_V_VALUE(const_cast<int64_t*>(&zero), 0),
                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    rd_kafka_flush(producer, 10000);
    LatencyProbe probe(mock->bootstrap(), "raw.bench", [](const rd_kafka_message_t* m) {
      return m->len == 8 ? *static_cast<const int64_t*>(m->payload) : 0;
    });
    std::atomic<bool> polling{true};
    std::thread poller([&] {
      while (polling) rd_kafka_poll(producer, 5);
    });
    Paced(rate, seconds, [&](int i) {
      const int64_t now = NowMicros();
      const std::string& key = workload.streams[i % 1000];
      rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("raw.bench"), RD_KAFKA_V_KEY(key.data(), key.size()),
                        RD_KAFKA_V_VALUE(const_cast<int64_t*>(&now), sizeof(now)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_END);
    });
    WaitFor(probe, result.events);
    polling = false;
    poller.join();
    rd_kafka_flush(producer, 10000);
    rd_kafka_destroy(producer);
    const LatencyPercentiles latency = probe.Percentiles();
    result.baseline_p50_ms = latency.p50;
    result.baseline_p99_ms = latency.p99;
  }
  {
    // Cairn: append to the store, the publisher sends, the probe reads recorded_at.
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenEventStore(dir, {}));
    Runtime runtime;
    kafka::Publisher publisher(*store, {.brokers = mock->bootstrap()});
    CAIRN_RETURN_IF_ERROR(publisher.Start(runtime));
    CAIRN_RETURN_IF_ERROR(store->Append("bench-warmup", ExpectedVersion::Any(), {workload.events[0]}).status());
    if (!publisher.WaitForCheckpoint(1, std::chrono::seconds(10))) return InternalError("the publisher did not start");
    LatencyProbe probe(mock->bootstrap(), "cairn.bench", [](const rd_kafka_message_t* m) -> int64_t {
      auto event = DecodeEventRecord(std::string_view(static_cast<const char*>(m->payload), m->len));
      return event.ok() ? event->recorded_at_us : 0;
    });
    Status appended = OkStatus();
    Paced(rate, seconds, [&](int i) {
      EventData event = workload.events[i % 1000];
      event.event_id = std::nullopt;  // a new event each time, not a retry
      if (appended.ok()) appended = store->Append(workload.streams[i % 1000], ExpectedVersion::Any(), {event}).status();
    });
    CAIRN_RETURN_IF_ERROR(appended);
    WaitFor(probe, result.events);
    const LatencyPercentiles latency = probe.Percentiles();
    result.cairn_p50_ms = latency.p50;
    result.cairn_p99_ms = latency.p99;
    CAIRN_RETURN_IF_ERROR(publisher.Stop());
  }
  fs::remove_all(dir);
  return result;
}

}  // namespace cairn::bench
