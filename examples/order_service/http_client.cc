#include "examples/order_service/http_client.h"

// <utility> first: Boost 1.74's Asio misses it under C++20.
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>

namespace cairn::order_service {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

struct HttpClient::Impl {
  Impl(std::string h, uint16_t p, std::chrono::milliseconds t) : host(std::move(h)), port(p), timeout(t), stream(io) {}

  Status Connect() {
    beast::error_code error;
    tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(host, std::to_string(port), error);
    if (error) return UnavailableError("cannot resolve " + host + ": " + error.message());
    stream.expires_after(timeout);
    stream.connect(endpoints, error);
    if (error) return UnavailableError("cannot connect to " + host + ":" + std::to_string(port) + ": " + error.message());
    connected = true;
    return OkStatus();
  }

  // `stale` is set when the connection turned out closed before the server
  // read anything of the request: sending it again is safe.
  Result<HttpResponse> Exchange(const http::request<http::string_body>& request, bool& stale) {
    beast::error_code error;
    stream.expires_after(timeout);
    http::write(stream, request, error);
    stale = error == boost::asio::error::broken_pipe || error == boost::asio::error::connection_reset;
    if (error) return UnavailableError("sending " + std::string(request.target()) + ": " + error.message());
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream, buffer, parser, error);
    // The server closes an idle connection without answering: nothing was read.
    stale = error == http::error::end_of_stream;
    if (error) return UnavailableError("reading the answer to " + std::string(request.target()) + ": " + error.message());
    const auto& response = parser.get();
    HttpResponse out;
    out.status = response.result_int();
    out.body = response.body();
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    auto type = out.headers.find("content-type");
    out.content_type = type == out.headers.end() ? "" : type->second;
    if (!response.keep_alive()) Close();
    return out;
  }

  void Close() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    buffer.clear();
    connected = false;
  }

  std::string host;
  uint16_t port;
  std::chrono::milliseconds timeout;
  boost::asio::io_context io;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool connected = false;
};

HttpClient::HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(host), port, timeout)) {}

HttpClient::~HttpClient() {
  if (impl_->connected) impl_->Close();
}

Result<HttpResponse> HttpClient::Send(const std::string& method, const std::string& target, const std::string& body,
                                      const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, impl_->host);
  request.keep_alive(true);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  // A kept-alive connection the server closed meanwhile fails on first use:
  // one fresh connection is tried before giving up.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl_->connected;
    if (!impl_->connected) CAIRN_RETURN_IF_ERROR(impl_->Connect());
    bool stale = false;
    Result<HttpResponse> response = impl_->Exchange(request, stale);
    if (response.ok()) return response;
    impl_->Close();
    if (!reused || !stale) return response;
  }
  return UnavailableError("no answer to " + target);
}

Result<HttpResponse> HttpClient::PostJson(const std::string& target, const std::string& json,
                                          std::map<std::string, std::string> headers) {
  headers.emplace("Content-Type", "application/json");
  return Send("POST", target, json, headers);
}

}  // namespace cairn::order_service
