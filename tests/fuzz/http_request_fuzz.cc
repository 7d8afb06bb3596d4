// The order service's HTTP request path, from raw bytes to response: each
// input is sent as it is over one loopback connection to a whole node (store,
// Kafka fan-out, read models, sagas, API). Whatever comes, the node answers
// with well-formed HTTP responses or closes the connection, within a bound;
// it never answers 500 and never stops serving.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include "examples/order_service/idempotency.h"
#include "examples/order_service/node.h"
#include "tests/fuzz/fuzz_check.h"

namespace cairn::fuzz {
namespace {

namespace http = boost::beast::http;
using order_service::Node;

// The bearer token the seed corpus uses for the operator actions.
constexpr char kToken[] = "fuzz-operator";
constexpr auto kAnswerBound = std::chrono::seconds(10);

struct Served {
  std::string dir;
  Node* node = nullptr;  // stopped at exit
  std::thread runner;
  uint16_t port = 0;
};

Served& Service() {
  static Served* served = [] {
    auto* s = new Served;
    char name[] = "/tmp/cairn-http-fuzz-XXXXXX";
    Check(mkdtemp(name) != nullptr, "a scratch directory");
    s->dir = name;
    order_service::NodeConfig config;
    config.service.data_dir = s->dir + "/data";
    config.service.durability = Durability::kBuffered;
    config.service.log.level = "off";
    config.projections.directory = order_service::ProjectionsDirectory(config.service.data_dir);
    config.http.port = 0;
    config.api.admin_token_sha256 = order_service::Sha256Hex(kToken);
    config.api.min_position_timeout = std::chrono::milliseconds(20);
    std::promise<uint16_t> port;
    auto node = Node::Open(config, order_service::NodeParts::kOrderService,
                           [&port](Node& running) { port.set_value(running.http()->port()); });
    Check(node.ok(), "the node opens: " + node.status().ToString());
    s->node = node->release();
    s->runner = std::thread([s] { s->node->Run(); });
    s->port = port.get_future().get();
    std::atexit([] {
      Served& done = Service();
      done.node->Stop();
      done.runner.join();
      delete done.node;
      std::filesystem::remove_all(done.dir);
    });
    return s;
  }();
  return *served;
}

// Sends `request`, closes the sending side, and returns all that comes back
// until the node closes the connection.
std::string Exchange(uint16_t port, std::string_view request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  Check(fd >= 0, "a socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Check(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0, "the node accepts a connection");
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the node closed early, as it may after a refusal
    sent += static_cast<size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + kAnswerBound;
  char buffer[16384];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd readable{fd, POLLIN, 0};
    Check(left.count() > 0 && poll(&readable, 1, static_cast<int>(left.count())) == 1,
          "the node answers or closes within the bound");
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

// Every response in `answer` parses; none is a 500.
void CheckResponses(std::string_view answer) {
  while (!answer.empty()) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(64 << 20);
    boost::beast::error_code error;
    while (!parser.is_done() && !answer.empty()) {
      const size_t used = parser.put(boost::asio::buffer(answer.data(), answer.size()), error);
      if (error || used == 0) break;
      answer.remove_prefix(used);
    }
    Check(!error && parser.is_done(), "the node's answer is a whole HTTP response: " + error.message());
    Check(parser.get().result_int() != 500, "no input makes the node fail with 500: " + parser.get().body());
  }
}

}  // namespace
}  // namespace cairn::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn::fuzz;
  Served& served = Service();
  CheckResponses(Exchange(served.port, std::string_view(reinterpret_cast<const char*>(data), size)));
  return 0;
}
