// Orchestrator: runs saga instances on a node's Runtime. Trigger events from
// its feed start instances (one per key, however often the trigger comes);
// each instance goes step by step through the CommandBus and outside calls,
// retries what may pass, compensates in reverse order what fails, and waits
// for deadlines on timers of the io_context. Every transition is appended to
// the instance's stream with the expected version before anything acts on
// it, so a restarted node resumes each instance where its stream says:
// pending deadlines are scheduled again (an overdue one fires at once), and
// an outside call whose answer was lost is made again with the same
// idempotency key.
//
// Finding the instances to resume does not read the whole log: the
// checkpoint "<name>.instances" holds the global position before the oldest
// instance still going, and a restart reads the saga category from there.
// The feed's checkpoints ("<name>.feed.<category>") move only past events
// whose instance has started durably.
//
// Thread safety: register breakers and definitions before Start; the
// operator actions may be called from any thread.
#ifndef CAIRN_SAGAS_ORCHESTRATOR_H_
#define CAIRN_SAGAS_ORCHESTRATOR_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "engine/event_types.h"
#include "engine/metrics.h"
#include "engine/service.h"
#include "sagas/circuit_breaker.h"
#include "sagas/command_bus.h"
#include "sagas/definition.h"
#include "sagas/feed.h"
#include "sagas/instance.h"

namespace cairn::sagas {

namespace internal {
class Core;
}  // namespace internal

struct OrchestratorOptions {
  // Names its checkpoints.
  std::string name = "sagas";
  // Trigger events read per page of the feed.
  size_t feed_page = 256;
  // How often the instances checkpoint moves, when it can.
  std::chrono::milliseconds checkpoint_every{1000};
  // Where trigger and cancel events come from; not owned. Null: the store
  // (NewStoreFeed with the checkpoint prefix "<name>.feed").
  SagaFeed* feed = nullptr;
  // Called once per instance that ends here (completed, compensated,
  // cancelled or terminated), once that is durable; on the instance's
  // strand, so it must not block. Null: nobody listens.
  std::function<void(const SagaInstance&)> on_end;
  // Called after every transition of an instance is durable, the last one
  // too, with the instance as it now is; on the instance's strand, so it
  // must not block. Null: nobody listens.
  std::function<void(const SagaInstance&)> on_transition;
  // Most transitions appending at once while `busy()` says the node's
  // requests are waiting (always, when `busy` is null); more wait their
  // turn. Transitions share the store's commit groups with the requests'
  // appends: the cap keeps a burst of sagas from slowing every request,
  // and the sagas take the whole store again once the requests ease. 0: no cap.
  size_t max_appends_in_flight = 0;
  std::function<bool()> busy;  // called often and under a lock: it must be cheap and take none
  // Back-off while the store refuses an instance's transition.
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{10'000};
  // Where due times come from; null: SystemClock(). Timers wait on the
  // io_context's steady clock for the difference.
  const Clock* clock = nullptr;
};

// What the orchestrator has counted since it started.
struct OrchestratorCounts {
  uint64_t started = 0;
  uint64_t completed = 0;
  uint64_t compensated = 0;
  uint64_t stuck = 0;
  uint64_t deadlines_fired = 0;
  uint64_t deadlines_dropped = 0;  // fired for an instance that had ended, or had moved on
  uint64_t resumed = 0;            // instances picked up at start
  size_t in_flight = 0;
};

class Orchestrator final : public Component {
 public:
  // `types` decodes the feed's trigger and cancel events; `store`, `bus`,
  // `types` and `metrics` must outlive the orchestrator.
  Orchestrator(EventStore& store, const EventTypeRegistry& types, CommandBus& bus, OrchestratorOptions options = {},
               MetricsRegistry* metrics = nullptr);
  ~Orchestrator() override;

  // A breaker that activities name. Before Register.
  CircuitBreaker& AddBreaker(const std::string& name, BreakerOptions options);
  // InvalidArgument for a definition that cannot work (SagaDefinition::
  // Validate), names a breaker that was not added, or is registered already.
  // Several versions of one saga may be registered: new instances start on
  // the highest; each runs to its end on the version it started with.
  Status Register(SagaDefinition definition);

  std::string name() const override { return "sagas"; }
  Status Start(Runtime& runtime) override;
  Status Stop() override;

  // Operator actions; `done` gets the outcome once it is durable:
  // NotFound for an instance that is not going on this node,
  // FailedPrecondition when its state does not allow the action.
  using Done = std::function<void(Status)>;
  void Retry(const std::string& saga_id, const std::string& note, Done done);
  void Resolve(const std::string& saga_id, const std::string& note, Done done);
  void Cancel(const std::string& saga_id, const std::string& reason, Done done);
  void Terminate(const std::string& saga_id, const std::string& note, Done done);

  OrchestratorCounts counts() const;

 private:
  // Shared with the handlers of its instances, which may outlive Stop() on the io_context.
  std::shared_ptr<internal::Core> core_;
};

}  // namespace cairn::sagas

#endif  // CAIRN_SAGAS_ORCHESTRATOR_H_
