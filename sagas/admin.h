// What tools and operators need of sagas: the instances in a store, one
// instance's timeline, and the operator actions on a store that no node
// holds (a running node takes them through Orchestrator instead).
#ifndef CAIRN_SAGAS_ADMIN_H_
#define CAIRN_SAGAS_ADMIN_H_

#include <optional>
#include <string>
#include <vector>

#include "sagas/command_bus.h"
#include "sagas/definition.h"
#include "sagas/instance.h"
#include "store/event_store.h"

namespace cairn::sagas {

// Every instance in `store`, by id; only those shown as `status` when set.
Result<std::vector<SagaInstance>> ListSagas(EventStore& store, std::optional<SagaStatus> status = std::nullopt);
// One instance; NotFound when its stream has no events.
Result<SagaInstance> LoadSaga(EventStore& store, const std::string& saga_id);

// One line of JSON: id, definition, version, status, the step it is at or
// stuck in, why it failed, when it started and last moved.
std::string SummaryJson(const SagaInstance& instance);
// The instance's timeline as JSON: the summary, then each step and
// compensation (attempts, outcome, error, duration), the deadlines (pending,
// fired or cancelled) and every transition with its time.
Result<std::string> TimelineJson(EventStore& store, const std::string& saga_id);

enum class OperatorAction { kRetry, kResolve, kCancel, kTerminate };
std::optional<OperatorAction> ParseOperatorAction(std::string_view name);

// Takes `action` on an instance of `definition` in a store opened for
// writing, as the orchestrator would, and appends the transition with the
// expected version; the next node to start drives the instance on. NotFound,
// FailedPrecondition when the state does not allow it, InvalidArgument when
// the instance runs on another definition or version.
Status ActOnStore(EventStore& store, const SagaDefinition& definition, CommandBus& bus, const std::string& saga_id,
                  OperatorAction action, const std::string& note);

}  // namespace cairn::sagas

#endif  // CAIRN_SAGAS_ADMIN_H_
