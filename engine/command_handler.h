// CommandHandler: load, decide, append with the loaded version as the
// expected version; on a conflict, reload and decide again.
//
// Thread safety: Handle may be called from any thread; the store's expected
// version check makes concurrent commands on one aggregate take effect one
// after the other, never over each other.
#ifndef CAIRN_ENGINE_COMMAND_HANDLER_H_
#define CAIRN_ENGINE_COMMAND_HANDLER_H_

#include <chrono>
#include <string>

#include "engine/command.h"
#include "engine/repository.h"

namespace cairn {

template <Aggregate A>
class CommandHandler {
 public:
  CommandHandler(EventStore& store, const A& aggregate, const EventTypeRegistry& types, HandlerOptions options = {})
      : store_(store),
        aggregate_(aggregate),
        types_(types),
        repository_(store, aggregate, types),
        options_(options),
        metrics_(options.metrics, A::kCategory) {}

  // Handles `command` for the aggregate `id`. Errors: the decision's own
  // (FailedPrecondition: a business rule said no; InvalidArgument: a bad
  // command), Aborted after max_retries conflicts, or the store's.
  Result<CommandResult> Handle(std::string_view id, const typename A::Command& command,
                               CommandContext context = CommandContext::New()) const {
    const auto start = std::chrono::steady_clock::now();
    Result<CommandResult> result = HandleOnce(id, command, std::move(context));
    metrics_.Record(result, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return result;
  }

  // Handles `command` for the aggregate it names (A::IdOf).
  Result<CommandResult> Handle(const typename A::Command& command, CommandContext context = CommandContext::New()) const {
    return Handle(A::IdOf(command), command, std::move(context));
  }

  const Repository<A>& repository() const { return repository_; }

 private:
  Result<CommandResult> HandleOnce(std::string_view id, const typename A::Command& command,
                                   CommandContext context) const {
    if (id.empty()) return InvalidArgumentError(std::string(A::kCategory) + " id is empty");
    if (context.command_id.is_nil()) context.command_id = Uuid::Random();
    CommandResult result;
    result.stream = Repository<A>::StreamOf(id);
    Status conflict = OkStatus();
    for (result.attempts = 1; result.attempts <= options_.max_retries + 1; ++result.attempts) {
      // A command whose first event is stored was handled before.
      Result<RecordedEvent> earlier = store_.ReadEvent(DeterministicEventId(context.command_id, 0));
      if (earlier.ok()) {
        result.version = earlier->version;
        result.position = earlier->position;
        result.duplicate = true;
        return result;
      }
      if (earlier.status().code() != StatusCode::kNotFound) return earlier.status();

      CAIRN_ASSIGN_OR_RETURN(AggregateRoot<A> root, repository_.Load(id));
      CAIRN_ASSIGN_OR_RETURN(Events events, aggregate_.Decide(root.state, command));
      result.version = root.version;
      result.position = root.position;
      if (events.empty()) return result;

      CAIRN_ASSIGN_OR_RETURN(std::vector<EventData> records, Records(events, context));
      ExpectedVersion expected = root.version ? ExpectedVersion::Exact(*root.version) : ExpectedVersion::NoStream();
      Result<AppendResult> appended = store_.Append(result.stream, expected, std::move(records));
      if (appended.ok()) {
        const uint64_t before = root.version ? *root.version + 1 : 0;
        for (const auto& event : events) aggregate_.Evolve(root.state, *event);
        root.version = appended->events.back().version;
        root.position = appended->events.back().position;
        root.recorded_at_us = appended->events.back().recorded_at_us;
        MaybeSnapshot(id, root, before);
        result.version = root.version;
        result.position = root.position;
        result.events = events.size();
        return result;
      }
      if (appended.status().code() != StatusCode::kAborted) return appended.status();
      conflict = appended.status();
    }
    return AbortedError("gave up after " + std::to_string(options_.max_retries + 1) + " attempts: " +
                        conflict.message());
  }

  Result<std::vector<EventData>> Records(const Events& events, const CommandContext& context) const {
    const std::string command_id = context.command_id.ToString();
    std::vector<EventData> records;
    records.reserve(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      CAIRN_ASSIGN_OR_RETURN(EventData record, types_.Encode(*events[i]));
      record.event_id = DeterministicEventId(context.command_id, static_cast<uint32_t>(i));
      record.metadata = context.metadata;
      record.metadata[std::string(kCommandIdKey)] = command_id;
      record.metadata[std::string(kCorrelationIdKey)] =
          context.correlation_id.empty() ? command_id : context.correlation_id;
      record.metadata[std::string(kCausationIdKey)] = context.causation_id.empty() ? command_id : context.causation_id;
      records.push_back(std::move(record));
    }
    return records;
  }

  // A snapshot is an optimisation: failing to save one changes no result.
  void MaybeSnapshot(std::string_view id, const AggregateRoot<A>& root, uint64_t events_before) const {
    const uint64_t every = options_.snapshot_every;
    if (every == 0 || (*root.version + 1) / every == events_before / every) return;
    (void)repository_.SaveSnapshot(id, root);
  }

  EventStore& store_;
  const A& aggregate_;
  const EventTypeRegistry& types_;
  Repository<A> repository_;
  HandlerOptions options_;
  CommandMetrics metrics_;
};

}  // namespace cairn

#endif  // CAIRN_ENGINE_COMMAND_HANDLER_H_
