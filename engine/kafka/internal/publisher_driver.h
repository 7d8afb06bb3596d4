// Publisher::Driver: runs the publisher's steps on a Runtime, holding no
// thread while there is nothing to do. It is woken by the store's commit
// notification (new events), by librdkafka's main queue through a pipe
// (delivery reports, broker errors), and by timers (checkpoint saves,
// back-off). Page reads and checkpoint saves block, so they run on the
// blocking pool; everything else happens on the driver's strand.
#ifndef CAIRN_ENGINE_KAFKA_INTERNAL_PUBLISHER_DRIVER_H_
#define CAIRN_ENGINE_KAFKA_INTERNAL_PUBLISHER_DRIVER_H_

// <utility> first: Boost 1.74's Asio misses it under C++20.
#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "engine/backoff.h"
#include "engine/kafka/internal/publisher_impl.h"

namespace cairn::kafka {

class Publisher::Driver : public std::enable_shared_from_this<Driver> {
 public:
  Driver(Impl& impl, Runtime& runtime);

  void Begin();
  // From outside the strand. Once it returns no step runs or will run, and
  // the driver no longer touches `impl`.
  void End();

 private:
  void WaitForEvents();
  void ServeEvents();
  // Produces what was read; reads the next page when there is room.
  void Pump();
  void WaitForHead(uint64_t position);
  void OnPage(Result<std::vector<std::string>> page);
  void ScheduleSave();
  void OnSaved(const Status& saved);
  void EndIfIdle();

  Impl& impl_;
  Runtime& runtime_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::posix::stream_descriptor events_;
  boost::asio::steady_timer save_timer_;
  boost::asio::steady_timer backoff_timer_;
  Backoff backoff_{std::chrono::milliseconds(10), std::chrono::seconds(1)};  // reads of a store that is away

  std::vector<std::string> pending_;  // read, not yet handed to librdkafka
  size_t next_ = 0;                   // the first of pending_ not handed over
  bool reading_ = false;              // a page read is on the blocking pool
  bool saving_ = false;               // a checkpoint save is on the blocking pool
  bool waiting_for_head_ = false;
  bool backing_off_ = false;
  bool saving_failed_ = false;  // said once, not at every interval
  bool stopping_ = false;
  std::promise<void>* ended_ = nullptr;
};

}  // namespace cairn::kafka

#endif  // CAIRN_ENGINE_KAFKA_INTERNAL_PUBLISHER_DRIVER_H_
