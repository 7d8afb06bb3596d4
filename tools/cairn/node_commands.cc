// cairn run, cairn kafka serve|status|mock: the node process and its Kafka side.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/kafka/mock_cluster.h"
#include "engine/kafka/topic_counts.h"
#include "examples/order_service/node.h"
#include "tools/cairn/node_config.h"

namespace cairn::cli {
namespace {

int RunNode(const Context& context, order_service::NodeParts parts) {
  Result<NodeConfig> config = LoadNodeConfig(context);
  if (!config.ok()) return Fail(config.status());
  if (Status logging = ConfigureLogging(config->service.log); !logging.ok()) return Fail(logging);
  auto node = order_service::Node::Open(std::move(config).value(), parts, order_service::PrintKafkaBootstrap);
  if (!node.ok()) return Fail(node.status());
  return (*node)->Run();
}

int RunStatus(const Context& context, const std::string& brokers_option) {
  Result<NodeConfig> config = LoadNodeConfig(context);
  if (!config.ok()) return Fail(config.status());
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  auto checkpoint = (*store)->LoadCheckpoint(config->kafka.checkpoint_name);
  if (!checkpoint.ok()) return Fail(checkpoint.status());
  const uint64_t position = checkpoint->has_value() ? (*checkpoint)->position : 0;
  const uint64_t head = (*store)->HeadPosition();
  const std::string brokers = KafkaBrokers(context, *config, brokers_option);

  nlohmann::ordered_json out;
  out["checkpoint"] = position;
  out["head"] = head;
  out["lag"] = head > position ? head - position : 0;
  out["brokers"] = brokers.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(brokers);
  out["topics"] = nlohmann::ordered_json();
  Status kafka_reached;
  if (!brokers.empty()) {
    auto counts = kafka::TopicCounts(brokers, config->kafka.topic_prefix + ".");
    if (counts.ok()) {
      out["topics"] = nlohmann::ordered_json::object();
      for (const auto& [topic, count] : *counts) out["topics"][topic] = count;
    } else {
      out["kafka_error"] = counts.status().message();
      kafka_reached = UnavailableError("Kafka at " + brokers + " did not answer: " + counts.status().message());
    }
  }
  std::cout << out.dump() << '\n';
  // What the store says is printed either way; a cluster that did not answer is still a failure.
  return kafka_reached.ok() ? kExitOk : Fail(kafka_reached);
}

int RunMock(int brokers, const std::string& port_file) {
  auto mock = kafka::MockCluster::Start(brokers);
  if (!mock.ok()) return Fail(mock.status());
  if (!port_file.empty()) {
    const std::string partial = port_file + ".partial";
    std::ofstream(partial) << (*mock)->bootstrap() << '\n';
    std::error_code error;
    std::filesystem::rename(partial, port_file, error);  // readers never see half an address
    if (error) return Fail(InvalidArgumentError("cannot write --port-file " + port_file + ": " + error.message()));
  }
  std::printf("kafka bootstrap: %s\n", (*mock)->bootstrap().c_str());
  std::fflush(stdout);
  InstallStopSignals();
  WaitForStopSignal();
  return kExitOk;
}

}  // namespace

int RunSagaNode(const Context& context) { return RunNode(context, order_service::NodeParts::kSagas); }

void AddNodeCommands(CLI::App& app, Context& context) {
  app.add_subcommand("run", "Run the node until SIGTERM: hold the store, publish to Kafka, keep the read models "
                            "current, run the sagas")
      ->callback([&context] { context.run = [&context] { return RunNode(context, order_service::NodeParts::kAll); }; });

  CLI::App* kafka = app.add_subcommand("kafka", "The Kafka fan-out");
  kafka->require_subcommand(1);
  kafka->add_subcommand("serve", "Run only the publisher until SIGTERM (the embedded mock when no brokers are set)")
      ->callback([&context] { context.run = [&context] { return RunNode(context, order_service::NodeParts::kPublisher); }; });

  auto brokers = std::make_shared<std::string>();
  CLI::App* status = kafka->add_subcommand("status", "Publisher checkpoint, store head, lag and messages per topic");
  status->add_option("--brokers", *brokers, "Bootstrap servers (default: CAIRN_KAFKA_BROKERS, else the running node's mock)");
  status->callback([&context, brokers] { context.run = [&context, brokers] { return RunStatus(context, *brokers); }; });

  auto mock_brokers = std::make_shared<int>(3);
  auto port_file = std::make_shared<std::string>();
  CLI::App* mock = kafka->add_subcommand("mock", "Run a standalone mock Kafka cluster until SIGTERM, for development");
  mock->add_option("--brokers", *mock_brokers, "Brokers (default 3)")->check(CLI::Range(1, 16));
  mock->add_option("--port-file", *port_file, "Write the bootstrap address here once listening");
  mock->callback([&context, mock_brokers, port_file] {
    context.run = [mock_brokers, port_file] { return RunMock(*mock_brokers, *port_file); };
  });
}

}  // namespace cairn::cli
