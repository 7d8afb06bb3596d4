#include "examples/commerce/notification_channel.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "examples/commerce/line_file.h"
#include "examples/commerce/payment_gateway.h"

namespace cairn::commerce {

void SimulatedNotificationChannel::Deliver(const OutgoingNotification& notification,
                                           boost::asio::any_io_executor executor, Done done) {
  Status outcome = OkStatus();
  {
    std::lock_guard lock(mu_);
    const int attempt = ++attempts_[notification.notification_id];
    if (sent_ids_.count(notification.notification_id)) {
      outcome = OkStatus();  // delivered before: not sent again
    } else if (rules_.failing_recipients.count(notification.recipient)) {
      outcome = UnavailableError("mailbox " + notification.recipient + " rejected the message");
    } else if (attempt <= rules_.failing_attempts || (attempt == 1 && rules_.flaky_recipients.count(notification.recipient))) {
      outcome = UnavailableError("mail server timed out on attempt " + std::to_string(attempt));
    } else if (std::uniform_int_distribution<int>(0, 99)(random_) < rules_.fail_percent) {
      outcome = UnavailableError("mail server refused attempt " + std::to_string(attempt));
    } else {
      sent_ids_.insert(notification.notification_id);
      sent_.push_back(notification);
    }
  }
  AnswerLater(executor, rules_.latency, [outcome, done = std::move(done)] { done(outcome); });
}

std::vector<OutgoingNotification> SimulatedNotificationChannel::Sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

FileNotificationChannel::FileNotificationChannel(std::string path) : path_(std::move(path)) {}

void FileNotificationChannel::Deliver(const OutgoingNotification& notification, boost::asio::any_io_executor executor,
                                      Done done) {
  Status outcome = OkStatus();
  {
    std::lock_guard lock(mu_);
    if (!loaded_) {
      Result<std::vector<std::string>> lines = ReadWholeLines(path_);
      if (lines.ok()) {
        for (const std::string& line : *lines) {
          nlohmann::json sent = nlohmann::json::parse(line, nullptr, false);
          if (sent.is_object()) sent_ids_.insert(sent.value("notification_id", ""));
        }
        loaded_ = true;
      } else {
        outcome = lines.status();
      }
    }
    if (loaded_ && !sent_ids_.count(notification.notification_id)) {
      std::ofstream out(path_, std::ios::app);
      out << nlohmann::json{{"notification_id", notification.notification_id},
                            {"recipient", notification.recipient},
                            {"template", notification.template_name},
                            {"order_id", notification.order_id}}
                 .dump()
          << '\n';
      out.flush();
      if (out) {
        sent_ids_.insert(notification.notification_id);
      } else {
        outcome = UnavailableError("cannot write the mail file " + path_);
      }
    }
  }
  AnswerLater(executor, std::chrono::milliseconds(0), [outcome, done = std::move(done)] { done(outcome); });
}

}  // namespace cairn::commerce
