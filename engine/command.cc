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

Uuid DeterministicEventId(const Uuid& command_id, uint32_t index) {
  return Uuid::NameBased(command_id, "event-" + std::to_string(index));
}

}  // namespace cairn
