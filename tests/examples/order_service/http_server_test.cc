// The HTTP server over real sockets on loopback: routing, the limits, the
// deadlines, the connection limit, the metrics and a graceful stop.
#include "examples/order_service/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <future>
#include <thread>

namespace cairn::order_service {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options, &metrics_);
    server_->Route("GET", "/orders/{id}", [](const HttpRequest& request, Responder respond) {
      respond({200, "{\"id\":\"" + request.params.at("id") + "\"}"});
    });
    server_->Route("POST", "/orders", [](const HttpRequest& request, Responder respond) {
      // Answers from another thread, as a handler waiting for an append does.
      std::thread([body = request.body, respond] { respond({202, body}); }).detach();
    });
    server_->Route("GET", "/slow",
                   [this](const HttpRequest&, Responder respond) { slow_.set_value(std::move(respond)); });
    ASSERT_TRUE(server_->Start(runtime_).ok());
  }
  void TearDown() override {
    if (server_) {
      EXPECT_TRUE(server_->Stop().ok());
    }
    runtime_.Stop();
  }

  tcp::socket Connect() {
    tcp::socket socket(io_);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
    return socket;
  }
  http::response<http::string_body> Send(http::request<http::string_body> request) {
    tcp::socket socket = Connect();
    request.set(http::field::host, "127.0.0.1");
    request.prepare_payload();
    http::write(socket, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    return response;
  }
  http::response<http::string_body> Get(const std::string& target) { return Send({http::verb::get, target, 11}); }
  // True when the server closed the connection within `within`.
  static bool ClosedWithin(tcp::socket& socket, std::chrono::milliseconds within) {
    auto closed = std::async(std::launch::async, [&socket] {
      char byte;
      beast::error_code error;
      while (!error) boost::asio::read(socket, boost::asio::buffer(&byte, 1), error);
      return true;
    });
    return closed.wait_for(within) == std::future_status::ready;
  }

  Runtime runtime_{2, 1};
  boost::asio::io_context io_;
  MetricsRegistry metrics_;
  std::unique_ptr<HttpServer> server_;
  std::promise<Responder> slow_;  // the /slow request's responder, handed to the test's thread
};

TEST_F(HttpServerTest, RoutesWithParametersAndAnswersFromAnyThread) {
  Start();
  auto got = Get("/orders/o-42?min_position=7");
  EXPECT_EQ(got.result_int(), 200u);
  EXPECT_EQ(got.body(), "{\"id\":\"o-42\"}");
  http::request<http::string_body> post{http::verb::post, "/orders", 11};
  post.body() = "{\"customer\":\"c-1\"}";
  auto posted = Send(post);
  EXPECT_EQ(posted.result_int(), 202u);
  EXPECT_EQ(posted.body(), "{\"customer\":\"c-1\"}");
}

TEST_F(HttpServerTest, UnknownPathsAre404AndOtherMethods405WithAllow) {
  Start();
  auto missing = Get("/shipments/1");
  EXPECT_EQ(missing.result_int(), 404u);
  EXPECT_NE(missing.body().find("no route"), std::string::npos);
  auto wrong = Send({http::verb::delete_, "/orders/o-1", 11});
  EXPECT_EQ(wrong.result_int(), 405u);
  EXPECT_EQ(wrong[http::field::allow], "GET");
  EXPECT_EQ(Get("/orders/").result_int(), 404u);  // an empty id is no id
}

TEST_F(HttpServerTest, OversizedHeadersAre431AndBodies413) {
  Start({.max_header_bytes = 1024, .max_body_bytes = 100});
  http::request<http::string_body> big_header{http::verb::get, "/orders/o-1", 11};
  big_header.set("X-Padding", std::string(2000, 'x'));
  EXPECT_EQ(Send(big_header).result_int(), 431u);
  http::request<http::string_body> big_body{http::verb::post, "/orders", 11};
  big_body.body() = std::string(101, 'x');
  EXPECT_EQ(Send(big_body).result_int(), 413u);
}

TEST_F(HttpServerTest, ASlowHeaderOrBodyIsCutOff) {
  Start({.header_timeout = std::chrono::milliseconds(200), .body_timeout = std::chrono::milliseconds(200)});
  tcp::socket half_header = Connect();
  boost::asio::write(half_header, boost::asio::buffer(std::string("GET /orders/o-1 HTTP/1.1\r\nHost: x\r\n")));
  EXPECT_TRUE(ClosedWithin(half_header, std::chrono::seconds(3)));
  tcp::socket half_body = Connect();
  boost::asio::write(half_body, boost::asio::buffer(std::string(
                                    "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"partial\":")));
  EXPECT_TRUE(ClosedWithin(half_body, std::chrono::seconds(3)));
}

TEST_F(HttpServerTest, PastTheConnectionLimitANewConnectionGets503WithRetryAfter) {
  Start({.max_connections = 2});
  tcp::socket first = Connect(), second = Connect();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // both admitted before the third
  auto refused = Get("/orders/o-1");
  EXPECT_EQ(refused.result_int(), 503u);
  EXPECT_EQ(refused[http::field::retry_after], "1");
}

TEST_F(HttpServerTest, MetricsNameRouteTemplatesNeverIds) {
  Start();
  Get("/orders/o-1");
  Get("/orders/o-2");
  Get("/nowhere");
  const std::string text = metrics_.RenderPrometheus();
  EXPECT_NE(text.find("cairn_http_requests_total{method=\"GET\",route=\"/orders/{id}\",status=\"200\"} 2"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("o-1"), std::string::npos);
  EXPECT_NE(text.find("cairn_http_request_seconds_count{route=\"/orders/{id}\"} 2"), std::string::npos);
}

TEST_F(HttpServerTest, RequestsAnsweredAtOnceOnSeveralThreadsAreEachCountedOnce) {
  // The first requests of a series race to register it; none may go uncounted.
  Start();
  constexpr int kClients = 8, kEach = 25;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([this] {
      for (int i = 0; i < kEach; ++i) Get("/orders/o-" + std::to_string(i));
    });
  }
  for (auto& client : clients) client.join();
  const std::string text = metrics_.RenderPrometheus();
  const std::string total = std::to_string(kClients * kEach);
  EXPECT_NE(text.find("cairn_http_requests_total{method=\"GET\",route=\"/orders/{id}\",status=\"200\"} " + total),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cairn_http_request_seconds_count{route=\"/orders/{id}\"} " + total), std::string::npos);
}

TEST_F(HttpServerTest, StopLetsTheRequestInFlightFinish) {
  Start();
  auto answer = std::async(std::launch::async, [this] { return Get("/slow"); });
  Responder slow = slow_.get_future().get();
  auto stopped = std::async(std::launch::async, [this] { return server_->Stop(); });
  EXPECT_EQ(stopped.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);  // waits for it
  slow({200, "{\"late\":true}"});
  EXPECT_TRUE(stopped.get().ok());
  auto response = answer.get();
  EXPECT_EQ(response.body(), "{\"late\":true}");
  EXPECT_FALSE(response.keep_alive());
  server_.reset();
}

}  // namespace
}  // namespace cairn::order_service
