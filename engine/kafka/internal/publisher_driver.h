// Publisher::Driver: runs the publisher on a Runtime, holding no thread
// while there is nothing to do. It is woken by the store's commit
// notification (new events), by librdkafka's main queue through a pipe
// (delivery reports, broker errors) and by its timer (back-off, a checkpoint
// save that is due). Each step — serve the queue, hand what was read to
// librdkafka, read the next page, save the checkpoint when due — runs on the
// blocking pool, one at a time, as the old publishing thread did; the strand
// only decides when the next step runs.
#ifndef CAIRN_ENGINE_KAFKA_INTERNAL_PUBLISHER_DRIVER_H_
#define CAIRN_ENGINE_KAFKA_INTERNAL_PUBLISHER_DRIVER_H_

// <utility> first: Boost 1.74's Asio misses it under C++20.
#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "engine/backoff.h"
#include "engine/component_driver.h"
#include "engine/kafka/internal/publisher_impl.h"

namespace cairn::kafka {

class Publisher::Driver final : public ComponentDriver {
 public:
  Driver(Impl& impl, Runtime& runtime);

  void Begin();

 private:
  // Why a step stopped.
  enum class Outcome {
    kMore,        // it ran out of its budget: step again
    kDeliveries,  // Kafka holds max_in_flight, or librdkafka's queue is full
    kHead,        // everything in the store is handed over
    kFailed,      // the publisher failed: only deliveries still count
  };

  void OnEnd() override;
  void Step();
  // The step itself, on the blocking pool.
  Result<Outcome> Work();
  void OnStep(Result<Outcome> outcome);
  void WaitForEvents();
  void WaitForHead();
  // A wake-up: a step now, or right after the one in progress.
  void Wake();

  Impl& impl_;
  boost::asio::posix::stream_descriptor events_;
  Backoff backoff_{std::chrono::milliseconds(10), std::chrono::seconds(1)};  // reads of a store that is away

  // The steps' own (one at a time).
  uint64_t read_;                     // the last global position read
  std::vector<std::string> pending_;  // read, not yet handed to librdkafka
  size_t next_ = 0;                   // the first of pending_ not handed over
  std::chrono::steady_clock::time_point last_save_ = std::chrono::steady_clock::now();
  bool saving_failed_ = false;  // said once, not at every interval

  // The strand's.
  bool watching_ = false;           // waiting on the pipe
  bool waiting_for_head_ = false;
  bool again_ = false;              // woken while a step ran
};

}  // namespace cairn::kafka

#endif  // CAIRN_ENGINE_KAFKA_INTERNAL_PUBLISHER_DRIVER_H_
