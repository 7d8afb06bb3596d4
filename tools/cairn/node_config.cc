#include "tools/cairn/node_config.h"

#include <fstream>

namespace cairn::cli {

Result<NodeConfig> LoadNodeConfig(const Context& context) { return order_service::LoadNodeConfig(context.data_dir); }

std::string KafkaBrokers(const Context& context, const NodeConfig& config, const std::string& option) {
  if (!option.empty()) return option;
  if (!config.kafka.brokers.empty()) return config.kafka.brokers;
  std::string brokers;
  std::getline(std::ifstream(BootstrapFile(context.data_dir)), brokers);
  return brokers;
}

}  // namespace cairn::cli
