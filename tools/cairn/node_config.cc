#include "tools/cairn/node_config.h"

#include <fstream>

namespace cairn::cli {

Result<NodeConfig> LoadNodeConfig(const Context& context) {
  NodeConfig config;
  ConfigLoader loader;
  BindServiceOptions(loader, config.service);
  kafka::BindKafkaOptions(loader, config.kafka);
  commerce::BindCommerceOptions(loader, config.commerce);
  projections::BindRunnerOptions(loader, config.projections);
  CAIRN_RETURN_IF_ERROR(loader.LoadFromProcess());
  config.kafka.properties = kafka::KafkaProperties(CairnEnvironment(), loader);
  CAIRN_RETURN_IF_ERROR(kafka::ValidateKafkaProperties(config.kafka.properties));
  config.service.data_dir = context.data_dir;  // --data-dir, else CAIRN_DATA_DIR, else the default
  config.commerce.handler = config.service.handler;
  config.projections.directory = ProjectionsDirectory(context.data_dir);
  return config;
}

StoreOptions StoreOptionsOf(const NodeConfig& config) {
  StoreOptions options;
  options.durability = config.service.durability;
  return options;
}

std::string ProjectionsDirectory(const std::string& data_dir) { return data_dir + "/projections"; }

std::string BootstrapFile(const std::string& data_dir) { return data_dir + "/kafka-bootstrap"; }

std::string KafkaBrokers(const Context& context, const NodeConfig& config, const std::string& option) {
  if (!option.empty()) return option;
  if (!config.kafka.brokers.empty()) return config.kafka.brokers;
  std::string brokers;
  std::getline(std::ifstream(BootstrapFile(context.data_dir)), brokers);
  return brokers;
}

}  // namespace cairn::cli
