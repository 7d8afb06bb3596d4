// KafkaProjectionRunner: feeds a projector from Kafka instead of the store,
// as a consumer-group member. The offsets of every partition it holds and the
// last version of every stream are written in the same transaction as the
// read-model changes: a restart resumes exactly after what was applied, and
// the publisher's redeliveries are dropped by (stream, version). Failing
// events are parked. There is no checkpoint: global positions arrive out of
// order, so no position marks "everything below is applied". The model is
// recorded as fed by kafka:<group>, and the store-fed runner refuses it.
//
// A stream whose next event skips versions lost the ones between in Kafka
// (retention deleted them before the model read them): the runner fails
// with DataLoss, naming the rebuild, and the node stops rather than keep a
// read model with a hole in it.
//
// When a rebuild swaps in a new generation (built from the store, with the
// stream versions it applied and no offsets), the runner follows it and reads
// every partition again from its start, dropping what the rebuild applied.
//
// Started as a component, it runs on the node's Runtime: it waits for
// librdkafka's queue through a pipe on the io_context, holding no thread,
// and polls and applies on the blocking pool.
//
// Events of one stream arrive in order; events of different streams may not
// come in global order, so the projector must not depend on that.
#ifndef CAIRN_PROJECTIONS_KAFKA_KAFKA_RUNNER_H_
#define CAIRN_PROJECTIONS_KAFKA_KAFKA_RUNNER_H_

#include <chrono>
#include <memory>
#include <string>

#include "engine/kafka/consumer_feed.h"
#include "engine/service.h"
#include "projections/projector.h"

namespace cairn::projections {

struct KafkaRunnerOptions {
  std::string directory;  // where the read-model files live
  kafka::ConsumerOptions consumer;
  size_t batch_size = 500;
  int retries = 2;
};

class KafkaProjectionRunner final : public Component, private kafka::OffsetKeeper {
 public:
  KafkaProjectionRunner(Projector& projector, KafkaRunnerOptions options);
  ~KafkaProjectionRunner() override;

  std::string name() const override { return "kafka projection " + projector_.name(); }
  Status Start(Runtime& runtime) override;
  Status Stop() override;

  // Opens the read model and joins the group (tools, tests).
  Status Open();
  // Applies the next events from Kafka, waiting up to `wait`; how many it took.
  Result<size_t> RunOnce(std::chrono::milliseconds wait);
  // Events of its types applied since the start (repeats not counted).
  uint64_t applied() const;

 private:
  std::optional<int64_t> NextOffset(const std::string& topic, int32_t partition) override;
  // Joins the group when it is not a member (at Open, and after a failed batch).
  Status EnsureFeed();

  struct Impl;
  class Driver;
  Projector& projector_;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<Driver> driver_;  // while started
};

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_KAFKA_KAFKA_RUNNER_H_
