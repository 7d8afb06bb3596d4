// The configuration of a node and of the commands that act like one: every
// module's settings, from CAIRN_CONFIG's file and the CAIRN_* variables.
#ifndef CAIRN_TOOLS_CAIRN_NODE_CONFIG_H_
#define CAIRN_TOOLS_CAIRN_NODE_CONFIG_H_

#include <string>

#include "engine/kafka/kafka_options.h"
#include "engine/service.h"
#include "examples/commerce/commerce.h"
#include "projections/runner.h"
#include "sagas/orchestrator.h"
#include "tools/cairn/cli.h"

namespace cairn::cli {

struct NodeConfig {
  ServiceOptions service;
  kafka::KafkaOptions kafka;
  commerce::CommerceOptions commerce;
  projections::RunnerOptions projections;  // directory: <data dir>/projections
};

// InvalidArgument naming the key for a bad or unknown setting.
Result<NodeConfig> LoadNodeConfig(const Context& context);

// The store options the configuration sets (durability), for every command that writes.
StoreOptions StoreOptionsOf(const NodeConfig& config);

// Where the read models of a data dir live.
std::string ProjectionsDirectory(const std::string& data_dir);

// Where a node with the embedded mock cluster tells other commands its address.
std::string BootstrapFile(const std::string& data_dir);

// The Kafka cluster a command talks to: `option` when given, else the
// configured brokers, else the mock cluster of the node running on the data
// dir; empty when there is none.
std::string KafkaBrokers(const Context& context, const NodeConfig& config, const std::string& option = "");

// `cairn sagas run`: a node with only the saga orchestrator.
int RunSagaNode(const Context& context);

// The orchestrator of the fulfillment saga over `shop`, with its breakers.
std::unique_ptr<sagas::Orchestrator> NewOrchestrator(EventStore& store, commerce::Commerce& shop,
                                                     MetricsRegistry* metrics);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CAIRN_NODE_CONFIG_H_
