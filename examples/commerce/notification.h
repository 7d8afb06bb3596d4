// The notification aggregate (stream notification-<id>): an email about an
// order, queued once and delivered with retries.
//
// Rules: SendNotification queues it (the same content again changes nothing).
// Each DeliverNotification is one attempt through the channel: it records
// NotificationSent, or NotificationFailed with the attempt and the error.
// After `max_attempts` failures the notification gives up; a sent or given-up
// notification takes no more attempts.
#ifndef CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_H_
#define CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_H_

#include "engine/aggregate.h"
#include "examples/commerce/notification_channel.h"
#include "examples/commerce/proto/notification.pb.h"

namespace cairn::commerce {

class Notification {
 public:
  using State = NotificationState;
  using Command = NotificationCommand;
  static constexpr std::string_view kCategory = "notification";

  Notification(NotificationChannel& channel, int max_attempts) : channel_(channel), max_attempts_(max_attempts) {}

  Result<Events> Decide(const State& state, const Command& command) const;
  void Evolve(State& state, const google::protobuf::Message& event) const;
  static const std::string& IdOf(const Command& command);

 private:
  NotificationChannel& channel_;
  int max_attempts_;
};

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_H_
