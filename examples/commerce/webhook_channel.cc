#include "examples/commerce/webhook_channel.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <nlohmann/json.hpp>

namespace cairn::commerce {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// One POST: resolve, connect, write, read; the stream's deadline covers all of it.
class Post : public std::enable_shared_from_this<Post> {
 public:
  Post(boost::asio::any_io_executor executor, const WebhookAddress& address, std::chrono::milliseconds timeout,
       std::string body, const std::string& idempotency_key, NotificationChannel::Done done)
      : resolver_(executor), stream_(executor), timeout_(timeout), done_(std::move(done)) {
    request_.method(http::verb::post);
    request_.target(address.path);
    request_.set(http::field::host, address.host + ":" + address.port);
    request_.set(http::field::content_type, "application/json");
    request_.set("Idempotency-Key", idempotency_key);
    request_.body() = std::move(body);
    request_.prepare_payload();
  }

  void Start(const WebhookAddress& address) {
    stream_.expires_after(timeout_);
    resolver_.async_resolve(address.host, address.port,
                            [self = shared_from_this()](beast::error_code error, tcp::resolver::results_type found) {
                              if (error) return self->Fail("cannot resolve the webhook", error);
                              self->stream_.async_connect(found, [self](beast::error_code e, const tcp::endpoint&) {
                                if (e) return self->Fail("cannot connect to the webhook", e);
                                self->Write();
                              });
                            });
  }

 private:
  void Write() {
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code error, size_t) {
      if (error) return self->Fail("cannot send to the webhook", error);
      http::async_read(self->stream_, self->buffer_, self->response_, [self](beast::error_code e, size_t) {
        if (e) return self->Fail("no answer from the webhook", e);
        self->Answered();
      });
    });
  }

  void Answered() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    const unsigned status = response_.result_int();
    if (status >= 200 && status < 300) return done_(OkStatus());
    done_(UnavailableError("the webhook answered " + std::to_string(status)));
  }

  void Fail(const char* what, const beast::error_code& error) {
    const bool timed_out = error == beast::error::timeout;
    done_(UnavailableError(std::string(what) + ": " +
                           (timed_out ? "no answer within " + std::to_string(timeout_.count()) + " ms" : error.message())));
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  std::chrono::milliseconds timeout_;
  NotificationChannel::Done done_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  beast::flat_buffer buffer_;
};

}  // namespace

Result<WebhookAddress> ParseWebhookUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return InvalidArgumentError("webhook " + url + " must start with http://");
  const std::string rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  WebhookAddress address;
  address.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = authority.rfind(':');
  address.host = colon == std::string::npos ? authority : authority.substr(0, colon);
  address.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  const bool port_ok = !address.port.empty() && address.port.size() <= 5 &&
                       address.port.find_first_not_of("0123456789") == std::string::npos &&
                       std::stoi(address.port) > 0 && std::stoi(address.port) < 65536;
  if (address.host.empty() || !port_ok) return InvalidArgumentError("webhook " + url + " needs a host and a port");
  return address;
}

void WebhookNotificationChannel::Deliver(const OutgoingNotification& notification,
                                         boost::asio::any_io_executor executor, Done done) {
  const std::string body = nlohmann::json{{"notification_id", notification.notification_id},
                                          {"recipient", notification.recipient},
                                          {"template", notification.template_name},
                                          {"order_id", notification.order_id},
                                          {"attempt", notification.attempt}}
                               .dump();
  std::make_shared<Post>(executor, address_, timeout_, body, notification.notification_id, std::move(done))
      ->Start(address_);
}

}  // namespace cairn::commerce
