// The mail webhook against a real HTTP receiver on loopback.
#include "examples/commerce/webhook_channel.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace cairn::commerce {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// Answers each request with the next scripted status (200 when none is
// left); 0 holds the connection without answering.
class Receiver {
 public:
  explicit Receiver(std::vector<unsigned> statuses) : statuses_(statuses.begin(), statuses.end()) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { Serve(); });
  }
  // A blocking accept wakes only for a connection: stop, then knock.
  ~Receiver() {
    stopping_ = true;
    boost::asio::io_context io;
    tcp::socket knock(io);
    beast::error_code ignored;
    knock.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/mail"; }
  std::vector<http::request<http::string_body>> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    for (;;) {
      tcp::socket socket(io_);
      beast::error_code error;
      acceptor_.accept(socket, error);
      if (error || stopping_) return;
      beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, error);
      if (error) continue;
      unsigned status = 200;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(request);
        if (!statuses_.empty()) {
          status = statuses_.front();
          statuses_.pop_front();
        }
      }
      if (status == 0) {
        held_.push_back(std::move(socket));
        continue;
      }
      http::response<http::string_body> response(static_cast<http::status>(status), 11);
      response.prepare_payload();
      http::write(socket, response, error);
    }
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::mutex mu_;
  std::deque<unsigned> statuses_;
  std::vector<http::request<http::string_body>> requests_;
  std::vector<tcp::socket> held_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

Status Deliver(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(2)) {
  boost::asio::io_context io;
  WebhookNotificationChannel channel(ParseWebhookUrl(url).value(), timeout);
  Status outcome = InternalError("no answer");
  channel.Deliver({"n-1", "ada@example.com", "order-confirmed", "o-1", 2}, io.get_executor(),
                  [&](Status delivered) { outcome = delivered; });
  io.run();
  return outcome;
}

TEST(WebhookChannel, PostsTheNotificationAsJsonWithItsIdempotencyKey) {
  Receiver receiver({200});
  ASSERT_TRUE(Deliver(receiver.url()).ok());
  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method(), http::verb::post);
  EXPECT_EQ(requests[0].target(), "/mail");
  EXPECT_EQ(requests[0]["Idempotency-Key"], "n-1");
  EXPECT_EQ(requests[0][http::field::content_type], "application/json");
  auto body = nlohmann::json::parse(requests[0].body());
  EXPECT_EQ(body["notification_id"], "n-1");
  EXPECT_EQ(body["recipient"], "ada@example.com");
  EXPECT_EQ(body["attempt"], 2);
}

TEST(WebhookChannel, AnErrorStatusARefusalAndSilenceAreUnavailable) {
  Receiver receiver({503, 0});
  Status refused = Deliver(receiver.url());
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find("503"), std::string::npos) << refused.message();
  const auto before = std::chrono::steady_clock::now();
  Status silent = Deliver(receiver.url(), std::chrono::milliseconds(200));
  EXPECT_EQ(silent.code(), StatusCode::kUnavailable);
  EXPECT_NE(silent.message().find("within 200 ms"), std::string::npos) << silent.message();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
  Status nobody = Deliver("http://127.0.0.1:1/mail");
  EXPECT_EQ(nobody.code(), StatusCode::kUnavailable);
  EXPECT_NE(nobody.message().find("cannot connect"), std::string::npos) << nobody.message();
}

TEST(WebhookChannel, OnlyHttpUrlsWithAHostAndPortAreTaken) {
  EXPECT_TRUE(ParseWebhookUrl("http://mail.internal:8025/hooks/mail").ok());
  EXPECT_EQ(ParseWebhookUrl("http://mail.internal/x")->port, "80");
  for (const char* bad : {"https://x:1/", "ftp://x", "http://:80/", "http://x:99999/", "http://x:abc/"}) {
    EXPECT_EQ(ParseWebhookUrl(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace cairn::commerce
