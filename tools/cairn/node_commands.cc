// cairn run, cairn kafka serve|status|mock: the node process and its Kafka side.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/kafka/publisher.h"
#include "engine/kafka/topic_counts.h"
#include "engine/service.h"
#include "examples/commerce/commerce.h"
#include "examples/commerce/read_models.h"
#include "projections/runner.h"
#include "tools/cairn/node_config.h"

namespace cairn::cli {
namespace {

// Prints the Kafka address once the publisher runs, and leaves it in the data dir.
class Announcer final : public Component {
 public:
  Announcer(const kafka::Publisher& publisher, std::string data_dir)
      : publisher_(publisher), file_(BootstrapFile(data_dir)) {}
  std::string name() const override { return "announcer"; }
  Status Start(Runtime&) override {
    std::printf("kafka bootstrap: %s\n", publisher_.bootstrap().c_str());
    std::fflush(stdout);
    std::ofstream(file_) << publisher_.bootstrap() << '\n';
    return OkStatus();
  }
  Status Stop() override {
    std::error_code ignored;
    std::filesystem::remove(file_, ignored);
    return OkStatus();
  }

 private:
  const kafka::Publisher& publisher_;
  std::string file_;
};

// What a node process runs.
enum class NodeParts {
  kAll,        // cairn run
  kPublisher,  // cairn kafka serve
  kSagas,      // cairn sagas run
};

int RunNode(const Context& context, NodeParts parts) {
  Result<NodeConfig> config = LoadNodeConfig(context);
  if (!config.ok()) return Fail(config.status());
  if (Status logging = ConfigureLogging(config->service.log); !logging.ok()) return Fail(logging);
  auto store = OpenEventStore(config->service.data_dir, StoreOptionsOf(*config));
  if (!store.ok()) return Fail(UnavailableError(store.status().message()));
  MetricsRegistry metrics;
  Service service(config->service, &metrics);
  std::unique_ptr<kafka::Publisher> publisher;
  std::unique_ptr<Announcer> announcer;
  if (parts != NodeParts::kSagas) {
    publisher = std::make_unique<kafka::Publisher>(**store, config->kafka, &metrics);
    announcer = std::make_unique<Announcer>(*publisher, config->service.data_dir);
    service.Add(*publisher);
    service.Add(*announcer);
  }
  // `cairn run` also keeps every read model current.
  EventTypeRegistry types;
  commerce::RegisterCommerceEvents(types);
  std::vector<std::unique_ptr<projections::Projector>> models;
  std::vector<std::unique_ptr<projections::ProjectionRunner>> runners;
  if (parts == NodeParts::kAll) {
    models = commerce::CommerceReadModels(types);
    for (auto& model : models) {
      runners.push_back(std::make_unique<projections::ProjectionRunner>(**store, *model, config->projections, &metrics));
      service.Add(*runners.back());
    }
  }
  std::unique_ptr<commerce::Commerce> shop;
  std::unique_ptr<sagas::Orchestrator> orchestrator;
  if (parts != NodeParts::kPublisher) {
    shop = std::make_unique<commerce::Commerce>(**store, config->commerce);
    if (Status started = shop->Start(); !started.ok()) return Fail(started);
    orchestrator = NewOrchestrator(**store, *shop, &metrics);
    if (!orchestrator) return Fail(InternalError("the fulfillment saga's definition was refused"));
    service.Add(*orchestrator);
  }
  return service.Run();
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

int RunSagaNode(const Context& context) { return RunNode(context, NodeParts::kSagas); }

void AddNodeCommands(CLI::App& app, Context& context) {
  app.add_subcommand("run", "Run the node until SIGTERM: hold the store, publish to Kafka, keep the read models "
                            "current, run the sagas")
      ->callback([&context] { context.run = [&context] { return RunNode(context, NodeParts::kAll); }; });

  CLI::App* kafka = app.add_subcommand("kafka", "The Kafka fan-out");
  kafka->require_subcommand(1);
  kafka->add_subcommand("serve", "Run only the publisher until SIGTERM (the embedded mock when no brokers are set)")
      ->callback([&context] { context.run = [&context] { return RunNode(context, NodeParts::kPublisher); }; });

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
