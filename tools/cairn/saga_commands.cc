// cairn sagas list|show|retry|resolve|cancel|terminate|run: the sagas in a
// data dir, and what an operator does with a stuck one.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "sagas/admin.h"
#include "sagas/orchestrator.h"
#include "tools/cairn/node_config.h"

namespace cairn::cli {
namespace {

struct SagaArgs {
  std::string id, state, note;
  bool json = false;
};

int RunList(const Context& context, const SagaArgs& args) {
  std::optional<sagas::SagaStatus> status;
  if (!args.state.empty()) {
    status = sagas::ParseSagaStatus(args.state);
    if (!status) {
      return Fail(InvalidArgumentError("--state must be running, compensating, completed, compensated, cancelled, "
                                       "terminated, stuck or parked, not " + args.state));
    }
  }
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  auto found = sagas::ListSagas(**store, status);
  if (!found.ok()) return Fail(found.status());
  for (const sagas::SagaInstance& instance : *found) {
    std::string line;
    if (args.json) {
      line = sagas::SummaryJson(instance);
    } else {
      line = instance.id + "  " + std::string(sagas::SagaStatusName(sagas::ShownStatus(instance))) + "  " +
             instance.last_step + (instance.failure.empty() ? "" : "  " + instance.failure);
    }
    if (!WriteOut(line + "\n")) break;
  }
  return kExitOk;
}

int RunShow(const Context& context, const SagaArgs& args) {
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  auto timeline = sagas::TimelineJson(**store, args.id);
  if (!timeline.ok()) return Fail(timeline.status());
  if (args.json) {
    WriteOut(*timeline + "\n");
    return kExitOk;
  }
  const auto json = nlohmann::ordered_json::parse(*timeline);
  std::string out = json["saga_id"].get<std::string>() + "  " + json["definition"].get<std::string>() + " v" +
                    std::to_string(json["version"].get<int>()) + "  " + json["status"].get<std::string>() + "\n";
  if (json.contains("failure")) out += "failure: " + json["failure"].get<std::string>() + "\n";
  for (const auto& step : json["steps"]) {
    out += "  " + step["direction"].get<std::string>() + " " + step["step"].get<std::string>() + ": " +
           step["outcome"].get<std::string>() + " after " + std::to_string(step["attempts"].get<int>()) + " attempt(s)";
    if (step.contains("duration_ms")) {
      char duration[32];
      std::snprintf(duration, sizeof duration, " in %.1f ms", step["duration_ms"].get<double>());
      out += duration;
    }
    if (step.contains("error")) out += " (" + step["error"].get<std::string>() + ")";
    out += "\n";
  }
  for (const auto& deadline : json["deadlines"]) {
    out += "  deadline " + deadline["name"].get<std::string>() + " due " + deadline["due_at"].get<std::string>() +
           ": " + deadline["state"].get<std::string>() + "\n";
  }
  for (const auto& entry : json["timeline"]) {
    out += "  " + entry["at"].get<std::string>() + "  " + entry["type"].get<std::string>() + "  " +
           entry["data"].dump() + "\n";
  }
  WriteOut(out);
  return kExitOk;
}

int RunAction(const Context& context, const std::string& verb, const SagaArgs& args) {
  Result<NodeConfig> config = LoadNodeConfig(context);
  if (!config.ok()) return Fail(config.status());
  auto store = OpenForWriting(context, StoreOptionsOf(*config));
  if (!store.ok()) {
    return Fail(Status(store.status().code(), store.status().message() +
                                                  " (a running node takes operator actions itself; stop it first)"));
  }
  commerce::Commerce shop(**store, config->commerce);
  if (Status started = shop.Start(); !started.ok()) return Fail(started);
  Status acted = sagas::ActOnStore(**store, shop.Fulfillment(), shop.bus(), args.id,
                                   *sagas::ParseOperatorAction(verb), args.note);
  if (!acted.ok()) return Fail(acted);
  auto instance = sagas::LoadSaga(**store, args.id);
  if (instance.ok()) WriteOut(sagas::SummaryJson(*instance) + "\n");
  return kExitOk;
}

}  // namespace

void AddSagaCommands(CLI::App& app, Context& context) {
  CLI::App* group = app.add_subcommand("sagas", "Saga instances: list, show, and operator actions");
  group->require_subcommand(1);
  auto args = std::make_shared<SagaArgs>();

  CLI::App* list = group->add_subcommand("list", "One line per saga instance");
  list->add_option("--state", args->state, "Only these: running, compensating, completed, compensated, cancelled, "
                                           "terminated, stuck, parked");
  list->add_flag("--json", args->json, "One JSON object per line");
  list->callback([&context, args] { context.run = [&context, args] { return RunList(context, *args); }; });

  CLI::App* show = group->add_subcommand("show", "An instance's timeline: steps, attempts, outcomes, deadlines");
  show->add_option("id", args->id, "The saga id (order_fulfillment.<order id>)")->required();
  show->add_flag("--json", args->json, "As one JSON object");
  show->callback([&context, args] { context.run = [&context, args] { return RunShow(context, *args); }; });

  group->add_subcommand("run", "Run a node with only the saga orchestrator until SIGTERM")->callback([&context] {
    context.run = [&context] { return RunSagaNode(context); };
  });

  for (const char* verb : {"retry", "resolve", "cancel", "terminate"}) {
    const std::string help = std::string(verb) == "retry"     ? "Try a stuck step again"
                             : std::string(verb) == "resolve" ? "Mark a stuck step done by hand, and go on"
                             : std::string(verb) == "cancel"  ? "Undo what a running saga did (before its pivot)"
                                                              : "Stop a saga now; nothing more is done";
    CLI::App* action = group->add_subcommand(verb, help + " (with no node running)");
    action->add_option("id", args->id, "The saga id")->required();
    action->add_option("--note", args->note, "Why, for the timeline");
    action->callback([&context, args, verb = std::string(verb)] {
      context.run = [&context, args, verb] { return RunAction(context, verb, *args); };
    });
  }
}

}  // namespace cairn::cli
