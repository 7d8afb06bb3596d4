// SagaDefinition: a multi-step business transaction as plain C++ that reads
// top to bottom. Each step does something (an outside call, a command to an
// aggregate, or both: the call, then a command that records its result), and
// may undo it later (its compensation). When a step fails for good, the
// finished steps are compensated in reverse order. The pivot is the point of
// no return: no step after it has a compensation, and past it the saga only
// goes forward.
//
//   SagaDefinition("order_fulfillment", 1)
//       .StartOn<OrderPlaced>("order", [](const OrderPlaced& placed) { return placed.order_id(); }, VarsOf)
//       .AddStep(Step("order").Compensate(Action::Command(CancelOrder).SucceedsOn({"OrderCancelled"})))
//       .AddStep(Step("charge").Do(Action::Call(Charge, "gateway").Then(RecordCharge)
//                                      .SucceedsOn({"ChargeSucceeded"}).FailsOn({"ChargeDeclined"})))
//       .AddStep(Step("confirm").Do(Action::Command(ConfirmOrder).SucceedsOn({"OrderConfirmed"})).Pivot())
//       .AddStep(Step("notify").Do(Action::Call(Mail, "mail").MayFail()));
//
// Errors from an action mean one of two things: Unavailable and
// DeadlineExceeded (a timeout, an open circuit breaker) may pass, and are
// retried per the action's RetryPolicy; every other error, and an event of a
// FailsOn type, is a business failure that starts compensation at once.
#ifndef CAIRN_SAGAS_DEFINITION_H_
#define CAIRN_SAGAS_DEFINITION_H_

// <utility> first: Boost 1.74's Asio misses it under C++20.
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include "store/status.h"

namespace cairn::sagas {

// What the steps of one instance read and add: from the trigger, and from
// each step that succeeded.
using SagaVars = std::map<std::string, std::string, std::less<>>;

struct RetryPolicy {
  int max_attempts = 3;  // the first attempt included
  std::chrono::milliseconds first_delay{100};
  double multiplier = 2.0;
  std::chrono::milliseconds max_delay{10'000};
  double jitter = 0.2;  // each delay is spread by up to ± this fraction

  // The wait before attempt `attempt` (2 and up); `random` in [0, 1).
  std::chrono::milliseconds DelayBefore(int attempt, double random) const;
};

// What an outside call is asked to do.
struct ActivityCall {
  std::string saga_id;
  std::string step;
  int attempt = 1;
  // The same for every attempt of the step (or of its compensation), so a
  // repeated call takes effect once at a provider that honours it.
  std::string idempotency_key;
  SagaVars vars;
  // The node's io_context: where a call waits (timers, sockets).
  boost::asio::any_io_executor executor;
};
// Called once: the call's output vars, or its error.
using ActivityDone = std::function<void(Result<SagaVars>)>;
// An output var that says the outside system failed although the call
// answers with vars (for its command to record the failed attempt): the
// circuit breaker counts it as a failure.
inline constexpr std::string_view kCallFailedVar = "call_failed";
// During compensation, commands and calls also find why it started here.
inline constexpr std::string_view kFailureVar = "failure";
using Activity = std::function<void(const ActivityCall&, ActivityDone)>;

// The command that does or records a step, made from the saga's vars (with
// the outside call's output merged in). Null: nothing to record, a success.
using CommandFactory = std::function<Result<std::unique_ptr<google::protobuf::Message>>(const SagaVars&)>;

// What a step, or its compensation, does.
class Action {
 public:
  // A command to an aggregate, through the CommandBus.
  static Action Command(CommandFactory command);
  // An outside call, guarded by the circuit breaker named `breaker` (empty: none).
  static Action Call(Activity activity, std::string breaker = {});

  // After the call, a command that records its result.
  Action&& Then(CommandFactory command) &&;
  // The command's event types that mean success, and those that mean a
  // business failure. A command that appends nothing (it was done before)
  // is a success.
  Action&& SucceedsOn(std::set<std::string> types) &&;
  Action&& FailsOn(std::set<std::string> types) &&;
  // Event types that record a failed attempt that a later one may pass
  // (a delivery that bounced): retried like Unavailable.
  Action&& RetriesOn(std::set<std::string> types) &&;
  Action&& Retry(RetryPolicy policy) &&;
  // How long one attempt of the outside call may take; 0: no limit.
  Action&& AttemptTimeout(std::chrono::milliseconds timeout) &&;
  // How long the whole step, retries included, may take; 0: no limit.
  Action&& StepTimeout(std::chrono::milliseconds timeout) &&;
  // When it fails for good, the saga records it and goes on: for a step
  // after the pivot, instead of getting stuck; for a compensation, instead
  // of stopping the chain (a courtesy email, not an undo).
  Action&& MayFail() &&;

  Activity activity;
  std::string breaker;
  CommandFactory command;
  std::set<std::string> success;
  std::set<std::string> failure;
  std::set<std::string> retry_on;
  RetryPolicy retry;
  std::chrono::milliseconds attempt_timeout{0};
  std::chrono::milliseconds step_timeout{0};
  bool may_fail = false;
};

class Step {
 public:
  explicit Step(std::string step_name) : name(std::move(step_name)) {}
  Step&& Do(Action action) &&;
  Step&& Compensate(Action action) &&;
  // The point of no return: a business failure here still compensates the
  // steps before it, but no step after it may have a compensation.
  Step&& Pivot() &&;

  std::string name;
  std::optional<Action> forward;
  std::optional<Action> compensation;
  bool pivot = false;
};

// An event type of the feed that starts an instance, or cancels one.
struct Reaction {
  std::string category;  // the feed's category that carries it
  std::string type;      // the event's type (its message name)
  // The key the instance id derives from: one instance per key.
  std::function<std::string(const google::protobuf::Message&)> key;
  // Starting: the vars the steps read. Cancelling: {"reason": ...}.
  std::function<SagaVars(const google::protobuf::Message&)> vars;
};

class SagaDefinition {
 public:
  SagaDefinition(std::string name, int version) : name_(std::move(name)), version_(version) {}

  // E (a protobuf event) in `category` starts an instance keyed by key(e).
  template <typename E, typename Key, typename Vars>
  SagaDefinition&& StartOn(std::string category, Key key, Vars vars) && {
    triggers_.push_back(ReactionOf<E>(std::move(category), std::move(key), std::move(vars)));
    return std::move(*this);
  }
  // E in `category` cancels the running instance keyed by key(e), which
  // compensates what is done (nothing past the pivot).
  template <typename E, typename Key, typename Reason>
  SagaDefinition&& CancelOn(std::string category, Key key, Reason reason) && {
    cancels_.push_back(ReactionOf<E>(std::move(category), std::move(key), [reason = std::move(reason)](const E& event) {
      return SagaVars{{"reason", reason(event)}};
    }));
    return std::move(*this);
  }
  SagaDefinition&& AddStep(Step step) && {
    steps_.push_back(std::move(step));
    return std::move(*this);
  }

  // InvalidArgument naming what cannot work: an empty or bad name, a version
  // below 1, no trigger or steps, a duplicate step, a step that does
  // nothing, a command without a success outcome, a compensation after the
  // pivot, two pivots, a step that may fail before the pivot, a bad retry
  // policy.
  Status Validate() const;

  const std::string& name() const { return name_; }
  int version() const { return version_; }
  const std::vector<Step>& steps() const { return steps_; }
  const std::vector<Reaction>& triggers() const { return triggers_; }
  const std::vector<Reaction>& cancels() const { return cancels_; }
  // The index of the pivot step; the number of steps when there is none.
  size_t pivot() const;
  // The index of the step named `name`; nullopt when none is.
  std::optional<size_t> StepIndex(std::string_view name) const;

 private:
  template <typename E, typename Key, typename Vars>
  static Reaction ReactionOf(std::string category, Key key, Vars vars) {
    return Reaction{std::move(category), E::descriptor()->name(),
                    [key = std::move(key)](const google::protobuf::Message& event) {
                      return std::string(key(static_cast<const E&>(event)));
                    },
                    [vars = std::move(vars)](const google::protobuf::Message& event) {
                      return vars(static_cast<const E&>(event));
                    }};
  }

  std::string name_;
  int version_;
  std::vector<Step> steps_;
  std::vector<Reaction> triggers_;
  std::vector<Reaction> cancels_;
};

// The id of the instance of `definition` for `key`, and its stream.
std::string SagaIdOf(std::string_view definition, std::string_view key);
std::string SagaStreamOf(std::string_view saga_id);
inline constexpr std::string_view kSagaCategory = "saga";

}  // namespace cairn::sagas

#endif  // CAIRN_SAGAS_DEFINITION_H_
