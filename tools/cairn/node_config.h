// The node's configuration (examples/order_service/node_config.h) for the
// commands of the cairn tool: the data dir comes from --data-dir.
#ifndef CAIRN_TOOLS_CAIRN_NODE_CONFIG_H_
#define CAIRN_TOOLS_CAIRN_NODE_CONFIG_H_

#include <string>

#include "examples/order_service/node_config.h"
#include "tools/cairn/cli.h"

namespace cairn::cli {

using order_service::BootstrapFile;
using order_service::NodeConfig;
using order_service::ProjectionsDirectory;
using order_service::StoreOptionsOf;

// InvalidArgument naming the key for a bad or unknown setting.
Result<NodeConfig> LoadNodeConfig(const Context& context);

// The Kafka cluster a command talks to: `option` when given, else the
// configured brokers, else the mock cluster of the node running on the data
// dir; empty when there is none.
std::string KafkaBrokers(const Context& context, const NodeConfig& config, const std::string& option = "");

// `cairn sagas run`: a node with only the saga orchestrator.
int RunSagaNode(const Context& context);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CAIRN_NODE_CONFIG_H_
