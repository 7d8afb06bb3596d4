// NotificationChannel: the port through which notifications leave the shop
// (an email service), asynchronous as a provider's calls are. Two
// implementations: the simulator, for tests and benchmarks, and a file
// channel that writes each delivery as a JSON line. Each delivers a
// notification id once: a repeated delivery of an id already delivered
// sends nothing more.
//
// Thread safety: any thread.
#ifndef CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_CHANNEL_H_
#define CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_CHANNEL_H_

// <utility> first: Boost 1.74's Asio misses it under C++20.
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "store/status.h"

namespace cairn::commerce {

struct OutgoingNotification {
  std::string notification_id;  // the idempotency key
  std::string recipient;
  std::string template_name;
  std::string order_id;
  int attempt = 1;
};

class NotificationChannel {
 public:
  using Done = std::function<void(Status)>;
  virtual ~NotificationChannel() = default;
  // OK once delivered; Unavailable when this attempt failed (its message is
  // recorded). `done` is called once, on `executor`.
  virtual void Deliver(const OutgoingNotification& notification, boost::asio::any_io_executor executor, Done done) = 0;
};

struct SimulatedChannelRules {
  // Every attempt to these recipients fails.
  std::set<std::string> failing_recipients;
  // The first this-many attempts of every notification fail.
  int failing_attempts = 0;
  // The first attempt of every notification to these recipients fails; the retry goes through.
  std::set<std::string> flaky_recipients;
  // Percent of attempts that fail, at random.
  int fail_percent = 0;
  std::chrono::milliseconds latency{0};
};

class SimulatedNotificationChannel final : public NotificationChannel {
 public:
  explicit SimulatedNotificationChannel(SimulatedChannelRules rules) : rules_(std::move(rules)) {}
  void Deliver(const OutgoingNotification& notification, boost::asio::any_io_executor executor, Done done) override;
  // What was sent, in order: each notification id at most once.
  std::vector<OutgoingNotification> Sent() const;

 private:
  const SimulatedChannelRules rules_;
  mutable std::mutex mu_;
  std::map<std::string, int> attempts_;
  std::vector<OutgoingNotification> sent_;
  std::set<std::string> sent_ids_;
  std::mt19937 random_{std::random_device{}()};
};

// Appends {"notification_id", "recipient", "template", "order_id"} lines to
// a file; the ids already in it are not written again.
class FileNotificationChannel final : public NotificationChannel {
 public:
  explicit FileNotificationChannel(std::string path);
  void Deliver(const OutgoingNotification& notification, boost::asio::any_io_executor executor, Done done) override;

 private:
  const std::string path_;
  std::mutex mu_;
  std::set<std::string> sent_ids_;
  bool loaded_ = false;
};

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_CHANNEL_H_
