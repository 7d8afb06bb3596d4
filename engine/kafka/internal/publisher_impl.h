// Publisher's state, shared by its steps (publisher.cc) and the driver that
// runs them on a Runtime (publisher_driver.cc).
#ifndef CAIRN_ENGINE_KAFKA_INTERNAL_PUBLISHER_IMPL_H_
#define CAIRN_ENGINE_KAFKA_INTERNAL_PUBLISHER_IMPL_H_

#include <librdkafka/rdkafka.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/event_pipe.h"
#include "engine/kafka/internal/delivery_window.h"
#include "engine/kafka/publisher.h"

namespace cairn::kafka {

struct Publisher::Impl {
  static constexpr size_t kPageSize = 1000;  // records read at a time

  Impl(Publisher& p, EventStore& s, KafkaOptions o, MetricsRegistry* metrics);
  ~Impl();

  Status CreateProducer();
  // Hands one record to librdkafka: ResourceExhausted when its queue is full
  // (deliveries make room). The first record of a topic waits for the
  // topic's partitions (a step on the blocking pool may wait).
  Status Produce(std::string_view record);
  void PrepareTopic(const std::string& topic);
  void OnDelivered(uint64_t position, rd_kafka_resp_err_t error);
  void OnError(int error, const char* reason);
  void Publish();  // the confirmed position and counters, to readers and metrics
  Status SaveCheckpoint();
  // Moves to `next` unless failed; with `only_from`, only out of that state.
  void SetState(PublisherState next, const std::string& why = "", std::optional<PublisherState> only_from = {});
  bool failed() const;
  // The confirmed position moved past the one last saved.
  bool checkpoint_unsaved() const;

  Publisher& self;  // says how it is, as a Component
  EventStore& store;
  KafkaOptions options;
  std::unique_ptr<MockCluster> mock;
  std::string bootstrap;
  rd_kafka_t* producer = nullptr;
  // librdkafka writes to it when its main queue (delivery reports, errors)
  // has something to serve; it closes after ~Impl destroyed the producer.
  std::unique_ptr<EventPipe> events;

  // The driver's steps' (one at a time): what was sent and is not yet confirmed.
  internal::DeliveryWindow window{0};
  std::string last_category, last_topic;  // most events go where the one before went
  std::set<std::string> known_topics;

  // Shared with readers of status().
  mutable std::mutex mu;
  mutable std::condition_variable progressed;
  PublisherState state = PublisherState::kStarting;
  uint64_t confirmed = 0;  // the checkpoint
  uint64_t saved = 0;      // the checkpoint as stored
  uint64_t published = 0;
  std::string error;

  Gauge* lag_gauge = nullptr;
  Gauge* state_gauge = nullptr;
  Counter* published_total = nullptr;
};

}  // namespace cairn::kafka

#endif  // CAIRN_ENGINE_KAFKA_INTERNAL_PUBLISHER_IMPL_H_
