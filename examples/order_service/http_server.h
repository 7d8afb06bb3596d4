// HttpServer: HTTP/1.1 on a node's Runtime (Boost.Beast), for the order
// service. Handlers answer asynchronously, so a request waiting for an
// fsync holds no thread. Bad input never hurts it: a header block over the
// limit is 431, a body over the limit 413, an unknown path 404, a known
// path with another method 405 with Allow; a connection that sends its
// header or body too slowly is closed; past the connection limit a new
// connection gets 503 with Retry-After. Each request is counted by route
// template (never by id), method and status, and timed.
//
// Thread safety: routes are added before Start; a Responder may be called
// from any thread, once.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_HTTP_SERVER_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/metrics.h"
#include "engine/service.h"

namespace cairn::order_service {

struct HttpOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see HttpServer::port)
  size_t max_connections = 1024;
  size_t max_header_bytes = 8 << 10;
  size_t max_body_bytes = 64 << 10;
  std::chrono::milliseconds header_timeout{10'000};  // also how long an idle keep-alive connection stays
  std::chrono::milliseconds body_timeout{10'000};
  std::chrono::milliseconds drain_timeout{10'000};  // longest wait for requests in flight at Stop
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // from the route's {name} segments
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  // The header's value, or "" when absent; `name` in lower case.
  const std::string& Header(const std::string& name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
};

// {"error": message} with `status`.
HttpResponse JsonError(unsigned status, const std::string& message);

using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest&, Responder)>;

class HttpServer final : public Component {
 public:
  explicit HttpServer(HttpOptions options, MetricsRegistry* metrics = nullptr);
  ~HttpServer() override;

  // `path` is a template: "/orders/{id}/events". Before Start.
  void Route(const std::string& method, const std::string& path, HttpHandler handler);

  std::string name() const override { return "http"; }
  // Listens; Unavailable when the address cannot be bound.
  Status Start(Runtime& runtime) override;
  // Stops accepting, closes idle connections, lets requests in flight finish
  // (up to drain_timeout), then closes the rest.
  Status Stop() override;

  // The bound port (after Start).
  uint16_t port() const;
  // Requests read and not yet answered.
  size_t requests_in_flight() const;
  // When the last request's header came (the epoch before the first).
  std::chrono::steady_clock::time_point last_request() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cairn::order_service

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_HTTP_SERVER_H_
