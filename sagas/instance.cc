#include "sagas/instance.h"

#include <algorithm>
#include <limits>

#include "engine/aggregate.h"
#include "sagas/proto/saga.pb.h"

namespace cairn::sagas {
namespace {

constexpr std::pair<SagaStatus, std::string_view> kStatusNames[] = {
    {SagaStatus::kRunning, "running"},       {SagaStatus::kCompensating, "compensating"},
    {SagaStatus::kCompleted, "completed"},   {SagaStatus::kCompensated, "compensated"},
    {SagaStatus::kCancelled, "cancelled"},   {SagaStatus::kTerminated, "terminated"},
    {SagaStatus::kStuck, "stuck"},           {SagaStatus::kParked, "parked"},
};

// index + delta without overflow: a damaged stream may hold any index.
int Beside(int index, int delta) {
  const int64_t next = int64_t{index} + delta;
  return static_cast<int>(std::clamp<int64_t>(next, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
}

// Moves to step `index` with no attempt out.
void MoveTo(SagaInstance& instance, int index) {
  instance.step = index;
  instance.attempt = 0;
  instance.requested = false;
  instance.uncertain = false;
}

void Request(SagaInstance& instance, SagaStatus status, int index, int attempt) {
  if (instance.step != index) instance.uncertain = false;
  instance.status = status;
  instance.step = index;
  instance.attempt = attempt;
  instance.requested = true;
}

void Finish(SagaInstance& instance, SagaStatus status) {
  instance.status = status;
  instance.requested = false;
  instance.deadlines.clear();
}

}  // namespace

std::string_view SagaStatusName(SagaStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) return name;
  }
  return "unknown";
}

std::optional<SagaStatus> ParseSagaStatus(std::string_view name) {
  for (const auto& [value, text] : kStatusNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

bool IsFinal(SagaStatus status) {
  return status == SagaStatus::kCompleted || status == SagaStatus::kCompensated || status == SagaStatus::kCancelled ||
         status == SagaStatus::kTerminated;
}

SagaStatus ShownStatus(const SagaInstance& instance) {
  return instance.parked ? SagaStatus::kParked : instance.status;
}

void Evolve(SagaInstance& s, const google::protobuf::Message& event) {
  if (!As<SagaParked>(event)) s.parked = false;
  // Every step and compensation event names its step in field 1.
  const google::protobuf::FieldDescriptor* step = event.GetDescriptor()->FindFieldByName("step");
  if (step && step->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
    s.last_step = event.GetReflection()->GetString(event, step);
  }
  if (const auto* started = As<SagaStarted>(event)) {
    s.id = started->saga_id();
    s.definition = started->definition();
    s.definition_version = started->version();
    s.vars = SagaVars(started->vars().begin(), started->vars().end());
    s.traceparent = started->traceparent();
    s.status = SagaStatus::kRunning;
    MoveTo(s, 0);
  } else if (const auto* requested = As<StepRequested>(event)) {
    Request(s, SagaStatus::kRunning, requested->index(), requested->attempt());
  } else if (const auto* succeeded = As<StepSucceeded>(event)) {
    for (const auto& [key, value] : succeeded->vars()) s.vars[key] = value;
    MoveTo(s, Beside(succeeded->index(), 1));
  } else if (const auto* failed = As<StepFailed>(event)) {
    s.requested = false;
    s.failure = failed->step() + ": " + failed->error();
    if (failed->uncertain()) s.uncertain = true;
    if (failed->skipped()) MoveTo(s, Beside(failed->index(), 1));
  } else if (const auto* timed_out = As<StepTimedOut>(event)) {
    s.requested = false;
    s.uncertain = true;
    s.failure = timed_out->step() + (timed_out->whole_step() ? ": the step timed out" : ": an attempt timed out");
  } else if (As<RetryScheduled>(event)) {
    s.requested = false;
  } else if (const auto* undo = As<CompensationRequested>(event)) {
    Request(s, SagaStatus::kCompensating, undo->index(), undo->attempt());
  } else if (const auto* undone = As<CompensationSucceeded>(event)) {
    s.status = SagaStatus::kCompensating;
    MoveTo(s, Beside(undone->index(), -1));
  } else if (const auto* undo_failed = As<CompensationFailed>(event)) {
    s.requested = false;
    if (undo_failed->skipped()) MoveTo(s, Beside(undo_failed->index(), -1));
  } else if (As<CompensationTimedOut>(event)) {
    s.requested = false;
  } else if (As<SagaCompleted>(event)) {
    Finish(s, SagaStatus::kCompleted);
  } else if (As<SagaCompensated>(event)) {
    Finish(s, s.cancelled ? SagaStatus::kCancelled : SagaStatus::kCompensated);
  } else if (const auto* stuck = As<SagaStuck>(event)) {
    s.status = SagaStatus::kStuck;
    s.step = stuck->index();
    s.requested = false;
    s.stuck_step = stuck->step();
    s.stuck_in_compensation = stuck->compensation();
    s.failure = stuck->error();
  } else if (const auto* cancelled = As<SagaCancelled>(event)) {
    s.cancelled = true;
    s.failure = "cancelled: " + cancelled->reason();
    s.status = SagaStatus::kCompensating;
  } else if (As<SagaTerminated>(event)) {
    Finish(s, SagaStatus::kTerminated);
  } else if (As<SagaRetried>(event)) {
    s.status = s.stuck_in_compensation ? SagaStatus::kCompensating : SagaStatus::kRunning;
    s.attempt = 0;
    s.requested = false;
  } else if (As<SagaResolved>(event)) {
    s.status = s.stuck_in_compensation ? SagaStatus::kCompensating : SagaStatus::kRunning;
    MoveTo(s, Beside(s.step, s.stuck_in_compensation ? -1 : 1));
  } else if (const auto* parked = As<SagaParked>(event)) {
    s.parked = true;
    s.failure = parked->reason();
  } else if (const auto* scheduled = As<DeadlineScheduled>(event)) {
    s.deadlines[scheduled->name()] = scheduled->due_at_us();
  } else if (const auto* dropped = As<DeadlineCancelled>(event)) {
    s.deadlines.erase(dropped->name());
  } else if (const auto* fired = As<DeadlineFired>(event)) {
    s.deadlines.erase(fired->name());
  }
}

Status CheckInstance(const SagaInstance& s, const SagaDefinition& definition) {
  const int steps = static_cast<int>(definition.steps().size());
  auto refuse = [&](const std::string& what) {
    return DataLossError("saga " + s.id + " cannot be an instance of " + definition.name() + " v" +
                         std::to_string(definition.version()) + ": " + what);
  };
  if (IsFinal(s.status)) return OkStatus();  // nothing more is done with it
  if (s.attempt < 0 || s.attempt == std::numeric_limits<int>::max()) {
    return refuse("attempt " + std::to_string(s.attempt));
  }
  // Running: the next step, or one past the last when all are done.
  // Compensating: the step to undo, or -1 when nothing is left. Stuck: a step.
  const int low = s.status == SagaStatus::kCompensating ? -1 : 0;
  const int high = s.status == SagaStatus::kRunning ? steps : steps - 1;
  if (s.step < low || s.step > high) {
    return refuse("its stream puts it at step " + std::to_string(s.step) + " of " + std::to_string(steps));
  }
  // An attempt out, or a retry of the stuck one, runs the step's action.
  if (s.requested || s.status == SagaStatus::kStuck) {
    const bool compensation =
        s.status == SagaStatus::kStuck ? s.stuck_in_compensation : s.status == SagaStatus::kCompensating;
    const Step* step = s.step >= 0 && s.step < steps ? &definition.steps()[s.step] : nullptr;
    if (!step || !(compensation ? step->compensation : step->forward)) {
      return refuse("step " + std::to_string(s.step) + " has no " + (compensation ? "compensation" : "action") +
                    " to attempt");
    }
  }
  return OkStatus();
}

void Track(SagaInstance& instance, uint64_t version, uint64_t position, int64_t recorded_at_us) {
  if (!instance.version) {
    instance.started_position = position;
    instance.started_at_us = recorded_at_us;
  }
  instance.version = version;
  instance.last_position = position;
  instance.updated_at_us = recorded_at_us;
}

void RegisterSagaEvents(EventTypeRegistry& types) {
  types.Register<SagaStarted>();
  types.Register<StepRequested>();
  types.Register<StepSucceeded>();
  types.Register<StepFailed>();
  types.Register<StepTimedOut>();
  types.Register<RetryScheduled>();
  types.Register<CompensationRequested>();
  types.Register<CompensationSucceeded>();
  types.Register<CompensationFailed>();
  types.Register<CompensationTimedOut>();
  types.Register<SagaCompleted>();
  types.Register<SagaCompensated>();
  types.Register<SagaStuck>();
  types.Register<SagaCancelled>();
  types.Register<SagaTerminated>();
  types.Register<SagaRetried>();
  types.Register<SagaResolved>();
  types.Register<SagaParked>();
  types.Register<DeadlineScheduled>();
  types.Register<DeadlineCancelled>();
  types.Register<DeadlineFired>();
}

}  // namespace cairn::sagas
