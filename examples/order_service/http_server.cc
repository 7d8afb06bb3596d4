#include "examples/order_service/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <unordered_map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <spdlog/spdlog.h>

namespace cairn::order_service {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

struct RouteEntry {
  std::string method;
  std::vector<std::string> segments;  // "{name}" matches any one segment
  std::string path;                   // the template, for metrics
  HttpHandler handler;
};

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool Matches(const RouteEntry& route, const std::vector<std::string>& segments, std::map<std::string, std::string>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segments[i].empty()) return false;
      (*params)[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

// "a=1&b=2" without percent-decoding beyond '+' -> ' ' (ids and numbers only).
std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    out[std::string(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace

const std::string& HttpRequest::Header(const std::string& name) const {
  static const std::string kNone;
  auto it = headers.find(name);
  return it == headers.end() ? kNone : it->second;
}

HttpResponse JsonError(unsigned status, const std::string& message) {
  return HttpResponse{status, nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                                       nlohmann::json::error_handler_t::replace)};
}

class HttpServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(HttpOptions options, MetricsRegistry* metrics) : options_(std::move(options)), metrics_(metrics) {}

  class Session;

  void Accept() {
    acceptor_->async_accept(boost::asio::make_strand(runtime_->io()),
                            [self = shared_from_this()](beast::error_code error, tcp::socket socket) {
                              if (error || self->stopping_) return;
                              self->Admit(std::move(socket));
                              self->Accept();
                            });
  }

  void Admit(tcp::socket socket);
  void Dispatch(const std::shared_ptr<Session>& session, HttpRequest request, std::function<void(HttpResponse)> done);
  void Count(const std::string& route, const std::string& method, unsigned status, double seconds);
  void Left(Session* session) {
    std::lock_guard lock(mu_);
    sessions_.erase(session);
    drained_.notify_all();
  }

  HttpOptions options_;
  MetricsRegistry* metrics_;
  struct Series {
    Counter* requests = nullptr;
    Histogram* latency = nullptr;
  };
  std::mutex series_mu_;
  std::unordered_map<std::string, Series> series_;  // by "route method status"
  std::vector<RouteEntry> routes_;
  Runtime* runtime_ = nullptr;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable drained_;
  std::set<Session*> sessions_;
  std::atomic<size_t> busy_{0};  // sessions with a request in flight; changed under mu_
  std::atomic<int64_t> last_request_ns_{0};  // steady clock
};

// One connection: read a header (with its deadline), then the body (with
// its own), dispatch, write, and go round again while keep-alive holds.
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Impl> server, tcp::socket socket)
      : server_(std::move(server)), stream_(std::move(socket)) {}

  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_->options_.max_header_bytes));
    parser_->body_limit(server_->options_.max_body_bytes);
    stream_.expires_after(server_->options_.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code error, size_t) {
      if (error == http::error::header_limit) return self->Refuse(431, "the request's headers are too large");
      if (error == http::error::body_limit) return self->RefuseBody();  // a Content-Length over the limit
      if (error) return self->Close();
      self->ReadBody();
    });
  }

  void Refuse(unsigned status, const std::string& why) {
    keep_alive_ = false;
    refused_ = true;
    Write(JsonError(status, why), "-", "-", std::chrono::steady_clock::now());
  }

  void Write(HttpResponse response, const std::string& route, const std::string& method,
             std::chrono::steady_clock::time_point began) {
    auto message = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status), 11);
    message->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) message->set(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_ && !server_->stopping_);
    message->prepare_payload();
    stream_.expires_after(server_->options_.body_timeout);
    server_->Count(route, method, response.status,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
    http::async_write(stream_, *message, [self = shared_from_this(), message](beast::error_code error, size_t) {
      self->Idle();
      if (!error && self->refused_) return self->Linger();
      if (error || !message->keep_alive()) return self->Close();
      self->Read();
    });
  }

  // After a refusal the client may still be sending what was refused:
  // closing with it unread would reset the connection and lose the answer.
  // Stop sending, read and drop the rest for a moment, then close.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    stream_.async_read_some(boost::asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code error, size_t) {
                              if (error) return self->Close();
                              self->Linger();
                            });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  // From Stop(): an idle connection goes now; a busy one after its answer.
  void Drain() {
    boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->Close();
    });
  }

  ~Session() { server_->Left(this); }

 private:
  void ReadBody() {
    stream_.expires_after(server_->options_.body_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code error, size_t) {
      if (error == http::error::body_limit) return self->RefuseBody();
      if (error) return self->Close();
      self->Handle();
    });
  }

  void RefuseBody() { Refuse(413, "the body is over " + std::to_string(server_->options_.max_body_bytes) + " bytes"); }

  void Handle() {
    http::request<http::string_body> message = parser_->release();
    keep_alive_ = message.keep_alive();
    HttpRequest request;
    request.method = std::string(message.method_string());
    const std::string_view target(message.target().data(), message.target().size());
    const size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) request.query = ParseQuery(target.substr(question + 1));
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(message.body());
    stream_.expires_never();  // the handler takes its time; the answer has its own deadline
    Busy();
    server_->Dispatch(shared_from_this(), std::move(request), [self = shared_from_this()](HttpResponse response) {
      // Handlers answer from any thread: back onto the connection's strand.
      boost::asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response), self->route_, self->method_, self->began_);
      });
    });
  }

  void Busy() {
    busy_ = true;
    began_ = std::chrono::steady_clock::now();
    server_->last_request_ns_.store(began_.time_since_epoch().count(), std::memory_order_relaxed);
    std::lock_guard lock(server_->mu_);
    ++server_->busy_;
  }
  void Idle() {
    if (!busy_) return;
    busy_ = false;
    std::lock_guard lock(server_->mu_);
    --server_->busy_;
    server_->drained_.notify_all();
  }

  friend class Impl;
  std::shared_ptr<Impl> server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  bool refused_ = false;
  bool busy_ = false;
  char scratch_[4096];
  std::string route_ = "-", method_ = "-";
  std::chrono::steady_clock::time_point began_;
};

void HttpServer::Impl::Admit(tcp::socket socket) {
  auto session = std::make_shared<Session>(shared_from_this(), std::move(socket));
  bool full;
  {
    std::lock_guard lock(mu_);
    full = sessions_.size() >= options_.max_connections;
    sessions_.insert(session.get());
  }
  if (full) {
    HttpResponse busy = JsonError(503, "the service has too many connections; retry shortly");
    busy.headers["Retry-After"] = "1";
    return boost::asio::post(session->stream_.get_executor(), [session, busy] {
      session->keep_alive_ = false;
      session->Write(busy, "-", "-", std::chrono::steady_clock::now());
    });
  }
  boost::asio::post(session->stream_.get_executor(), [session] { session->Read(); });
}

void HttpServer::Impl::Dispatch(const std::shared_ptr<Session>& session, HttpRequest request,
                                std::function<void(HttpResponse)> done) {
  const std::vector<std::string> segments = Split(request.path);
  std::vector<std::string> allowed;
  for (const RouteEntry& route : routes_) {
    std::map<std::string, std::string> params;
    if (!Matches(route, segments, &params)) continue;
    if (route.method != request.method) {
      allowed.push_back(route.method);
      continue;
    }
    session->route_ = route.path;
    session->method_ = route.method;
    request.params = std::move(params);
    return route.handler(request, std::move(done));
  }
  if (allowed.empty()) return done(JsonError(404, "no route for " + request.path));
  std::string allow;
  for (const std::string& method : allowed) allow += (allow.empty() ? "" : ", ") + method;
  HttpResponse refused = JsonError(405, request.method + " is not allowed here; use " + allow);
  refused.headers["Allow"] = allow;
  done(std::move(refused));
}

void HttpServer::Impl::Count(const std::string& route, const std::string& method, unsigned status, double seconds) {
  if (!metrics_) return;
  // The registry is asked once per series; later requests find it here.
  std::unique_lock lock(series_mu_);
  auto [series, added] = series_.try_emplace(route + ' ' + method + ' ' + std::to_string(status));
  if (added) {
    auto requests = metrics_->AddCounter("cairn_http_requests_total",
                                         "HTTP requests by route template, method and status",
                                         {{"route", route}, {"method", method}, {"status", std::to_string(status)}});
    auto latency = metrics_->AddHistogram("cairn_http_request_seconds", "HTTP request latency by route template",
                                          LatencyBuckets(), {{"route", route}});
    series->second = {requests.ok() ? *requests : nullptr, latency.ok() ? *latency : nullptr};
  }
  const Series found = series->second;
  lock.unlock();
  if (found.requests) found.requests->Increment();
  if (found.latency) found.latency->Observe(seconds);
}

HttpServer::HttpServer(HttpOptions options, MetricsRegistry* metrics)
    : impl_(std::make_shared<Impl>(std::move(options), metrics)) {}

HttpServer::~HttpServer() = default;

void HttpServer::Route(const std::string& method, const std::string& path, HttpHandler handler) {
  impl_->routes_.push_back({method, Split(path), path, std::move(handler)});
}

Status HttpServer::Start(Runtime& runtime) {
  impl_->runtime_ = &runtime;
  beast::error_code error;
  const auto address = boost::asio::ip::make_address(impl_->options_.address, error);
  if (error) return InvalidArgumentError("http address " + impl_->options_.address + " is not an IP address");
  auto acceptor = std::make_unique<tcp::acceptor>(runtime.io());
  const tcp::endpoint endpoint(address, impl_->options_.port);
  acceptor->open(endpoint.protocol(), error);
  if (!error) acceptor->set_option(boost::asio::socket_base::reuse_address(true), error);
  if (!error) acceptor->bind(endpoint, error);
  if (!error) acceptor->listen(boost::asio::socket_base::max_listen_connections, error);
  if (error) {
    return UnavailableError("cannot listen on " + impl_->options_.address + ":" +
                            std::to_string(impl_->options_.port) + ": " + error.message());
  }
  impl_->acceptor_ = std::move(acceptor);
  impl_->Accept();
  spdlog::info("http: listening on {}:{}", impl_->options_.address, port());
  return OkStatus();
}

Status HttpServer::Stop() {
  Impl& impl = *impl_;
  impl.stopping_ = true;
  if (impl.acceptor_) {
    boost::asio::post(impl.acceptor_->get_executor(), [server = impl_] {
      beast::error_code ignored;
      server->acceptor_->close(ignored);
    });
  }
  std::vector<std::shared_ptr<Impl::Session>> open;
  {
    // A session in the set is not freed before its destructor takes the
    // lock, so its pointer is valid here; one on its way out gives null.
    std::lock_guard lock(impl.mu_);
    for (Impl::Session* session : impl.sessions_) {
      if (auto alive = session->weak_from_this().lock()) open.push_back(std::move(alive));
    }
  }
  for (const auto& session : open) session->Drain();
  open.clear();  // outside the lock: the last reference may free a session
  std::unique_lock lock(impl.mu_);
  const bool drained = impl.drained_.wait_for(lock, impl.options_.drain_timeout, [&] { return impl.busy_ == 0; });
  if (!drained) return UnavailableError(std::to_string(impl.busy_.load()) + " HTTP requests still in flight at stop");
  return OkStatus();
}

uint16_t HttpServer::port() const {
  beast::error_code ignored;
  return impl_->acceptor_ ? impl_->acceptor_->local_endpoint(ignored).port() : 0;
}

size_t HttpServer::requests_in_flight() const { return impl_->busy_.load(std::memory_order_relaxed); }

std::chrono::steady_clock::time_point HttpServer::last_request() const {
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(impl_->last_request_ns_.load(std::memory_order_relaxed)));
}

}  // namespace cairn::order_service
