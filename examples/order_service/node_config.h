// The configuration of a node: every module's settings, from CAIRN_CONFIG's
// file and the CAIRN_* variables. The order service, `cairn run` and the
// commands that act like a node share it, so that a variable one of them
// reads is never an unknown key to another.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_NODE_CONFIG_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_NODE_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "engine/kafka/kafka_options.h"
#include "engine/service.h"
#include "examples/commerce/commerce.h"
#include "examples/order_service/http_server.h"
#include "projections/runner.h"
#include "sagas/circuit_breaker.h"
#include "sagas/orchestrator.h"

namespace cairn::order_service {

// The order service's API, beyond the HTTP server's limits.
struct ApiOptions {
  // How long an Idempotency-Key's answer is kept for a retry to get it again
  // (and a retry in flight refused with 409), and at most how many keys.
  std::chrono::milliseconds idempotency_retention{std::chrono::hours(24)};
  uint64_t idempotency_max_keys = 1'000'000;
  // The longest a GET with min_position waits for the read model.
  std::chrono::milliseconds min_position_timeout{5000};
  // /readyz fails while a read model is further behind the store than this.
  uint64_t ready_max_lag = 10'000;
  // SHA-256 of the bearer token for the operator actions, in hex; empty:
  // the operator actions are refused (403).
  std::string admin_token_sha256;
};

// The default cap on saga transitions appending at once in a node.
inline constexpr size_t kSagaAppendsInFlight = 8;

struct NodeConfig {
  ServiceOptions service;
  kafka::KafkaOptions kafka;
  commerce::CommerceOptions commerce;
  projections::RunnerOptions projections;  // directory: <data dir>/projections
  HttpOptions http;
  ApiOptions api;
  sagas::BreakerOptions breaker;  // the payment and mail breakers'
  sagas::OrchestratorOptions sagas;
};

// InvalidArgument naming the key for a bad or unknown setting. A non-empty
// `data_dir` (a command-line option) wins over the configured one.
Result<NodeConfig> LoadNodeConfig(const std::string& data_dir = "");
// The same from the file at `config_file` (none when empty) and the CAIRN_*
// variables in `environment`, instead of the process's.
Result<NodeConfig> LoadNodeConfig(const std::string& config_file, const std::map<std::string, std::string>& environment,
                                  const std::string& data_dir);

// Every key a node binds: "key  CAIRN_KEY  help" lines (ConfigLoader::Describe).
std::string DescribeNodeConfig();

// The store options the configuration sets (durability), for every command that writes.
StoreOptions StoreOptionsOf(const NodeConfig& config);

// Where the read models of a data dir live.
std::string ProjectionsDirectory(const std::string& data_dir);

// Where a node with the embedded mock cluster tells other commands its address.
std::string BootstrapFile(const std::string& data_dir);

}  // namespace cairn::order_service

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_NODE_CONFIG_H_
