// CommandHandler: load, decide, append with the loaded version as the
// expected version; on a conflict, reload and decide again.
//
// Thread safety: Handle and HandleAsync may be called from any thread; the
// store's expected version check makes concurrent commands on one aggregate
// take effect one after the other, never over each other.
#ifndef CAIRN_ENGINE_COMMAND_HANDLER_H_
#define CAIRN_ENGINE_COMMAND_HANDLER_H_

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/async_append.h"
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

  // As Handle, with the append asynchronous: no thread waits for the group's
  // sync. `token` (a callback, asio::use_future, asio::use_awaitable) gets
  // the Result<CommandResult> on its associated executor, where loading and
  // deciding run too (a plain callback gets the system executor): at once
  // when called on a thread of that executor, else through it. The
  // completion never runs inside HandleAsync.
  template <typename CompletionToken>
  auto HandleAsync(typename A::Command command, CommandContext context, CompletionToken&& token) const {
    std::string id(A::IdOf(command));
    return boost::asio::async_compose<CompletionToken, void(Result<CommandResult>)>(
        AsyncHandle{this, std::move(id), std::move(command), std::move(context)}, token);
  }

  // Loads and decides without appending, for a caller that appends the
  // events together with its own in one atomic append (a saga's
  // transition). Errors as Handle's; no conflict retries: the caller's
  // append checks the expected version, and on Aborted it prepares again.
  Result<PreparedCommand> Prepare(const typename A::Command& command, CommandContext context) const {
    CommandResult result;
    CAIRN_ASSIGN_OR_RETURN(std::optional<Attempt> attempt, LoadAndDecide(A::IdOf(command), command, context, result));
    PreparedCommand prepared;
    prepared.append.stream = result.stream;
    prepared.duplicate = result.duplicate;
    if (result.duplicate) {
      // The caller tells outcomes by type: name every event the command appended back then.
      prepared.types.push_back(std::move(result.first_type));
      for (uint32_t index = 1;; ++index) {
        Result<RecordedEvent> event = store_.ReadEvent(DeterministicEventId(context.command_id, index));
        if (!event.ok()) break;
        prepared.types.push_back(std::move(event->type));
      }
    }
    if (!attempt) return prepared;
    for (const EventData& record : attempt->records) prepared.types.push_back(record.type);
    prepared.append.expected = attempt->expected;
    prepared.append.events = std::move(attempt->records);
    return prepared;
  }

  const Repository<A>& repository() const { return repository_; }

 private:
  // One load and decision, ready to append; or the final result when there
  // is nothing to append (a duplicate, a decision without events).
  struct Attempt {
    AggregateRoot<A> root;
    Events events;
    std::vector<EventData> records;
    ExpectedVersion expected = ExpectedVersion::Any();
  };

  // Whether `command` is first tried without a load (StartsStreams).
  static bool StartsStream(const typename A::Command& command) {
    if constexpr (StartsStreams<A>) {
      return A::StartsStream(command);
    } else {
      return false;
    }
  }

  // `unloaded`: decide against the initial state, for a command that starts its stream.
  Result<std::optional<Attempt>> LoadAndDecide(std::string_view id, const typename A::Command& command,
                                               CommandContext& context, CommandResult& result,
                                               bool unloaded = false) const {
    if (id.empty()) return InvalidArgumentError(std::string(A::kCategory) + " id is empty");
    result.stream = Repository<A>::StreamOf(id);
    if (context.command_id.is_nil()) {
      // An id made here cannot have been handled before: no resend check.
      context.command_id = Uuid::Random();
    } else {
      // A command whose first event is stored was handled before.
      Result<RecordedEvent> earlier = store_.ReadEvent(DeterministicEventId(context.command_id, 0));
      if (earlier.ok()) {
        result.first_type = earlier->type;
        result.version = earlier->version;
        result.position = earlier->position;
        result.duplicate = true;
        return std::optional<Attempt>();
      }
      if (earlier.status().code() != StatusCode::kNotFound) return earlier.status();
    }
    Attempt attempt;
    if (!unloaded) {
      CAIRN_ASSIGN_OR_RETURN(attempt.root, repository_.Load(id));
    }
    CAIRN_ASSIGN_OR_RETURN(attempt.events, aggregate_.Decide(attempt.root.state, command));
    result.version = attempt.root.version;
    result.position = attempt.root.position;
    if (attempt.events.empty()) return std::optional<Attempt>();
    CAIRN_ASSIGN_OR_RETURN(attempt.records, Records(attempt.events, context));
    attempt.expected = attempt.root.version ? ExpectedVersion::Exact(*attempt.root.version) : ExpectedVersion::NoStream();
    return std::optional<Attempt>(std::move(attempt));
  }

  // Folds the appended events in, for the result and the snapshot.
  void Committed(std::string_view id, Attempt& attempt, const AppendResult& appended, CommandResult& result) const {
    AggregateRoot<A>& root = attempt.root;
    const uint64_t before = root.version ? *root.version + 1 : 0;
    for (const auto& event : attempt.events) aggregate_.Evolve(root.state, *event);
    root.version = appended.events.back().version;
    root.position = appended.events.back().position;
    root.recorded_at_us = appended.events.back().recorded_at_us;
    MaybeSnapshot(id, root, before);
    result.version = root.version;
    result.position = root.position;
    result.events = attempt.events.size();
  }

  Status GaveUp(const Status& conflict, int attempts) const {
    return AbortedError("gave up after " + std::to_string(attempts) + " attempts: " + conflict.message());
  }

  Result<CommandResult> HandleOnce(std::string_view id, const typename A::Command& command,
                                   CommandContext context) const {
    CommandResult result;
    Status conflict = OkStatus();
    bool unloaded = StartsStream(command);
    int attempts = options_.max_retries + 1;
    for (result.attempts = 1; result.attempts <= attempts; ++result.attempts) {
      CAIRN_ASSIGN_OR_RETURN(std::optional<Attempt> attempt, LoadAndDecide(id, command, context, result, unloaded));
      if (!attempt) return result;
      Result<AppendResult> appended = store_.Append(result.stream, attempt->expected, std::move(attempt->records));
      if (appended.ok()) {
        Committed(id, *attempt, *appended, result);
        return result;
      }
      if (appended.status().code() != StatusCode::kAborted) return appended.status();
      if (std::exchange(unloaded, false)) ++attempts;  // the stream exists: load it, at no retry's cost
      conflict = appended.status();
    }
    return GaveUp(conflict, attempts);
  }

  // Whether this thread runs `executor`'s handlers; never for the system
  // executor, whose work belongs on its own pool, not on the caller's thread.
  template <typename Executor>
  static bool OnItsThread(const Executor& executor) {
    if constexpr (std::is_same_v<Executor, boost::asio::system_executor>) {
      return false;
    } else if constexpr (requires { executor.running_in_this_thread(); }) {
      return executor.running_in_this_thread();
    } else {
      return false;
    }
  }

  // HandleAsync's steps: prepare, append asynchronously, and on a conflict
  // prepare again.
  struct AsyncHandle {
    const CommandHandler* handler;
    std::string id;
    typename A::Command command;
    CommandContext context;
    CommandResult result;
    std::optional<Attempt> attempt;
    bool unloaded = StartsStream(command);
    int attempts = handler->options_.max_retries + 1;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

    bool started = false;
    bool initiating = false;                   // inside HandleAsync itself
    std::optional<Result<CommandResult>> due;  // an outcome reached there

    // First from the initiating call, then from the token's executor. A call
    // made on that executor's own thread (a completion that issues the next
    // command) starts at once and spares a hand-off; any other goes through
    // the executor. No completion runs inside HandleAsync itself.
    template <typename Self>
    void operator()(Self& self) {
      if (!started) {
        started = true;
        if (!OnItsThread(self.get_executor())) return boost::asio::post(std::move(self));
        initiating = true;  // until `self` is handed on
        return Next(self);
      }
      if (due) return Complete(self, *std::exchange(due, std::nullopt));
      Next(self);
    }
    template <typename Self>
    void operator()(Self& self, Result<AppendResult> appended) {
      if (appended.ok()) {
        handler->Committed(id, *attempt, *appended, result);
        return Complete(self, std::move(result));
      }
      if (appended.status().code() != StatusCode::kAborted) return Complete(self, appended.status());
      if (std::exchange(unloaded, false)) ++attempts;  // as in HandleOnce
      if (result.attempts >= attempts) return Complete(self, handler->GaveUp(appended.status(), attempts));
      Next(self);
    }
    template <typename Self>
    void Next(Self& self) {
      ++result.attempts;
      Result<std::optional<Attempt>> prepared = handler->LoadAndDecide(id, command, context, result, unloaded);
      if (!prepared.ok()) return Complete(self, prepared.status());
      attempt = std::move(prepared).value();
      if (!attempt) return Complete(self, std::move(result));
      std::vector<StreamAppend> appends;  // not from an initializer list, which would copy the records
      appends.push_back(StreamAppend{result.stream, attempt->expected, std::move(attempt->records)});
      initiating = false;  // the store completes it, through the executor
      async_append(handler->store_, std::move(appends), std::move(self));
    }
    template <typename Self>
    void Complete(Self& self, Result<CommandResult> outcome) {
      if (initiating) {
        initiating = false;
        due = std::move(outcome);
        return boost::asio::post(std::move(self));
      }
      handler->metrics_.Record(outcome,
                               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      self.complete(std::move(outcome));
    }
  };

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
