#include "sagas/definition.h"

#include <algorithm>
#include <cmath>

namespace cairn::sagas {
namespace {

bool IsName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Status ValidateAction(const std::string& where, const Action& action) {
  if (!action.activity && !action.command) return InvalidArgumentError(where + " does nothing");
  if (action.command && action.success.empty()) {
    return InvalidArgumentError(where + " has a command but no event type that means success");
  }
  for (const auto* others : {&action.failure, &action.retry_on}) {
    for (const std::string& type : *others) {
      if (action.success.count(type)) return InvalidArgumentError(where + " has " + type + " as success and failure");
    }
  }
  if (!action.command && !(action.success.empty() && action.failure.empty() && action.retry_on.empty())) {
    return InvalidArgumentError(where + " names outcome events but has no command that appends them");
  }
  const RetryPolicy& retry = action.retry;
  if (retry.max_attempts < 1) return InvalidArgumentError(where + " allows fewer than 1 attempt");
  if (retry.first_delay.count() < 0 || retry.max_delay < retry.first_delay || retry.multiplier < 1 ||
      retry.jitter < 0 || retry.jitter >= 1) {
    return InvalidArgumentError(where + " has a bad retry policy (delays from first to max, multiplier >= 1, "
                                        "jitter in [0, 1))");
  }
  if (action.attempt_timeout.count() < 0 || action.step_timeout.count() < 0) {
    return InvalidArgumentError(where + " has a negative timeout");
  }
  if (action.attempt_timeout.count() > 0 && !action.activity) {
    return InvalidArgumentError(where + " has an attempt timeout but no outside call to time");
  }
  return OkStatus();
}

Status ValidateReactions(const std::string& name, const std::vector<Reaction>& reactions, const char* what) {
  for (const Reaction& reaction : reactions) {
    if (reaction.category.empty() || reaction.type.empty() || !reaction.key || !reaction.vars) {
      return InvalidArgumentError("saga " + name + ": a " + what + " needs a category, an event type and a key");
    }
  }
  return OkStatus();
}

}  // namespace

std::chrono::milliseconds RetryPolicy::DelayBefore(int attempt, double random) const {
  double delay = static_cast<double>(first_delay.count());
  for (int i = 2; i < attempt && delay < static_cast<double>(max_delay.count()); ++i) delay *= multiplier;
  delay = std::min(delay, static_cast<double>(max_delay.count()));
  delay *= 1.0 + jitter * (2.0 * random - 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(std::max(0.0, delay))));
}

Action Action::Command(CommandFactory command) {
  Action action;
  action.command = std::move(command);
  return action;
}

Action Action::Call(Activity activity, std::string breaker) {
  Action action;
  action.activity = std::move(activity);
  action.breaker = std::move(breaker);
  return action;
}

Action&& Action::Then(CommandFactory then) && {
  command = std::move(then);
  return std::move(*this);
}
Action&& Action::SucceedsOn(std::set<std::string> types) && {
  success = std::move(types);
  return std::move(*this);
}
Action&& Action::FailsOn(std::set<std::string> types) && {
  failure = std::move(types);
  return std::move(*this);
}
Action&& Action::RetriesOn(std::set<std::string> types) && {
  retry_on = std::move(types);
  return std::move(*this);
}
Action&& Action::MayFail() && {
  may_fail = true;
  return std::move(*this);
}
Action&& Action::Retry(RetryPolicy policy) && {
  retry = policy;
  return std::move(*this);
}
Action&& Action::AttemptTimeout(std::chrono::milliseconds timeout) && {
  attempt_timeout = timeout;
  return std::move(*this);
}
Action&& Action::StepTimeout(std::chrono::milliseconds timeout) && {
  step_timeout = timeout;
  return std::move(*this);
}

Step&& Step::Do(Action action) && {
  forward = std::move(action);
  return std::move(*this);
}
Step&& Step::Compensate(Action action) && {
  compensation = std::move(action);
  return std::move(*this);
}
Step&& Step::Pivot() && {
  pivot = true;
  return std::move(*this);
}

size_t SagaDefinition::pivot() const {
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (steps_[i].pivot) return i;
  }
  return steps_.size();
}

std::optional<size_t> SagaDefinition::StepIndex(std::string_view name) const {
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (steps_[i].name == name) return i;
  }
  return std::nullopt;
}

Status SagaDefinition::Validate() const {
  if (!IsName(name_)) {
    return InvalidArgumentError("saga name \"" + name_ + "\" must be 1 to 64 of a-z, 0-9 and _");
  }
  const std::string saga = "saga " + name_ + " v" + std::to_string(version_);
  if (version_ < 1) return InvalidArgumentError(saga + ": the version must be 1 or more");
  if (triggers_.empty()) return InvalidArgumentError(saga + " has no trigger (StartOn)");
  if (steps_.empty()) return InvalidArgumentError(saga + " has no steps");
  CAIRN_RETURN_IF_ERROR(ValidateReactions(saga, triggers_, "trigger"));
  CAIRN_RETURN_IF_ERROR(ValidateReactions(saga, cancels_, "cancel reaction"));
  std::set<std::string_view> names;
  int pivots = 0;
  for (const Step& step : steps_) {
    const std::string where = saga + ": step " + step.name;
    if (!IsName(step.name)) return InvalidArgumentError(where + ": a step name is 1 to 64 of a-z, 0-9 and _");
    if (!names.insert(step.name).second) return InvalidArgumentError(where + " is defined twice");
    if (!step.forward && !step.compensation) return InvalidArgumentError(where + " does nothing and undoes nothing");
    if (step.forward) CAIRN_RETURN_IF_ERROR(ValidateAction(where, *step.forward));
    if (step.compensation) CAIRN_RETURN_IF_ERROR(ValidateAction(where + "'s compensation", *step.compensation));
    if (step.compensation && pivots > 0) {
      return InvalidArgumentError(where + " has a compensation, but comes after the pivot: past it nothing is undone");
    }
    if (step.forward && step.forward->may_fail && (pivots == 0 || step.pivot)) {
      return InvalidArgumentError(where + " may fail, but only a step after the pivot may: before it, a failure "
                                          "compensates");
    }
    if (step.pivot && !step.forward) return InvalidArgumentError(where + " is the pivot but does nothing");
    if (step.pivot && ++pivots > 1) return InvalidArgumentError(where + " is a second pivot");
  }
  return OkStatus();
}

std::string SagaIdOf(std::string_view definition, std::string_view key) {
  return std::string(definition) + "." + std::string(key);
}

std::string SagaStreamOf(std::string_view saga_id) { return std::string(kSagaCategory) + "-" + std::string(saga_id); }

}  // namespace cairn::sagas
