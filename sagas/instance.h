// SagaInstance: the state of one saga instance, folded from the events of
// its stream (saga.proto). The orchestrator decides from it; the CLI shows it.
#ifndef CAIRN_SAGAS_INSTANCE_H_
#define CAIRN_SAGAS_INSTANCE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/event_types.h"
#include "sagas/definition.h"
#include "store/event.h"

namespace cairn::sagas {

enum class SagaStatus {
  kRunning,       // forward, step by step
  kCompensating,  // undoing finished steps, in reverse order
  kCompleted,
  kCompensated,
  kCancelled,   // cancelled, and what was done is undone
  kTerminated,  // stopped by an operator, nothing more done
  kStuck,       // needs an operator: retry, resolve, cancel or terminate
  kParked,      // its definition version is not registered here
};
std::string_view SagaStatusName(SagaStatus status);
std::optional<SagaStatus> ParseSagaStatus(std::string_view name);
// Completed, compensated, cancelled or terminated: nothing happens any more.
bool IsFinal(SagaStatus status);
// The status to show: kParked while parked.
SagaStatus ShownStatus(const struct SagaInstance& instance);

struct SagaInstance {
  std::string id;
  std::string definition;
  int definition_version = 0;
  SagaStatus status = SagaStatus::kRunning;
  SagaVars vars;
  std::string traceparent;  // the trigger's trace context; empty when it had none
  // Running: the step to do next (or doing). Compensating: the step whose
  // compensation is next (or out); -1 when nothing is left to undo.
  int step = 0;
  int attempt = 0;         // of the current step or compensation; 0: none yet
  std::string last_step;   // the step the last step or compensation event named
  bool requested = false;  // an attempt is out: its outside call may be running
  // An attempt of the current step went out and got no answer (it timed
  // out, or the provider did not answer): it may have taken effect, so a
  // compensation undoes the step too.
  bool uncertain = false;
  bool cancelled = false;  // compensating because of a cancel
  bool parked = false;     // shown as parked; the status it resumes with is kept
  std::string failure;     // why compensation started, or why it is stuck
  std::string stuck_step;
  bool stuck_in_compensation = false;
  // Pending deadlines: name -> due time (microseconds since the epoch).
  std::map<std::string, int64_t> deadlines;

  std::optional<uint64_t> version;  // of the stream; nullopt before it starts
  uint64_t started_position = 0;
  uint64_t last_position = 0;
  int64_t started_at_us = 0;
  int64_t updated_at_us = 0;
};

// Folds one event (decoded from the instance's stream) into `instance`.
// Types that are not saga transitions are ignored.
void Evolve(SagaInstance& instance, const google::protobuf::Message& event);
// DataLoss naming what does not fit when `instance`, folded from a stream,
// cannot be an instance of `definition`: a step or an attempt outside it, an
// attempt out (or stuck) for a step without that action. A stream written by
// Cairn always fits; a damaged or hand-written one may not, and must not be
// driven.
Status CheckInstance(const SagaInstance& instance, const SagaDefinition& definition);

// Records where the event landed.
void Track(SagaInstance& instance, uint64_t version, uint64_t position, int64_t recorded_at_us);

// Registers every saga transition type with `types`.
void RegisterSagaEvents(EventTypeRegistry& types);

}  // namespace cairn::sagas

#endif  // CAIRN_SAGAS_INSTANCE_H_
