// cairn append STREAM TYPE [--data JSON | --data-file FILE | stdin]
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tools/cairn/cli.h"
#include "tools/cairn/event_json.h"
#include "tools/cairn/node_config.h"

namespace cairn::cli {
namespace {

struct AppendArgs {
  std::string stream;
  std::string type;
  std::string data;
  std::string data_file;
  std::string expected = "any";
  std::string event_id;
  std::vector<std::string> metadata;
  uint64_t wait_lock_ms = 0;
};

Result<ExpectedVersion> ParseExpectedVersion(const std::string& text) {
  if (text == "any") return ExpectedVersion::Any();
  if (text == "no-stream") return ExpectedVersion::NoStream();
  if (text == "exists") return ExpectedVersion::StreamExists();
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 19) {
    return ExpectedVersion::Exact(std::stoull(text));
  }
  return InvalidArgumentError("--expected-version must be any, no-stream, exists or a version number, not '" +
                              text + "'");
}

Result<std::string> ReadPayload(const AppendArgs& args, bool data_given, size_t limit) {
  if (data_given) return args.data;
  if (!args.data_file.empty()) {
    std::error_code error;
    if (std::filesystem::is_directory(args.data_file, error)) {
      return InvalidArgumentError("--data-file " + args.data_file + " is a directory, not a file");
    }
    std::ifstream file(args.data_file, std::ios::binary);
    if (!file) return InvalidArgumentError("cannot read --data-file " + args.data_file);
    return ReadBounded(file, limit, "--data-file " + args.data_file);
  }
  return ReadBounded(std::cin, limit, "the event data on stdin");
}

Result<EventData> BuildEvent(const AppendArgs& args, bool data_given, const StoreOptions& limits) {
  CAIRN_ASSIGN_OR_RETURN(std::string data, ReadPayload(args, data_given, limits.max_event_bytes));
  CAIRN_ASSIGN_OR_RETURN(EventData event, JsonEvent(args.type, std::move(data)));
  if (!args.event_id.empty()) {
    std::optional<Uuid> id = Uuid::Parse(args.event_id);
    if (!id) return InvalidArgumentError("--event-id must be a UUID, not '" + args.event_id + "'");
    event.event_id = *id;
  } else {
    event.event_id = Uuid::Random();
  }
  for (const std::string& pair : args.metadata) {
    size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) {
      return InvalidArgumentError("--metadata takes key=value, not '" + pair + "'");
    }
    if (!event.metadata.emplace(pair.substr(0, equals), pair.substr(equals + 1)).second) {
      return InvalidArgumentError("--metadata key '" + pair.substr(0, equals) + "' is given twice");
    }
  }
  return event;
}

int RunAppend(const Context& context, const AppendArgs& args, bool data_given) {
  Result<NodeConfig> config = LoadNodeConfig(context);
  if (!config.ok()) return Fail(config.status());
  StoreOptions options = StoreOptionsOf(*config);
  options.lock_wait = std::chrono::milliseconds(args.wait_lock_ms);
  Result<ExpectedVersion> expected = ParseExpectedVersion(args.expected);
  if (!expected.ok()) return Fail(expected.status());
  Result<EventData> event = BuildEvent(args, data_given, options);
  if (!event.ok()) return Fail(event.status());
  std::vector<StreamAppend> appends{{args.stream, *expected, {*std::move(event)}}};
  // Bad input never creates or opens the data dir.
  if (Status valid = ValidateAppend(appends, options); !valid.ok()) return Fail(valid);
  auto store = OpenForWriting(context, options);
  if (!store.ok()) return Fail(store.status());
  auto result = (*store)->Append(appends);
  if (!result.ok()) return Fail(result.status());
  const AppendedEvent& appended = result->events.front();
  nlohmann::ordered_json out;
  out["stream"] = appended.stream;
  out["version"] = appended.version;
  out["position"] = appended.position;
  out["event_id"] = appended.event_id.ToString();
  std::cout << out.dump() << '\n';
  return kExitOk;
}

}  // namespace

void AddAppendCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<AppendArgs>();
  CLI::App* command = app.add_subcommand("append", "Append one JSON event to a stream; prints where it landed");
  command->add_option("stream", args->stream, "Stream id, category-id (order-42)")->required();
  command->add_option("type", args->type, "Event type (OrderPlaced)")->required();
  auto* data = command->add_option("--data", args->data, "The event as JSON (default: read from stdin)");
  command->add_option("--data-file", args->data_file, "Read the event JSON from this file")->excludes(data);
  command->add_option("--expected-version", args->expected, "any | no-stream | exists | VERSION (default any)");
  command->add_option("--event-id", args->event_id, "UUID; retrying with the same id appends nothing twice");
  command->add_option("--metadata", args->metadata, "key=value, repeatable; a key may be given once")
      ->allow_extra_args(false);
  command->add_option("--wait-lock", args->wait_lock_ms,
                      "Wait this long for another writer to release the data dir (500ms, 10s; default: no wait)")
      ->transform(Duration());
  command->callback([&context, args, data] {
    const bool data_given = data->count() > 0;
    context.run = [&context, args, data_given] { return RunAppend(context, *args, data_given); };
  });
}

}  // namespace cairn::cli
