#include "sagas/internal/planner.h"

#include "engine/command.h"
#include "sagas/proto/saga.pb.h"

namespace cairn::sagas::internal {
namespace {

// Name-based command ids live in their own namespace: the same saga, step,
// attempt and direction always give the same command id.
const Uuid& CommandNamespace() {
  static const Uuid kNamespace = *Uuid::Parse("6b1f3c2e-5d4a-4e8b-9c7f-2a1d0e9b8c71");
  return kNamespace;
}

template <typename M>
M StepEvent(const Step& step, int index, int attempt) {
  M event;
  event.set_step(step.name);
  event.set_index(index);
  event.set_attempt(attempt);
  return event;
}

}  // namespace

std::string IdempotencyKey(std::string_view saga_id, std::string_view step, bool compensation) {
  return std::string(saga_id) + "/" + std::string(step) + (compensation ? "/undo" : "");
}

bool IsRetryable(const Status& status) { return status.code() == StatusCode::kUnavailable; }

SagaVars VarsFor(const SagaInstance& instance, bool compensation) {
  SagaVars vars = instance.vars;
  if (compensation) vars[std::string(kFailureVar)] = instance.failure;
  return vars;
}

const Action& Planner::ActionOf(int index, bool compensation) const {
  const Step& step = definition_.steps()[index];
  return compensation ? *step.compensation : *step.forward;
}

bool Planner::PastPivot(const SagaInstance& s) const {
  return s.status == SagaStatus::kRunning && s.step > static_cast<int>(definition_.pivot());
}

void Planner::Start(Transition& t, const std::string& saga_id, const SagaVars& vars, const RecordedEvent* trigger) {
  SagaStarted started;
  started.set_saga_id(saga_id);
  started.set_definition(definition_.name());
  started.set_version(definition_.version());
  if (trigger) {
    started.set_trigger_event_id(trigger->event_id.ToString());
    started.set_trigger_type(trigger->type);
    if (auto trace = trigger->metadata.find(kTraceparentKey); trace != trigger->metadata.end()) {
      started.set_traceparent(trace->second);
    }
  }
  started.mutable_vars()->insert(vars.begin(), vars.end());
  t.Add(std::move(started));
  Drive(t);
}

void Planner::Drive(Transition& t) {
  const SagaInstance& s = t.after;
  const auto& steps = definition_.steps();
  // Each pass adds events or returns: a step is requested, or the cursor moves.
  while (!t.drive_again) {
    if (s.requested || s.deadlines.count(std::string(kRetryDeadline))) return;
    if (s.status == SagaStatus::kRunning) {
      int next = s.step;
      while (next < static_cast<int>(steps.size()) && !steps[next].forward) ++next;
      if (next == static_cast<int>(steps.size())) return t.Add(SagaCompleted());
      const size_t before = t.events.size();
      Request(t, next, next == s.step ? s.attempt + 1 : 1, false);
      if (t.events.size() == before) return;
    } else if (s.status == SagaStatus::kCompensating) {
      int next = s.step;
      while (next >= 0 && !steps[next].compensation) --next;
      if (next < 0) return t.Add(SagaCompensated());
      const size_t before = t.events.size();
      Request(t, next, next == s.step ? s.attempt + 1 : 1, true);
      if (t.events.size() == before) return;
    } else {
      return;  // done, stuck or terminated
    }
  }
}

void Planner::Request(Transition& t, int index, int attempt, bool compensation) {
  const Step& step = definition_.steps()[index];
  const Action& action = ActionOf(index, compensation);
  Result<std::vector<std::string>> types = std::vector<std::string>();
  if (!action.activity) {
    // Decided before the request is added: a command on a stream this
    // transition writes already must wait for it (drive_again).
    types = RunCommand(t, action, index, attempt, compensation, VarsFor(t.after, compensation));
    if (t.drive_again) return;
  }
  if (compensation) {
    t.Add(StepEvent<CompensationRequested>(step, index, attempt));
  } else {
    t.Add(StepEvent<StepRequested>(step, index, attempt));
  }
  if (attempt == 1 && action.step_timeout.count() > 0) ScheduleDeadline(t, kStepDeadline, action.step_timeout);
  if (action.activity) {
    if (action.attempt_timeout.count() > 0) ScheduleDeadline(t, kAttemptDeadline, action.attempt_timeout);
    return;  // the orchestrator makes the call once this is durable
  }
  Decided(t, index, compensation, {}, std::move(types));
}

Result<std::vector<std::string>> Planner::RunCommand(Transition& t, const Action& action, int index, int attempt,
                                                     bool compensation, const SagaVars& vars) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> command, action.command(vars));
  if (!command) return std::vector<std::string>();  // nothing to record
  CommandContext context;
  const std::string step_id = IdempotencyKey(t.after.id, definition_.steps()[index].name, compensation);
  context.command_id = Uuid::NameBased(CommandNamespace(), step_id + "/" + std::to_string(attempt));
  context.correlation_id = t.after.id;
  context.metadata["saga_id"] = t.after.id;
  if (!t.after.traceparent.empty()) context.metadata[std::string(kTraceparentKey)] = t.after.traceparent;
  CAIRN_ASSIGN_OR_RETURN(PreparedCommand prepared, bus_.Prepare(*command, std::move(context)));
  if (!prepared.append.events.empty()) {
    for (const StreamAppend& other : t.commands) {
      if (other.stream == prepared.append.stream) {
        t.drive_again = true;  // decided on a state this transition is about to change
        return std::vector<std::string>();
      }
    }
    t.commands.push_back(std::move(prepared.append));
  }
  return std::move(prepared.types);
}

bool Planner::CallDone(Transition& t, int index, int attempt, bool compensation, bool made,
                       Result<SagaVars> output) {
  const SagaInstance& s = t.after;
  const bool awaited = s.requested && s.step == index && s.attempt == attempt &&
                       (s.status == SagaStatus::kCompensating) == compensation;
  if (!awaited) return false;
  const Action& action = ActionOf(index, compensation);
  if (!output.ok()) {
    // Only a business "no" says the call did nothing; silence may hide an effect.
    Failed(t, index, compensation, output.status(), made && IsRetryable(output.status()));
  } else if (action.command) {
    SagaVars vars = VarsFor(s, compensation);
    for (const auto& [key, value] : *output) vars[key] = value;
    Decided(t, index, compensation, *output, RunCommand(t, action, index, attempt, compensation, vars));
  } else {
    Succeeded(t, index, compensation, "ok", *output);
  }
  Drive(t);
  return true;
}

void Planner::Decided(Transition& t, int index, bool compensation, const SagaVars& output,
                      Result<std::vector<std::string>> types) {
  if (!types.ok()) return Failed(t, index, compensation, types.status(), false);
  const Action& action = ActionOf(index, compensation);
  auto reason = output.find("reason");
  const std::string why = reason == output.end() ? "" : ": " + reason->second;
  for (const std::string& type : *types) {
    if (action.failure.count(type)) return Failed(t, index, compensation, FailedPreconditionError(type + why), false);
    if (action.retry_on.count(type)) {
      return Failed(t, index, compensation, UnavailableError(type + ": a later attempt may pass"), false);
    }
  }
  for (const std::string& type : *types) {
    if (action.success.count(type)) return Succeeded(t, index, compensation, type, output);
  }
  if (types->empty()) return Succeeded(t, index, compensation, "unchanged", output);
  Failed(t, index, compensation, InternalError("the command appended " + types->front() + ", which the step does not "
                                               "name as success or failure"), false);
}

void Planner::Succeeded(Transition& t, int index, bool compensation, std::string outcome, const SagaVars& output) {
  const Step& step = definition_.steps()[index];
  const int attempt = t.after.attempt;
  CancelDeadline(t, kAttemptDeadline);
  CancelDeadline(t, kStepDeadline);
  if (compensation) {
    auto event = StepEvent<CompensationSucceeded>(step, index, attempt);
    event.set_outcome(std::move(outcome));
    return t.Add(std::move(event));
  }
  auto event = StepEvent<StepSucceeded>(step, index, attempt);
  event.set_outcome(std::move(outcome));
  event.mutable_vars()->insert(output.begin(), output.end());
  t.Add(std::move(event));
}

void Planner::Failed(Transition& t, int index, bool compensation, const Status& error, bool uncertain) {
  const Step& step = definition_.steps()[index];
  const Action& action = ActionOf(index, compensation);
  const SagaInstance& s = t.after;
  const int attempt = s.attempt;
  const bool retry = IsRetryable(error) && attempt < action.retry.max_attempts;
  const bool skipped = !retry && action.may_fail;
  const std::string code = error.code() == StatusCode::kFailedPrecondition ? "rejected"
                                                                         : std::string(StatusCodeName(error.code()));
  if (compensation) {
    auto event = StepEvent<CompensationFailed>(step, index, attempt);
    event.set_code(code);
    event.set_error(error.message());
    event.set_retryable(retry);
    event.set_skipped(skipped);
    t.Add(std::move(event));
  } else {
    auto event = StepEvent<StepFailed>(step, index, attempt);
    event.set_code(code);
    event.set_error(error.message());
    event.set_retryable(retry);
    event.set_skipped(skipped);
    event.set_uncertain(uncertain);
    t.Add(std::move(event));
  }
  if (retry) {
    CancelDeadline(t, kAttemptDeadline);
    const auto delay = action.retry.DelayBefore(attempt + 1, random_());
    auto scheduled = StepEvent<RetryScheduled>(step, index, attempt + 1);
    scheduled.set_due_at_us(clock_.NowMicros() + std::chrono::duration_cast<std::chrono::microseconds>(delay).count());
    t.Add(std::move(scheduled));
    return ScheduleDeadline(t, kRetryDeadline, delay);
  }
  if (skipped) {
    CancelDeadline(t, kAttemptDeadline);
    return CancelDeadline(t, kStepDeadline);
  }
  GiveUp(t, index, compensation, step.name + ": " + error.message(), uncertain || t.after.uncertain);
}

void Planner::GiveUp(Transition& t, int index, bool compensation, const std::string& error, bool uncertain) {
  for (std::string_view name : {kAttemptDeadline, kStepDeadline, kRetryDeadline}) CancelDeadline(t, name);
  const Step& step = definition_.steps()[index];
  if (compensation || index > static_cast<int>(definition_.pivot())) {
    SagaStuck stuck;
    stuck.set_step(step.name);
    stuck.set_index(index);
    stuck.set_compensation(compensation);
    stuck.set_error(error);
    return t.Add(std::move(stuck));
  }
  CompensateFrom(t, uncertain ? index : index - 1);
}

void Planner::CompensateFrom(Transition& t, int from) {
  const auto& steps = definition_.steps();
  while (from >= 0 && !steps[from].compensation) --from;
  if (from < 0) return t.Add(SagaCompensated());
  Request(t, from, 1, true);
}

bool Planner::DeadlineDue(Transition& t, const std::string& name) {
  SagaInstance& s = t.after;
  if (!s.deadlines.count(name)) return false;
  DeadlineFired fired;
  fired.set_name(name);
  t.Add(std::move(fired));
  const bool compensation = s.status == SagaStatus::kCompensating;
  if (name == kAttemptDeadline && s.requested) {
    const Step& step = definition_.steps()[s.step];
    if (compensation) {
      t.Add(StepEvent<CompensationTimedOut>(step, s.step, s.attempt));
    } else {
      t.Add(StepEvent<StepTimedOut>(step, s.step, s.attempt));
    }
    Failed(t, s.step, compensation, UnavailableError("attempt " + std::to_string(s.attempt) + " timed out"), true);
  } else if (name == kStepDeadline && (s.status == SagaStatus::kRunning || compensation)) {
    const Step& step = definition_.steps()[s.step];
    if (compensation) {
      t.Add(StepEvent<CompensationTimedOut>(step, s.step, s.attempt));
    } else {
      auto timed_out = StepEvent<StepTimedOut>(step, s.step, s.attempt);
      timed_out.set_whole_step(true);
      t.Add(std::move(timed_out));
    }
    GiveUp(t, s.step, compensation, step.name + ": the step timed out", true);
  }
  Drive(t);
  return true;
}

Status Planner::Retry(Transition& t, const std::string& note) {
  if (t.after.status != SagaStatus::kStuck) {
    return FailedPreconditionError("saga " + t.after.id + " is " + std::string(SagaStatusName(t.after.status)) +
                                   ", not stuck: only a stuck saga can be retried");
  }
  SagaRetried retried;
  retried.set_note(note);
  t.Add(std::move(retried));
  Drive(t);
  return OkStatus();
}

Status Planner::Resolve(Transition& t, const std::string& note) {
  if (t.after.status != SagaStatus::kStuck) {
    return FailedPreconditionError("saga " + t.after.id + " is " + std::string(SagaStatusName(t.after.status)) +
                                   ", not stuck: only a stuck step can be resolved by hand");
  }
  SagaResolved resolved;
  resolved.set_note(note);
  t.Add(std::move(resolved));
  Drive(t);
  return OkStatus();
}

Status Planner::Cancel(Transition& t, const std::string& reason) {
  const SagaInstance& s = t.after;
  if (s.status != SagaStatus::kRunning || PastPivot(s)) {
    const std::string state = PastPivot(s) ? "past its pivot" : std::string(SagaStatusName(s.status));
    return FailedPreconditionError("saga " + s.id + " is " + state + ": only a running saga before its pivot can be "
                                   "cancelled");
  }
  const bool uncertain = s.requested || s.uncertain;
  const int step = s.step;
  SagaCancelled cancelled;
  cancelled.set_reason(reason);
  t.Add(std::move(cancelled));
  for (std::string_view name : {kAttemptDeadline, kStepDeadline, kRetryDeadline}) CancelDeadline(t, name);
  CompensateFrom(t, uncertain ? step : step - 1);
  Drive(t);
  return OkStatus();
}

Status Planner::Terminate(Transition& t, const std::string& note) {
  if (IsFinal(t.after.status)) {
    return FailedPreconditionError("saga " + t.after.id + " is " + std::string(SagaStatusName(t.after.status)) +
                                   " already");
  }
  for (std::string_view name : {kAttemptDeadline, kStepDeadline, kRetryDeadline}) CancelDeadline(t, name);
  SagaTerminated terminated;
  terminated.set_note(note);
  t.Add(std::move(terminated));
  return OkStatus();
}

void Planner::CancelDeadline(Transition& t, std::string_view name) {
  if (!t.after.deadlines.count(std::string(name))) return;  // gone already: nothing to do
  DeadlineCancelled cancelled;
  cancelled.set_name(std::string(name));
  t.Add(std::move(cancelled));
}

void Planner::ScheduleDeadline(Transition& t, std::string_view name, std::chrono::milliseconds after) {
  DeadlineScheduled scheduled;
  scheduled.set_name(std::string(name));
  scheduled.set_due_at_us(clock_.NowMicros() + std::chrono::duration_cast<std::chrono::microseconds>(after).count());
  t.Add(std::move(scheduled));
}

}  // namespace cairn::sagas::internal
