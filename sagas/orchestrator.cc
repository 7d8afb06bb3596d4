#include "sagas/orchestrator.h"

#include "sagas/internal/core.h"

namespace cairn::sagas {

Orchestrator::Orchestrator(EventStore& store, const EventTypeRegistry& types, CommandBus& bus,
                           OrchestratorOptions options, MetricsRegistry* metrics)
    : core_(std::make_shared<internal::Core>(store, types, bus, std::move(options), metrics)) {}

Orchestrator::~Orchestrator() = default;

CircuitBreaker& Orchestrator::AddBreaker(const std::string& name, BreakerOptions options) {
  return core_->AddBreaker(name, options);
}

Status Orchestrator::Register(SagaDefinition definition) { return core_->Register(std::move(definition)); }

Status Orchestrator::Start(Runtime& runtime) { return core_->Start(runtime); }

Status Orchestrator::Stop() { return core_->Stop(); }

void Orchestrator::Retry(const std::string& saga_id, const std::string& note, Done done) {
  core_->Act(saga_id, [note](internal::Planner& planner, internal::Transition& t) { return planner.Retry(t, note); },
             std::move(done));
}

void Orchestrator::Resolve(const std::string& saga_id, const std::string& note, Done done) {
  core_->Act(saga_id, [note](internal::Planner& planner, internal::Transition& t) { return planner.Resolve(t, note); },
             std::move(done));
}

void Orchestrator::Cancel(const std::string& saga_id, const std::string& reason, Done done) {
  core_->Act(saga_id, [reason](internal::Planner& planner, internal::Transition& t) { return planner.Cancel(t, reason); },
             std::move(done));
}

void Orchestrator::Terminate(const std::string& saga_id, const std::string& note, Done done) {
  core_->Act(saga_id,
             [note](internal::Planner& planner, internal::Transition& t) { return planner.Terminate(t, note); },
             std::move(done));
}

OrchestratorCounts Orchestrator::counts() const { return core_->counts(); }

}  // namespace cairn::sagas
