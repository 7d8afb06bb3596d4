// cairn-order-service: the shop over HTTP, configured by CAIRN_* variables
// (and CAIRN_CONFIG's file), logging to stderr, stopped by SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>

#include "engine/logging.h"
#include "examples/order_service/node.h"

namespace {

constexpr const char* kUsage =
    "usage: cairn-order-service\n"
    "Runs the order service until SIGTERM: the HTTP API, the Kafka publisher, the commerce\n"
    "read models and the fulfillment saga, on the store in CAIRN_DATA_DIR. Every setting is a\n"
    "CAIRN_* variable (CAIRN_HTTP_ADDRESS, CAIRN_HTTP_PORT, ...; see the README).\n";

int Fail(const cairn::Status& status) {
  std::fprintf(stderr, "cairn-order-service: error: %s\n", status.message().c_str());
  return status.code() == cairn::StatusCode::kInvalidArgument ? 2 : 5;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cairn;
  if (argc > 1) {
    const bool help = std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0;
    std::fputs(kUsage, help ? stdout : stderr);
    return help ? 0 : 2;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a client that went away is an error on write, not a signal
  try {
    Result<order_service::NodeConfig> config = order_service::LoadNodeConfig();
    if (!config.ok()) return Fail(config.status());
    if (Status logging = ConfigureLogging(config->service.log); !logging.ok()) return Fail(logging);
    auto node = order_service::Node::Open(std::move(config).value(), order_service::NodeParts::kOrderService,
                                          [](order_service::Node& running) {
                                            order_service::PrintKafkaBootstrap(running);
                                            const order_service::HttpOptions& http = running.config().http;
                                            std::printf("listening on http://%s:%u\n", http.address.c_str(),
                                                        unsigned(running.http()->port()));
                                            std::fflush(stdout);
                                          });
    if (!node.ok()) return Fail(node.status());
    return (*node)->Run();
  } catch (const std::exception& error) {
    // Third-party code may throw; it still ends as one line and a code.
    std::fprintf(stderr, "cairn-order-service: error: %s\n", error.what());
    return 1;
  }
}
