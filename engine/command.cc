#include "engine/command.h"

namespace cairn {

CommandContext CommandContext::New() {
  CommandContext context;
  context.command_id = Uuid::Random();
  return context;
}

CommandContext CommandContext::CausedBy(const RecordedEvent& event, Uuid command_id) {
  CommandContext context;
  context.command_id = command_id;
  auto correlation = event.metadata.find(kCorrelationIdKey);
  context.correlation_id = correlation != event.metadata.end() ? correlation->second : event.event_id.ToString();
  context.causation_id = event.event_id.ToString();
  return context;
}

std::string_view CommandOutcome(const Result<CommandResult>& result) {
  if (result.ok()) return result->duplicate ? "duplicate" : result->events == 0 ? "unchanged" : "ok";
  switch (result.status().code()) {
    case StatusCode::kFailedPrecondition: return "rejected";
    case StatusCode::kInvalidArgument: return "invalid";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAborted: return "conflict";
    case StatusCode::kUnavailable: return "unavailable";
    default: return "error";
  }
}

CommandMetrics::CommandMetrics(MetricsRegistry* registry, std::string_view aggregate) {
  if (registry == nullptr) return;
  const std::string name(aggregate);
  for (const char* outcome :
       {"ok", "unchanged", "duplicate", "rejected", "invalid", "not_found", "conflict", "unavailable", "error"}) {
    auto counter = registry->AddCounter("cairn_commands_total", "Commands handled, by aggregate and outcome.",
                                        {{"aggregate", name}, {"outcome", outcome}});
    if (counter.ok()) outcomes_[outcome] = *counter;
  }
  auto latency = registry->AddHistogram("cairn_command_seconds", "Time to handle a command, in seconds.",
                                        LatencyBuckets(), {{"aggregate", name}});
  if (latency.ok()) latency_ = *latency;
}

void CommandMetrics::Record(const Result<CommandResult>& result, double seconds) const {
  if (auto it = outcomes_.find(CommandOutcome(result)); it != outcomes_.end()) it->second->Increment();
  if (latency_) latency_->Observe(seconds);
}

Uuid DeterministicEventId(const Uuid& command_id, uint32_t index) {
  return Uuid::NameBased(command_id, "event-" + std::to_string(index));
}

}  // namespace cairn
