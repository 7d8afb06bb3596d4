// WebhookNotificationChannel: mail handed to an outside service over HTTP.
// Each delivery POSTs the notification as JSON to the webhook, with the
// notification id as the Idempotency-Key header, and waits at most
// `timeout` for a 2xx. Anything else (a refused connection, a timeout, a
// 5xx or 4xx) is Unavailable with what happened, for the saga to retry and
// the mail breaker to count.
//
// Thread safety: any thread; each delivery has its own connection.
#ifndef CAIRN_EXAMPLES_COMMERCE_WEBHOOK_CHANNEL_H_
#define CAIRN_EXAMPLES_COMMERCE_WEBHOOK_CHANNEL_H_

#include <chrono>
#include <string>

#include "examples/commerce/notification_channel.h"

namespace cairn::commerce {

struct WebhookAddress {
  std::string host;
  std::string port;
  std::string path;
};
// "http://host:port/path" (https is not spoken); InvalidArgument otherwise.
Result<WebhookAddress> ParseWebhookUrl(const std::string& url);

class WebhookNotificationChannel final : public NotificationChannel {
 public:
  WebhookNotificationChannel(WebhookAddress address, std::chrono::milliseconds timeout)
      : address_(std::move(address)), timeout_(timeout) {}
  void Deliver(const OutgoingNotification& notification, boost::asio::any_io_executor executor, Done done) override;

 private:
  const WebhookAddress address_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_WEBHOOK_CHANNEL_H_
