// What travels with a command, and what handling it produced.
#ifndef CAIRN_ENGINE_COMMAND_H_
#define CAIRN_ENGINE_COMMAND_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/metrics.h"
#include "store/event.h"

namespace cairn {

// Metadata key of the command that produced an event.
inline constexpr std::string_view kCommandIdKey = "command_id";

struct CommandContext {
  // Identifies the command. The events it produces get ids derived from it,
  // so sending the same command again appends nothing twice.
  Uuid command_id;
  // Empty: the command id. Copied into every event the command produces.
  std::string correlation_id;
  // Empty: the command id. A command caused by an event names that event.
  std::string causation_id;
  // More keys copied into every event.
  Metadata metadata;

  // A context with a new random command id.
  static CommandContext New();
  // The context of a command that `event` caused: same correlation id,
  // causation id = the event's id.
  static CommandContext CausedBy(const RecordedEvent& event, Uuid command_id);
};

// The id of the `index`-th event that command `command_id` produces.
Uuid DeterministicEventId(const Uuid& command_id, uint32_t index);

struct CommandResult {
  std::string stream;
  // The aggregate's last version after the command; nullopt when it has no events.
  std::optional<uint64_t> version;
  // Global position of the last event the command wrote (or wrote before).
  uint64_t position = 0;
  // Events appended by this call: 0 for a command that changed nothing.
  size_t events = 0;
  // The command was handled before: nothing was appended again.
  bool duplicate = false;
  // Loads and decisions it took (more than 1 after a concurrent writer won).
  int attempts = 0;
  // A duplicate: the type of the first event the command appended back then.
  std::string first_type;
};

// A command decided but not appended (CommandHandler::Prepare).
struct PreparedCommand {
  // The events to append, with the loaded version as the expected version;
  // none when the command changes nothing or was handled before.
  StreamAppend append;
  // The types of those events; for a duplicate, the type of the first event
  // it appended back then.
  std::vector<std::string> types;
  bool duplicate = false;
};

struct HandlerOptions {
  // A conflicting concurrent append (Aborted) makes the handler reload and
  // decide again, at most this many times.
  int max_retries = 5;
  // Save a snapshot every this many events per aggregate; 0 never does.
  uint64_t snapshot_every = 0;
  // When set, handlers count commands by aggregate and outcome
  // (cairn_commands_total) and time them (cairn_command_seconds). Not owned.
  MetricsRegistry* metrics = nullptr;
};

// What became of a command, as the metrics label it.
std::string_view CommandOutcome(const Result<CommandResult>& result);

// The metrics of one aggregate type's commands.
class CommandMetrics {
 public:
  // Registers the series in `registry`; a null registry records nothing.
  CommandMetrics(MetricsRegistry* registry, std::string_view aggregate);
  void Record(const Result<CommandResult>& result, double seconds) const;

 private:
  std::map<std::string, Counter*, std::less<>> outcomes_;
  Histogram* latency_ = nullptr;
};

}  // namespace cairn

#endif  // CAIRN_ENGINE_COMMAND_H_
