// Planner: what an instance does next, as the events of one transition.
// It takes one input (a start, a call's result, a deadline that fired, an
// operator's action) and goes as far as it can without waiting: command
// steps are decided through the bus on the way, and their events join the
// transition, so that one append records the saga's progress and the
// commands' effects together. It stops where it must wait: an outside call
// is out, a retry is due later, or the instance is done or stuck.
//
// Not thread-safe: one instance's inputs come one at a time.
#ifndef CAIRN_SAGAS_INTERNAL_PLANNER_H_
#define CAIRN_SAGAS_INTERNAL_PLANNER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sagas/command_bus.h"
#include "sagas/definition.h"
#include "sagas/instance.h"
#include "store/clock.h"

namespace cairn::sagas::internal {

// Deadline names an instance uses; scheduling one again replaces it.
inline constexpr std::string_view kAttemptDeadline = "attempt";
inline constexpr std::string_view kStepDeadline = "step";
inline constexpr std::string_view kRetryDeadline = "retry";

struct Transition {
  explicit Transition(SagaInstance state) : after(std::move(state)) {}
  // Adds a saga event and folds it into `after`.
  template <typename M>
  void Add(M event) {
    Evolve(after, event);
    events.push_back(std::make_unique<M>(std::move(event)));
  }

  SagaInstance after;
  std::vector<std::unique_ptr<google::protobuf::Message>> events;
  // The commands' events, decided on the way.
  std::vector<StreamAppend> commands;
  // A command met a stream that this transition already writes: drive
  // again once it is durable.
  bool drive_again = false;
};

class Planner {
 public:
  Planner(const SagaDefinition& definition, CommandBus& bus, const Clock& clock, std::function<double()> random)
      : definition_(definition), bus_(bus), clock_(clock), random_(std::move(random)) {}

  void Start(Transition& t, const std::string& saga_id, const SagaVars& vars, const RecordedEvent* trigger);
  // Goes on from where the instance is (after a restart, or drive_again).
  void Drive(Transition& t);
  // The outcome of the outside call of attempt `attempt` of step `index`;
  // false when that attempt is no longer awaited (a late answer). `made`:
  // the call went out (an open breaker refuses it before it does).
  bool CallDone(Transition& t, int index, int attempt, bool compensation, bool made, Result<SagaVars> output);
  // False when the deadline is no longer pending (fired, cancelled, or the instance ended).
  bool DeadlineDue(Transition& t, const std::string& name);
  // Operator actions and a cancel from the feed: FailedPrecondition when
  // the instance's state does not allow it.
  Status Retry(Transition& t, const std::string& note);
  Status Resolve(Transition& t, const std::string& note);
  Status Cancel(Transition& t, const std::string& reason);
  Status Terminate(Transition& t, const std::string& note);

  // The action of step `index`, forward or its compensation.
  const Action& ActionOf(int index, bool compensation) const;

 private:
  // Requests attempt `attempt` of a step or its compensation: an outside
  // call waits for its answer; a command is decided now.
  void Request(Transition& t, int index, int attempt, bool compensation);
  void Decided(Transition& t, int index, bool compensation, const SagaVars& output,
               Result<std::vector<std::string>> types);
  void Succeeded(Transition& t, int index, bool compensation, std::string outcome, const SagaVars& output);
  void Failed(Transition& t, int index, bool compensation, const Status& error, bool uncertain);
  // No more attempts: compensate, skip, or get stuck.
  void GiveUp(Transition& t, int index, bool compensation, const std::string& error, bool uncertain);
  // Compensates the steps from `from` down; completed sagas compensate nothing.
  void CompensateFrom(Transition& t, int from);
  // Runs the action's command with `vars`: the types of its events.
  Result<std::vector<std::string>> RunCommand(Transition& t, const Action& action, int index, int attempt,
                                              bool compensation, const SagaVars& vars);
  void CancelDeadline(Transition& t, std::string_view name);
  void ScheduleDeadline(Transition& t, std::string_view name, std::chrono::milliseconds after);
  bool PastPivot(const SagaInstance& s) const;

  const SagaDefinition& definition_;
  CommandBus& bus_;
  const Clock& clock_;
  std::function<double()> random_;
};

// The key an outside call of step `step` uses on every attempt.
std::string IdempotencyKey(std::string_view saga_id, std::string_view step, bool compensation);
// Retryable: Unavailable (a timeout, an open breaker, a provider away).
bool IsRetryable(const Status& status);
// What a step's command and call read: the vars, and during compensation
// why it started (kFailureVar).
SagaVars VarsFor(const SagaInstance& instance, bool compensation);

}  // namespace cairn::sagas::internal

#endif  // CAIRN_SAGAS_INTERNAL_PLANNER_H_
