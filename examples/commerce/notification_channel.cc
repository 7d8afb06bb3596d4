#include "examples/commerce/notification_channel.h"

#include "examples/commerce/payment_gateway.h"

namespace cairn::commerce {

Status SimulatedNotificationChannel::Deliver(const OutgoingNotification& notification) {
  if (rules_.failing_recipients.count(notification.recipient)) {
    return UnavailableError("mailbox " + notification.recipient + " rejected the message");
  }
  if (notification.attempt <= rules_.failing_attempts) {
    return UnavailableError("mail server timed out on attempt " + std::to_string(notification.attempt));
  }
  if (StablePercentile(notification.notification_id + "#" + std::to_string(notification.attempt)) <
      rules_.fail_percent) {
    return UnavailableError("mail server refused attempt " + std::to_string(notification.attempt));
  }
  return OkStatus();
}

}  // namespace cairn::commerce
