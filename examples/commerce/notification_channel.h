// NotificationChannel: the port through which notifications leave the shop
// (an email service), and a deterministic simulator for tests and benchmarks.
#ifndef CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_CHANNEL_H_
#define CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_CHANNEL_H_

#include <set>
#include <string>

#include "store/status.h"

namespace cairn::commerce {

struct OutgoingNotification {
  std::string notification_id;
  std::string recipient;
  std::string template_name;
  std::string order_id;
  int attempt = 1;
};

class NotificationChannel {
 public:
  virtual ~NotificationChannel() = default;
  // OK once delivered; an error (its message is recorded) when this attempt failed.
  virtual Status Deliver(const OutgoingNotification& notification) = 0;
};

struct SimulatedChannelRules {
  // Every attempt to these recipients fails.
  std::set<std::string> failing_recipients;
  // The first this-many attempts of every notification fail.
  int failing_attempts = 0;
  // Percent of attempts (chosen by notification id and attempt) that fail.
  int fail_percent = 0;
};

class SimulatedNotificationChannel final : public NotificationChannel {
 public:
  explicit SimulatedNotificationChannel(SimulatedChannelRules rules) : rules_(std::move(rules)) {}
  Status Deliver(const OutgoingNotification& notification) override;

 private:
  SimulatedChannelRules rules_;
};

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_CHANNEL_H_
