// cairn projections list|status|run|rebuild|reset|parked, cairn query order|customer.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <set>
#include <nlohmann/json.hpp>

#include "examples/commerce/commerce.h"
#include "examples/commerce/queries.h"
#include "examples/commerce/read_models.h"
#include "engine/kafka/kafka_options.h"
#include "engine/kafka/topic_counts.h"
#include "projections/progress.h"
#include "projections/read_model_file.h"
#include "projections/rebuild.h"
#include "projections/runner.h"
#include "projections/kafka/kafka_runner.h"
#include "store/lock_file.h"
#include "tools/cairn/node_config.h"

#include <filesystem>
#include <fstream>

namespace cairn::cli {
namespace {

using projections::Projector;

// The commerce read models the tool knows, with the registry they decode with.
struct Models {
  Models() {
    commerce::RegisterCommerceEvents(types);
    all = commerce::CommerceReadModels(types);
  }
  // Those named, or all of them; InvalidArgument for an unknown name.
  Result<std::vector<Projector*>> Select(const std::vector<std::string>& names) const {
    std::vector<Projector*> chosen;
    for (const auto& model : all) {
      if (names.empty() || std::find(names.begin(), names.end(), model->name()) != names.end()) chosen.push_back(model.get());
    }
    for (const std::string& name : names) {
      if (std::none_of(all.begin(), all.end(), [&](const auto& m) { return m->name() == name; })) {
        return InvalidArgumentError("no projection named " + name + " (see cairn projections list)");
      }
    }
    return chosen;
  }
  EventTypeRegistry types;
  std::vector<std::unique_ptr<Projector>> all;
};

int RunList() {
  Models models;
  for (const auto& model : models.all) {
    nlohmann::ordered_json line;
    line["name"] = model->name();
    line["event_types"] = model->event_types();
    line["categories"] = model->categories();
    std::cout << line.dump() << '\n';
  }
  return kExitOk;
}

// One model's line of `projections status`: its feed and its own kind of progress.
// The topics of the projector's categories (empty: every topic of the prefix).
std::set<std::string> TopicsOf(const Projector& projector, const kafka::KafkaOptions& kafka) {
  std::set<std::string> topics;
  for (const std::string& category : projector.categories()) topics.insert(kafka::TopicFor(kafka, category));
  return topics;
}

nlohmann::ordered_json StatusOf(const std::string& name, const std::string& path, uint64_t head,
                                const Result<std::map<std::string, std::vector<kafka::PartitionWatermarks>>>& kafka,
                                const std::set<std::string>& read_topics) {
  nlohmann::ordered_json line;
  line["name"] = name;
  Result<projections::ReadModelProgress> progress = projections::LoadProgress(path);
  if (!progress.ok()) {
    line["state"] = progress.status().code() == StatusCode::kNotFound ? "not built" : "unreadable";
    if (progress.status().code() != StatusCode::kNotFound) line["error"] = progress.status().message();
    line["path"] = path;
    return line;
  }
  line["feed"] = progress->feed;
  if (!progress->kafka_fed()) {
    const uint64_t at = progress->checkpoint;
    line["state"] = at >= head ? "current" : "behind";
    line["checkpoint"] = at;
    line["head"] = head;
    line["lag"] = head > at ? head - at : 0;
  } else if (!kafka.ok()) {
    line["state"] = "unknown";
    line["offsets"] = nlohmann::ordered_json::array();
    for (const auto& offset : progress->offsets) {
      line["offsets"].push_back({{"topic", offset.topic}, {"partition", offset.partition}, {"next_offset", offset.next_offset}});
    }
    line["lag"] = nullptr;
    line["kafka_error"] = kafka.status().message();
  } else {
    // Every partition of the topics it reads: one the model never read from is lagging by all it holds.
    int64_t total = 0;
    line["offsets"] = nlohmann::ordered_json::array();
    for (const auto& [topic, partitions] : *kafka) {
      if (!read_topics.empty() && read_topics.count(topic) == 0) continue;
      for (const kafka::PartitionWatermarks& marks : partitions) {
        int64_t next = marks.low;
        for (const auto& offset : progress->offsets) {
          if (offset.topic == topic && offset.partition == marks.partition) next = std::max(offset.next_offset, marks.low);
        }
        const int64_t lag = std::max<int64_t>(0, marks.high - next);
        total += lag;
        line["offsets"].push_back(
            {{"topic", topic}, {"partition", marks.partition}, {"next_offset", next}, {"high", marks.high}, {"lag", lag}});
      }
    }
    line["state"] = total == 0 ? "current" : "behind";
    line["lag"] = total;
  }
  line["parked"] = progress->parked;
  line["path"] = path;
  return line;
}

int RunStatus(const Context& context, bool json) {
  Result<NodeConfig> config = LoadNodeConfig(context);
  if (!config.ok()) return Fail(config.status());
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  const uint64_t head = (*store)->HeadPosition();
  Models models;
  // Kafka is asked only when a model is fed by it.
  std::optional<Result<std::map<std::string, std::vector<kafka::PartitionWatermarks>>>> kafka;
  Status kafka_reached;
  std::vector<nlohmann::ordered_json> lines;
  for (const auto& model : models.all) {
    const std::string path = projections::ReadModelPath(config->projections.directory, model->name());
    auto progress = projections::LoadProgress(path);
    if (progress.ok() && progress->kafka_fed() && !kafka) {
      const std::string brokers = KafkaBrokers(context, *config);
      kafka = brokers.empty() ? Result<std::map<std::string, std::vector<kafka::PartitionWatermarks>>>(
                                    UnavailableError("no Kafka cluster is configured and no node runs one"))
                              : kafka::TopicWatermarks(brokers, config->kafka.topic_prefix + ".");
      if (!kafka->ok()) kafka_reached = UnavailableError("Kafka did not answer: " + kafka->status().message());
    }
    lines.push_back(StatusOf(model->name(), path, head, kafka ? *kafka : UnavailableError("not asked"),
                             TopicsOf(*model, config->kafka)));
  }
  if (!json) std::printf("%-22s %-24s %-9s %12s %10s %8s\n", "projection", "feed", "state", "checkpoint", "lag", "parked");
  for (const auto& line : lines) {
    if (json) {
      std::cout << line.dump() << '\n';
      continue;
    }
    auto text = [&](const char* key) { return line.contains(key) && !line[key].is_null() ? line[key].dump() : "-"; };
    std::printf("%-22s %-24s %-9s %12s %10s %8s\n", line["name"].get<std::string>().c_str(),
                line.contains("feed") ? line["feed"].get<std::string>().c_str() : "-",
                line["state"].get<std::string>().c_str(), text("checkpoint").c_str(), text("lag").c_str(),
                text("parked").c_str());
  }
  // Everything known is printed; a Kafka that did not answer is still a failure.
  return kafka_reached.ok() ? kExitOk : Fail(kafka_reached);
}

// The topics of the projector's categories, or every topic of the prefix, as
// a pattern: a topic that does not exist yet is no error to a pattern.
std::string TopicPattern(const Projector& projector, const kafka::KafkaOptions& kafka) {
  auto escaped = [](std::string topic) {
    for (size_t dot = topic.find('.'); dot != std::string::npos; dot = topic.find('.', dot + 3)) {
      topic.replace(dot, 1, "[.]");
    }
    return topic;
  };
  const std::set<std::string> topics = TopicsOf(projector, kafka);
  if (topics.empty()) return "^" + escaped(kafka.topic_prefix) + "[.].*";
  std::string pattern;
  for (const std::string& topic : topics) pattern += (pattern.empty() ? "" : "|") + escaped(topic);
  return "^(" + pattern + ")$";
}

int RunProjectors(const Context& context, const std::vector<std::string>& names, bool from_kafka) {
  Result<NodeConfig> config = LoadNodeConfig(context);
  if (!config.ok()) return Fail(config.status());
  Models models;
  auto chosen = models.Select(names);
  if (!chosen.ok()) return Fail(chosen.status());
  Service service({.threads = 1});
  std::vector<std::unique_ptr<Component>> runners;
  std::unique_ptr<EventStore> store;
  if (from_kafka) {
    const std::string brokers = KafkaBrokers(context, *config);
    if (brokers.empty()) return Fail(InvalidArgumentError("--from-kafka needs CAIRN_KAFKA_BROKERS or a running node"));
    for (Projector* projector : *chosen) {
      projections::KafkaRunnerOptions options{
          .directory = config->projections.directory,
          .consumer = {.brokers = brokers,
                       .group_id = "cairn-projection-" + projector->name(),
                       .topics = {TopicPattern(*projector, config->kafka)},
                       .properties = config->kafka.properties},
          .batch_size = config->projections.batch_size,
          .retries = config->projections.retries};
      runners.push_back(std::make_unique<projections::KafkaProjectionRunner>(*projector, options));
      service.Add(*runners.back());
    }
  } else {
    auto opened = OpenForReading(context);  // beside a node that holds the store
    if (!opened.ok()) return Fail(opened.status());
    store = std::move(opened).value();
    for (Projector* projector : *chosen) {
      runners.push_back(std::make_unique<projections::ProjectionRunner>(*store, *projector, config->projections));
      service.Add(*runners.back());
    }
  }
  return service.Run();
}

int RunRebuild(const Context& context, const std::vector<std::string>& names, bool all, size_t threads) {
  if (names.empty() && !all) return Fail(InvalidArgumentError("name the projections to rebuild, or give --all"));
  // Nothing of the configuration changes a rebuild, but a bad one is refused as everywhere.
  if (Result<NodeConfig> config = LoadNodeConfig(context); !config.ok()) return Fail(config.status());
  Models models;
  auto chosen = models.Select(all ? std::vector<std::string>{} : names);
  if (!chosen.ok()) return Fail(chosen.status());
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  projections::RebuildOptions options;
  options.threads = threads;
  InstallStopSignals();
  options.stop = StopRequested;
  const bool terminal = isatty(STDERR_FILENO);
  if (terminal) {
    options.progress = [](const projections::RebuildProgress& p) {
      const double eta = p.events_per_s > 0 ? (p.head - p.done) / p.events_per_s : 0;
      std::fprintf(stderr, "\rrebuilt %llu of %llu events, %.0f events/s, %.0f s left   ",
                   static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.head), p.events_per_s, eta);
    };
  }
  Status rebuilt = projections::Rebuild(**store, *chosen, ProjectionsDirectory(context.data_dir), options);
  if (terminal) std::fprintf(stderr, "\n");
  if (!rebuilt.ok()) return Fail(rebuilt);
  for (Projector* projector : *chosen) {
    nlohmann::ordered_json line;
    line["rebuilt"] = projector->name();
    line["checkpoint"] = (*store)->HeadPosition();
    std::cout << line.dump() << '\n';
  }
  return kExitOk;
}

int RunReset(const Context& context, const std::string& name) {
  Models models;
  auto chosen = models.Select({name});
  if (!chosen.ok()) return Fail(chosen.status());
  std::error_code ignored;
  std::filesystem::create_directories(ProjectionsDirectory(context.data_dir), ignored);
  const projections::ReadModelFile file(ProjectionsDirectory(context.data_dir), name);
  // Held while the files go, so that no projector or rebuild starts on them meanwhile.
  auto running = LockFile::Acquire(file.lock_path());
  if (!running.ok()) return Fail(UnavailableError("read model " + name + " is in use: " + running.status().message()));
  auto rebuilding = LockFile::Acquire(file.rebuild_lock_path());
  if (!rebuilding.ok()) {
    return Fail(UnavailableError("read model " + name + " is being rebuilt: " + rebuilding.status().message()));
  }
  Status removed = file.Remove();
  if (!removed.ok()) return Fail(removed);
  std::cout << nlohmann::ordered_json{{"reset", name}}.dump() << '\n';
  return kExitOk;
}

int RunParked(const Context& context, const std::string& name, bool replay) {
  Models models;
  auto chosen = models.Select({name});
  if (!chosen.ok()) return Fail(chosen.status());
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  projections::ProjectionRunner runner(**store, *chosen->front(), {.directory = ProjectionsDirectory(context.data_dir)});
  auto parked = runner.Parked();
  if (!parked.ok()) return Fail(parked.status());
  Status first_failure;
  size_t failures = 0;
  for (const auto& event : *parked) {
    nlohmann::ordered_json line;
    line["position"] = event.position;
    line["stream"] = event.stream;
    line["type"] = event.type;
    line["attempts"] = event.attempts;
    line["error"] = event.error;
    if (replay) {
      Status replayed = runner.Replay(event.position);
      line["replayed"] = replayed.ok();
      if (!replayed.ok()) {
        line["replay_error"] = replayed.ToString();
        if (failures++ == 0) first_failure = replayed;
      }
    }
    std::cout << line.dump() << '\n';
  }
  if (failures == 0) return kExitOk;
  return Fail(Status(first_failure.code(), std::to_string(failures) + " of " + std::to_string(parked->size()) +
                                               " parked events failed again; the first: " + first_failure.message()));
}

int RunQueryOrder(const Context& context, const std::string& order_id) {
  auto order = commerce::QueryOrder(ProjectionsDirectory(context.data_dir), order_id);
  if (!order.ok()) return Fail(order.status());
  std::cout << order->json << '\n';
  return kExitOk;
}

int RunQueryCustomer(const Context& context, const std::string& customer_id) {
  auto customer = commerce::QueryCustomerSummary(ProjectionsDirectory(context.data_dir), customer_id);
  if (!customer.ok()) return Fail(customer.status());
  std::cout << customer->json << '\n';
  return kExitOk;
}

}  // namespace

void AddProjectionCommands(CLI::App& app, Context& context) {
  CLI::App* projections = app.add_subcommand("projections", "The SQLite read models under <data dir>/projections");
  projections->require_subcommand(1);
  projections->add_subcommand("list", "The projections and the event types each handles")
      ->callback([&context] { context.run = [] { return RunList(); }; });

  auto json = std::make_shared<bool>(false);
  CLI::App* status = projections->add_subcommand("status", "Checkpoint, head, lag, state and parked events of each");
  status->add_flag("--json", *json, "One JSON object per projection");
  status->callback([&context, json] { context.run = [&context, json] { return RunStatus(context, *json); }; });

  auto names = std::make_shared<std::vector<std::string>>();
  auto from_kafka = std::make_shared<bool>(false);
  CLI::App* run = projections->add_subcommand("run", "Run projections until SIGTERM (all when none is named)");
  run->add_option("names", *names, "Projection names");
  run->add_flag("--from-kafka", *from_kafka, "Feed them from Kafka (CAIRN_KAFKA_BROKERS, or the running node's) instead of the store");
  run->callback([&context, names, from_kafka] {
    context.run = [&context, names, from_kafka] { return RunProjectors(context, *names, *from_kafka); };
  });

  auto rebuild_names = std::make_shared<std::vector<std::string>>();
  auto all = std::make_shared<bool>(false);
  CLI::App* rebuild = projections->add_subcommand("rebuild", "Build fresh read models from the log and swap them in");
  rebuild->add_option("names", *rebuild_names, "Projection names");
  rebuild->add_flag("--all", *all, "Every projection, in one pass over the log");
  auto threads = std::make_shared<size_t>(0);
  rebuild->add_option("--threads", *threads, "Threads writing read models; 0: one per core, 1: all on one thread")
      ->check(CLI::Range(0, 256));
  rebuild->callback([&context, rebuild_names, all, threads] {
    context.run = [&context, rebuild_names, all, threads] {
      return RunRebuild(context, *rebuild_names, *all, *threads);
    };
  });

  auto name = std::make_shared<std::string>();
  CLI::App* reset = projections->add_subcommand("reset", "Delete a read model; the next run builds it from the start");
  reset->add_option("name", *name, "Projection name")->required();
  reset->callback([&context, name] { context.run = [&context, name] { return RunReset(context, *name); }; });

  auto parked_name = std::make_shared<std::string>();
  auto replay = std::make_shared<bool>(false);
  CLI::App* parked = projections->add_subcommand("parked", "List the events a projection parked");
  parked->add_option("name", *parked_name, "Projection name")->required();
  parked->add_flag("--replay", *replay, "Apply them again (after a fix); exit 7 when one still fails");
  parked->callback([&context, parked_name, replay] {
    context.run = [&context, parked_name, replay] { return RunParked(context, *parked_name, *replay); };
  });

  CLI::App* query = app.add_subcommand("query", "Read the read models");
  query->require_subcommand(1);
  auto order_id = std::make_shared<std::string>();
  query->add_subcommand("order", "An order from order_summary")
      ->callback([&context, order_id] { context.run = [&context, order_id] { return RunQueryOrder(context, *order_id); }; })
      ->add_option("order_id", *order_id, "Order id")
      ->required();
  auto customer_id = std::make_shared<std::string>();
  query->add_subcommand("customer", "A customer from customer_orders")
      ->callback([&context, customer_id] {
        context.run = [&context, customer_id] { return RunQueryCustomer(context, *customer_id); };
      })
      ->add_option("customer_id", *customer_id, "Customer id")
      ->required();
}

}  // namespace cairn::cli
