// The notification aggregate (stream notification-<id>): an email about an
// order, queued once and delivered with retries. The channel is called by
// the fulfillment saga, never from Decide.
//
// Rules: SendNotification queues it (the same content again changes nothing).
// Each DeliverNotification records one attempt through the channel:
// NotificationSent, or NotificationFailed with the attempt and the error.
// After `max_attempts` failures the notification gives up; a sent or given-up
// notification takes no more attempts.
#ifndef CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_H_
#define CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_H_

#include "engine/aggregate.h"
#include "examples/commerce/proto/notification.pb.h"

namespace cairn::commerce {

class Notification {
 public:
  using State = NotificationState;
  using Command = NotificationCommand;
  static constexpr std::string_view kCategory = "notification";

  explicit Notification(int max_attempts) : max_attempts_(max_attempts) {}

  Result<Events> Decide(const State& state, const Command& command) const;
  void Evolve(State& state, const google::protobuf::Message& event) const;
  static const std::string& IdOf(const Command& command);
  // Sending a notification starts its stream: decided without a load (StartsStreams).
  static bool StartsStream(const Command& command) { return command.has_send(); }

 private:
  int max_attempts_;
};

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_NOTIFICATION_H_
