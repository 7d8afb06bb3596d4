#include "sagas/admin.h"

#include <nlohmann/json.hpp>

#include "engine/aggregate.h"
#include "engine/message_json.h"
#include "sagas/internal/planner.h"
#include "sagas/proto/saga.pb.h"

namespace cairn::sagas {
namespace {

using nlohmann::ordered_json;

const EventTypeRegistry& SagaTypes() {
  static const EventTypeRegistry* types = [] {
    auto* registry = new EventTypeRegistry();
    RegisterSagaEvents(*registry);
    return registry;
  }();
  return *types;
}

Result<std::vector<RecordedEvent>> ReadAllOf(EventStore& store, const std::string& stream) {
  std::vector<RecordedEvent> all;
  ReadStreamOptions options;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> page, store.ReadStream(stream, options));
    const bool last = page.size() < options.max_count;
    for (RecordedEvent& event : page) all.push_back(std::move(event));
    if (last) return all;
    options.from_version = all.back().version + 1;
  }
}

std::string Time(int64_t us) { return us ? FormatTimestamp(us) : ""; }

// One step or compensation of the timeline, as its events tell it.
struct StepRow {
  std::string step;
  bool compensation = false;
  int attempts = 0;
  std::string outcome = "pending";
  std::string error;
  int64_t started_at_us = 0, ended_at_us = 0;
};

void Note(std::vector<StepRow>& rows, const google::protobuf::Message& event, int64_t at) {
  auto row = [&](const std::string& step, bool compensation) -> StepRow& {
    if (rows.empty() || rows.back().step != step || rows.back().compensation != compensation) {
      rows.push_back(StepRow{step, compensation});
      rows.back().started_at_us = at;
    }
    return rows.back();
  };
  auto end = [&](StepRow& r, std::string outcome, std::string error = "") {
    r.outcome = std::move(outcome);
    r.error = std::move(error);
    r.ended_at_us = at;
  };
  if (const auto* requested = As<StepRequested>(event)) {
    row(requested->step(), false).attempts = requested->attempt();
  } else if (const auto* undo = As<CompensationRequested>(event)) {
    row(undo->step(), true).attempts = undo->attempt();
  } else if (const auto* succeeded = As<StepSucceeded>(event)) {
    end(row(succeeded->step(), false), "succeeded: " + succeeded->outcome());
  } else if (const auto* undone = As<CompensationSucceeded>(event)) {
    end(row(undone->step(), true), "succeeded: " + undone->outcome());
  } else if (const auto* failed = As<StepFailed>(event)) {
    StepRow& r = row(failed->step(), false);
    r.error = failed->error();
    if (!failed->retryable()) end(r, failed->skipped() ? "failed, skipped" : "failed", failed->error());
  } else if (const auto* undo_failed = As<CompensationFailed>(event)) {
    StepRow& r = row(undo_failed->step(), true);
    r.error = undo_failed->error();
    if (!undo_failed->retryable()) end(r, undo_failed->skipped() ? "failed, skipped" : "failed", undo_failed->error());
  } else if (const auto* timed_out = As<StepTimedOut>(event)) {
    if (timed_out->whole_step()) end(row(timed_out->step(), false), "timed out", "the step timed out");
  } else if (const auto* stuck = As<SagaStuck>(event)) {
    end(row(stuck->step(), stuck->compensation()), "stuck", stuck->error());
  }
}

}  // namespace

Result<SagaInstance> LoadSaga(EventStore& store, const std::string& saga_id) {
  Result<std::vector<RecordedEvent>> read = ReadAllOf(store, SagaStreamOf(saga_id));
  if (!read.ok() && read.status().code() == StatusCode::kNotFound) return NotFoundError("saga " + saga_id + " not found");
  CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> events, std::move(read));
  SagaInstance instance;
  for (const RecordedEvent& event : events) {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> message, SagaTypes().Decode(event));
    Evolve(instance, *message);
    Track(instance, event.version, event.position, event.recorded_at_us);
  }
  if (instance.id.empty()) return NotFoundError("saga " + saga_id + " has no start");
  return instance;
}

Result<std::vector<SagaInstance>> ListSagas(EventStore& store, std::optional<SagaStatus> status) {
  std::vector<SagaInstance> found;
  std::string after;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<StreamHeadInfo> streams, store.ListStreams(kSagaCategory, after, 1000));
    for (const StreamHeadInfo& head : streams) {
      CAIRN_ASSIGN_OR_RETURN(SagaInstance instance, LoadSaga(store, head.stream.substr(kSagaCategory.size() + 1)));
      if (!status || ShownStatus(instance) == *status) found.push_back(std::move(instance));
    }
    if (streams.size() < 1000) return found;
    after = streams.back().stream;
  }
}

std::string SummaryJson(const SagaInstance& s) {
  ordered_json out;
  out["saga_id"] = s.id;
  out["definition"] = s.definition;
  out["version"] = s.definition_version;
  out["status"] = SagaStatusName(ShownStatus(s));
  out["step"] = s.last_step;
  if (!s.failure.empty()) out["failure"] = s.failure;
  if (s.status == SagaStatus::kStuck) out["stuck_in"] = (s.stuck_in_compensation ? "compensation of " : "") + s.stuck_step;
  out["started_at"] = Time(s.started_at_us);
  out["updated_at"] = Time(s.updated_at_us);
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::string> TimelineJson(EventStore& store, const std::string& saga_id) {
  Result<std::vector<RecordedEvent>> read = ReadAllOf(store, SagaStreamOf(saga_id));
  if (!read.ok() && read.status().code() == StatusCode::kNotFound) return NotFoundError("saga " + saga_id + " not found");
  CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> events, std::move(read));
  SagaInstance instance;
  std::vector<StepRow> rows;
  ordered_json timeline = ordered_json::array();
  std::map<std::string, std::pair<int64_t, std::string>> deadlines;  // name -> due, state
  for (const RecordedEvent& event : events) {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> message, SagaTypes().Decode(event));
    Evolve(instance, *message);
    Track(instance, event.version, event.position, event.recorded_at_us);
    Note(rows, *message, event.recorded_at_us);
    if (const auto* scheduled = As<DeadlineScheduled>(*message)) {
      deadlines[scheduled->name()] = {scheduled->due_at_us(), "pending"};
    } else if (const auto* fired = As<DeadlineFired>(*message)) {
      deadlines[fired->name()].second = "fired";
    } else if (const auto* cancelled = As<DeadlineCancelled>(*message)) {
      if (deadlines.count(cancelled->name())) deadlines[cancelled->name()].second = "cancelled";
    }
    ordered_json entry;
    entry["at"] = Time(event.recorded_at_us);
    entry["position"] = event.position;
    entry["type"] = event.type;
    CAIRN_ASSIGN_OR_RETURN(const std::string data, MessageToJson(*message, JsonDefaults::kOmit));
    entry["data"] = ordered_json::parse(data, nullptr, false);
    timeline.push_back(std::move(entry));
  }
  if (instance.id.empty()) return NotFoundError("saga " + saga_id + " has no events");
  ordered_json out = ordered_json::parse(SummaryJson(instance));
  out["vars"] = instance.vars;
  ordered_json steps = ordered_json::array();
  for (const StepRow& row : rows) {
    ordered_json step;
    step["step"] = row.step;
    step["direction"] = row.compensation ? "compensation" : "forward";
    step["attempts"] = row.attempts;
    step["outcome"] = row.outcome;
    if (!row.error.empty()) step["error"] = row.error;
    step["started_at"] = Time(row.started_at_us);
    if (row.ended_at_us) step["duration_ms"] = (row.ended_at_us - row.started_at_us) / 1000.0;
    steps.push_back(std::move(step));
  }
  out["steps"] = std::move(steps);
  ordered_json due = ordered_json::array();
  for (const auto& [name, deadline] : deadlines) {
    due.push_back({{"name", name}, {"due_at", Time(deadline.first)}, {"state", deadline.second}});
  }
  out["deadlines"] = std::move(due);
  out["timeline"] = std::move(timeline);
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<OperatorAction> ParseOperatorAction(std::string_view name) {
  if (name == "retry") return OperatorAction::kRetry;
  if (name == "resolve") return OperatorAction::kResolve;
  if (name == "cancel") return OperatorAction::kCancel;
  if (name == "terminate") return OperatorAction::kTerminate;
  return std::nullopt;
}

Status ActOnStore(EventStore& store, const SagaDefinition& definition, CommandBus& bus, const std::string& saga_id,
                  OperatorAction action, const std::string& note) {
  CAIRN_ASSIGN_OR_RETURN(SagaInstance instance, LoadSaga(store, saga_id));
  if (instance.definition != definition.name() || instance.definition_version != definition.version()) {
    return InvalidArgumentError("saga " + saga_id + " runs on " + instance.definition + " v" +
                                std::to_string(instance.definition_version) + ", not " + definition.name() + " v" +
                                std::to_string(definition.version()));
  }
  // Terminating does nothing with the steps: it ends even an instance whose stream does not fit.
  if (action != OperatorAction::kTerminate) CAIRN_RETURN_IF_ERROR(CheckInstance(instance, definition));
  internal::Planner planner(definition, bus, SystemClock(), [] { return 0.5; });
  internal::Transition t(instance);
  switch (action) {
    case OperatorAction::kRetry: CAIRN_RETURN_IF_ERROR(planner.Retry(t, note)); break;
    case OperatorAction::kResolve: CAIRN_RETURN_IF_ERROR(planner.Resolve(t, note)); break;
    case OperatorAction::kCancel: CAIRN_RETURN_IF_ERROR(planner.Cancel(t, note)); break;
    case OperatorAction::kTerminate: CAIRN_RETURN_IF_ERROR(planner.Terminate(t, note)); break;
  }
  std::vector<StreamAppend> appends(1);
  appends[0].stream = SagaStreamOf(saga_id);
  appends[0].expected = ExpectedVersion::Exact(*instance.version);
  for (const auto& event : t.events) {
    CAIRN_ASSIGN_OR_RETURN(EventData data, SagaTypes().Encode(*event));
    data.metadata[std::string(kCorrelationIdKey)] = saga_id;
    appends[0].events.push_back(std::move(data));
  }
  for (StreamAppend& command : t.commands) appends.push_back(std::move(command));
  return store.Append(appends).status();
}

}  // namespace cairn::sagas
