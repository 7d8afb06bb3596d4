#include "bench/http_bench.h"

// <utility> first: Boost 1.74's Asio misses it under C++20.
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "bench/commands.h"
#include "bench/workload.h"
#include "examples/order_service/node.h"

namespace cairn::bench {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string OrderBody(uint64_t i) {
  return R"({"order_id":"h-)" + std::to_string(i) +
         R"(","customer":"c-7","currency":"EUR","lines":[{"sku":"sku-0","quantity":1,"unit_price":450},)"
         R"({"sku":"sku-1","quantity":2,"unit_price":900},{"sku":"sku-2","quantity":3,"unit_price":1350}]})";
}

// Keeps one request outstanding on each of `connections` keep-alive
// connections from one thread, until `total` orders have been answered.
class Load {
 public:
  Load(uint16_t port, uint64_t total, int connections) : port_(port), total_(total), connections_(connections) {}

  Status Run() {
    for (int i = 0; i < connections_; ++i) {
      auto connection = std::make_shared<Connection>(io_);
      beast::error_code error;
      connection->stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_), error);
      if (error) return UnavailableError("cannot connect to the order service: " + error.message());
      Next(connection);
    }
    io_.run();
    if (failures_ > 0) return InternalError(std::to_string(failures_) + " orders were not accepted: " + first_failure_);
    return OkStatus();
  }
  std::vector<double>& latencies_ms() { return latencies_ms_; }

 private:
  struct Connection {
    explicit Connection(boost::asio::io_context& io) : stream(io) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
    Clock::time_point sent;
  };

  void Next(const std::shared_ptr<Connection>& c) {
    const uint64_t i = next_++;
    if (i >= total_) return;
    c->request = {http::verb::post, "/orders", 11};
    c->request.set(http::field::host, "127.0.0.1");
    c->request.set(http::field::content_type, "application/json");
    c->request.keep_alive(true);
    c->request.body() = OrderBody(i);
    c->request.prepare_payload();
    c->response = {};
    c->sent = Clock::now();
    http::async_write(c->stream, c->request, [this, c](beast::error_code error, size_t) {
      if (error) return Failed("sending: " + error.message());
      http::async_read(c->stream, c->buffer, c->response, [this, c](beast::error_code read_error, size_t) {
        if (read_error) return Failed("reading: " + read_error.message());
        latencies_ms_.push_back(std::chrono::duration<double, std::milli>(Clock::now() - c->sent).count());
        if (c->response.result_int() != 202) {
          ++failures_;
          if (first_failure_.empty()) first_failure_ = std::to_string(c->response.result_int()) + " " + c->response.body();
        }
        Next(c);
      });
    });
  }
  void Failed(const std::string& why) {
    ++failures_;
    if (first_failure_.empty()) first_failure_ = why;
  }

  boost::asio::io_context io_;
  const uint16_t port_;
  const uint64_t total_;
  const int connections_;
  uint64_t next_ = 0;  // the load's one thread only
  uint64_t failures_ = 0;
  std::string first_failure_;
  std::vector<double> latencies_ms_;
};

}  // namespace

Result<HttpResult> RunHttpCase(const HttpCase& c, const std::string& work_dir) {
  HttpResult result;
  result.orders = c.orders;
  result.connections = c.connections;
  // The same commands in process, as many in flight, on a store of their own.
  CAIRN_ASSIGN_OR_RETURN(CaseResult in_process,
                         RunPlaceOrderCase(c.orders, Durability::kSync, work_dir + "/in-process", c.connections));
  result.in_process_per_s = in_process.cairn_events_per_s;

  const std::string dir = work_dir + "/http-node";
  std::filesystem::remove_all(dir);
  order_service::NodeConfig config;
  config.service.data_dir = dir;
  config.service.durability = Durability::kSync;
  config.projections.directory = order_service::ProjectionsDirectory(dir);
  config.http.port = 0;
  config.sagas.max_appends_in_flight = c.saga_appends_in_flight;
  std::promise<uint16_t> port;
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<order_service::Node> node,
                         order_service::Node::Open(config, order_service::NodeParts::kOrderService,
                                                   [&port](order_service::Node& n) { port.set_value(n.http()->port()); }));
  int exit_code = -1;
  std::thread running([&] { exit_code = node->Run(); });
  Load load(port.get_future().get(), c.orders, c.connections);
  const auto start = Clock::now();
  Status loaded = load.Run();
  const auto accepted = Clock::now();
  // The sagas of those orders run on; a bench may wait on a counter.
  const auto deadline = accepted + std::chrono::minutes(5);
  while (loaded.ok() && node->orchestrator()->counts().completed < c.orders && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto drained = Clock::now();
  const uint64_t completed = node->orchestrator()->counts().completed;
  node->Stop();
  running.join();
  node.reset();
  std::filesystem::remove_all(dir);
  CAIRN_RETURN_IF_ERROR(loaded);
  if (completed < c.orders) {
    return InternalError(std::to_string(c.orders - completed) + " sagas had not completed 5 minutes after intake");
  }
  if (exit_code != 0) return InternalError("the order service did not stop cleanly");
  result.accepted_per_s = c.orders / std::chrono::duration<double>(accepted - start).count();
  const LatencyPercentiles latency = Percentiles(std::move(load.latencies_ms()));
  result.p50_ms = latency.p50;
  result.p99_ms = latency.p99;
  result.sagas_per_s = c.orders / std::chrono::duration<double>(drained - start).count();
  result.saga_drain_s = std::chrono::duration<double>(drained - accepted).count();
  return result;
}

}  // namespace cairn::bench
