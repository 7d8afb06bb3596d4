// HttpClient: a small blocking HTTP/1.1 client over one keep-alive
// connection, for the demo, the end-to-end tests and `cairn bench http`,
// which talk to the order service as any client would.
//
// Thread safety: one thread per client.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_HTTP_CLIENT_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "examples/order_service/http_server.h"

namespace cairn::order_service {

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();

  // Sends one request (connecting, or connecting again after the server
  // closed the connection) and reads the answer; header names of the
  // answer in lower case. Unavailable when the server cannot be reached or
  // does not answer within the timeout.
  Result<HttpResponse> Send(const std::string& method, const std::string& target, const std::string& body = "",
                            const std::map<std::string, std::string>& headers = {});
  Result<HttpResponse> Get(const std::string& target) { return Send("GET", target); }
  // A POST of a JSON body.
  Result<HttpResponse> PostJson(const std::string& target, const std::string& json,
                                std::map<std::string, std::string> headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::order_service

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_HTTP_CLIENT_H_
