// Publisher: the store is the outbox. A subscriber of `$all` from a durable
// checkpoint sends each event to the topic of its category, keyed by stream id
// (one stream stays in one partition, in order), with the EventRecord bytes
// as the value and type, content type, global position, event id and
// correlation id as headers. The checkpoint only moves to the highest global
// position below which Kafka confirmed every delivery, so a restart sends
// again from there: at least once, never a skip.
//
// Started as a component, it runs on the node's Runtime and holds no thread
// while idle: new commits, delivery reports and timers wake it.
//
// A broker outage holds messages in librdkafka (they do not time out) and
// stops reading the store once max_in_flight are waiting; appends never wait
// on Kafka. A permanent delivery error stops the publisher in state kFailed
// with its checkpoint below the event that failed.
//
// Thread safety: status() and WaitForCheckpoint may be called from any thread.
#ifndef CAIRN_ENGINE_KAFKA_PUBLISHER_H_
#define CAIRN_ENGINE_KAFKA_PUBLISHER_H_

#include <chrono>
#include <memory>
#include <string>

#include "engine/kafka/kafka_options.h"
#include "engine/kafka/mock_cluster.h"
#include "engine/metrics.h"
#include "engine/service.h"

namespace cairn::kafka {

// kStoreUnavailable: reading the store failed with a code that may pass
// (Unavailable, ResourceExhausted); it reads again after a bounded back-off.
enum class PublisherState { kStarting = 0, kRunning = 1, kBrokersDown = 2, kFailed = 3, kStopped = 4, kStoreUnavailable = 5 };
std::string_view PublisherStateName(PublisherState state);

struct PublisherStatus {
  PublisherState state = PublisherState::kStarting;
  uint64_t checkpoint = 0;  // every event at or below it is confirmed by Kafka
  uint64_t head = 0;        // the store's last global position
  uint64_t published = 0;   // deliveries confirmed since the start
  std::string error;        // why, in kFailed
  uint64_t lag() const { return head > checkpoint ? head - checkpoint : 0; }
};

class Publisher final : public Component {
 public:
  // With options.brokers empty, Start() starts an embedded mock cluster.
  // `metrics` (optional, not owned) receives cairn_kafka_publisher_lag_events,
  // cairn_kafka_publisher_state and cairn_kafka_published_total.
  Publisher(EventStore& store, KafkaOptions options, MetricsRegistry* metrics = nullptr);
  ~Publisher() override;

  std::string name() const override { return "kafka publisher"; }
  // InvalidArgument for a bad librdkafka property (named).
  Status Start(Runtime& runtime) override;
  // Waits up to 10 s for outstanding deliveries, then saves the checkpoint.
  Status Stop() override;

  // The bootstrap servers in use (the mock's when embedded).
  std::string bootstrap() const;
  // The embedded mock cluster, or null with a real one.
  MockCluster* mock() const;
  PublisherStatus status() const;
  // True once the checkpoint reached `position` within `timeout`.
  bool WaitForCheckpoint(uint64_t position, std::chrono::milliseconds timeout) const;

 private:
  struct Impl;
  class Driver;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<Driver> driver_;  // while started
};

}  // namespace cairn::kafka

#endif  // CAIRN_ENGINE_KAFKA_PUBLISHER_H_
