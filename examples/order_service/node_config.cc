#include "examples/order_service/node_config.h"

#include "examples/order_service/request_guards.h"

namespace cairn::order_service {
namespace {

void BindHttpOptions(ConfigLoader& loader, HttpOptions& http, int& port) {
  loader.Bind("http_address", &http.address, "address the order service listens on");
  loader.Bind("http_port", &port, 0, 65535, "port the order service listens on (0: any free port)");
  loader.Bind("http_max_connections", &http.max_connections, "open connections past which a new one gets 503");
  loader.Bind("http_max_header_bytes", &http.max_header_bytes, "largest request header block (431 past it)");
  loader.Bind("http_max_body_bytes", &http.max_body_bytes, "largest request body (413 past it)");
  loader.Bind("http_header_timeout_ms", &http.header_timeout,
              "longest wait for a request's header, and for the next request on an idle connection");
  loader.Bind("http_body_timeout_ms", &http.body_timeout, "longest wait for a request's body");
  loader.Bind("http_drain_timeout_ms", &http.drain_timeout, "longest wait for requests in flight at stop");
}

void BindApiOptions(ConfigLoader& loader, ApiOptions& api) {
  loader.Bind("idempotency_retention_ms", &api.idempotency_retention,
              "how long an Idempotency-Key's answer is kept for retries");
  loader.Bind("idempotency_max_keys", &api.idempotency_max_keys, "most Idempotency-Keys kept; the oldest go first");
  loader.Bind("min_position_timeout_ms", &api.min_position_timeout,
              "longest wait of a read with min_position for its read model");
  loader.Bind("ready_max_lag", &api.ready_max_lag, "events a read model may be behind the store while /readyz is ok");
  loader.Bind("admin_token_sha256", &api.admin_token_sha256,
              "SHA-256 (hex) of the bearer token for operator actions; empty refuses them");
}

void BindSagaOptions(ConfigLoader& loader, sagas::OrchestratorOptions& sagas) {
  loader.Bind("saga_max_appends_in_flight", &sagas.max_appends_in_flight,
              "most saga transitions appending at once, so that requests keep their share of the commit groups; "
              "0: no cap");
}

void BindBreakerOptions(ConfigLoader& loader, sagas::BreakerOptions& breaker) {
  loader.Bind("breaker_window", &breaker.window, 1, 10'000, "calls a circuit breaker judges the failure rate over");
  loader.Bind("breaker_min_calls", &breaker.min_calls, 1, 10'000, "calls in the window before a breaker may open");
  loader.Bind("breaker_open_for_ms", &breaker.open_for, "how long an open breaker refuses calls before trial calls");
  loader.Bind("breaker_half_open_calls", &breaker.half_open_calls, 1, 1'000,
              "trial calls of a half-open breaker that decide between closed and open");
}

// Binds every module's settings to `config`; `port` stands in for the HTTP port until loaded.
void BindNodeConfig(ConfigLoader& loader, NodeConfig& config, int& port) {
  BindServiceOptions(loader, config.service);
  kafka::BindKafkaOptions(loader, config.kafka);
  commerce::BindCommerceOptions(loader, config.commerce);
  projections::BindRunnerOptions(loader, config.projections);
  BindHttpOptions(loader, config.http, port);
  BindApiOptions(loader, config.api);
  BindBreakerOptions(loader, config.breaker);
  BindSagaOptions(loader, config.sagas);
}

}  // namespace

Result<NodeConfig> LoadNodeConfig(const std::string& data_dir) {
  return LoadNodeConfig(ConfigFileOfProcess(), CairnEnvironment(), data_dir);
}

Result<NodeConfig> LoadNodeConfig(const std::string& config_file, const std::map<std::string, std::string>& environment,
                                  const std::string& data_dir) {
  NodeConfig config;
  config.sagas.max_appends_in_flight = kSagaAppendsInFlight;
  int port = config.http.port;
  ConfigLoader loader;
  BindNodeConfig(loader, config, port);
  CAIRN_RETURN_IF_ERROR(loader.Load(config_file, environment));
  config.kafka.properties = kafka::KafkaProperties(environment, loader);
  CAIRN_RETURN_IF_ERROR(kafka::ValidateKafkaProperties(config.kafka.properties));
  config.http.port = static_cast<uint16_t>(port);
  if (!AdminToken::Valid(config.api.admin_token_sha256)) {
    return InvalidArgumentError("config admin_token_sha256: must be the 64 hex digits of a SHA-256 "
                                "(printf %s \"$TOKEN\" | sha256sum)");
  }
  if (!data_dir.empty()) config.service.data_dir = data_dir;
  config.commerce.handler = config.service.handler;
  config.projections.directory = ProjectionsDirectory(config.service.data_dir);
  return config;
}

std::string DescribeNodeConfig() {
  NodeConfig config;
  int port = 0;
  ConfigLoader loader;
  BindNodeConfig(loader, config, port);
  return loader.Describe();
}

StoreOptions StoreOptionsOf(const NodeConfig& config) {
  StoreOptions options;
  options.durability = config.service.durability;
  return options;
}

std::string ProjectionsDirectory(const std::string& data_dir) { return data_dir + "/projections"; }

std::string BootstrapFile(const std::string& data_dir) { return data_dir + "/kafka-bootstrap"; }

}  // namespace cairn::order_service
