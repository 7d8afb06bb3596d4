#include "store/internal/append_planner.h"

namespace cairn::internal {
namespace {

bool SameContent(const StoredEvent& stored, const std::string& stream, const EventData& event) {
  return stored.stream == stream && stored.type == event.type &&
         stored.content_type == event.content_type && stored.data == event.data;
}

// Fills `plan` when every event of `append` is a stored duplicate; leaves it
// untouched when none is; AlreadyExists otherwise.
Status MatchStoredEvents(const StreamAppend& append, AppendState& state, StreamPlan& plan) {
  std::vector<AppendedEvent> originals;
  for (const EventData& event : append.events) {
    if (!event.event_id) continue;
    CAIRN_ASSIGN_OR_RETURN(std::optional<StoredEvent> stored, state.FindEvent(*event.event_id));
    if (!stored) continue;
    if (!SameContent(*stored, append.stream, event)) {
      const std::string where = stored->stream == append.stream
                                    ? " with other content"
                                    : " in another stream, " + stored->stream;
      return AlreadyExistsError("event id " + event.event_id->ToString() +
                                " is already stored at global position " +
                                std::to_string(stored->position) + where);
    }
    originals.push_back({stored->stream, *event.event_id, stored->version, stored->position, stored->recorded_at_us});
  }
  if (originals.empty()) return OkStatus();
  if (originals.size() != append.events.size()) {
    return AlreadyExistsError("append to stream " + append.stream + " repeats " +
                              std::to_string(originals.size()) + " of its " +
                              std::to_string(append.events.size()) +
                              " events that are already stored; retry the original append whole");
  }
  plan.duplicate = true;
  plan.originals = std::move(originals);
  return OkStatus();
}

}  // namespace

Status CheckExpectedVersion(const std::string& stream, ExpectedVersion expected,
                            std::optional<uint64_t> last_version) {
  using Kind = ExpectedVersion::Kind;
  const std::string actual = last_version
                                 ? "stream " + stream + " is at version " + std::to_string(*last_version)
                                 : "stream " + stream + " does not exist";
  switch (expected.kind()) {
    case Kind::kAny:
      return OkStatus();
    case Kind::kNoStream:
      if (last_version) return AbortedError(actual + "; expected no stream");
      return OkStatus();
    case Kind::kStreamExists:
      if (!last_version) return AbortedError(actual + "; expected an existing stream");
      return OkStatus();
    case Kind::kExact:
      if (!last_version || *last_version != expected.version()) {
        return AbortedError(actual + "; expected version " + std::to_string(expected.version()));
      }
      return OkStatus();
  }
  return InternalError("unknown expected version kind");
}

Result<std::vector<StreamPlan>> PlanAppend(const std::vector<StreamAppend>& appends,
                                           AppendState& state) {
  std::vector<StreamPlan> plans(appends.size());
  for (size_t i = 0; i < appends.size(); ++i) {
    const StreamAppend& append = appends[i];
    CAIRN_RETURN_IF_ERROR(MatchStoredEvents(append, state, plans[i]));
    if (plans[i].duplicate) continue;
    CAIRN_ASSIGN_OR_RETURN(std::optional<uint64_t> last, state.LastVersion(append.stream));
    CAIRN_RETURN_IF_ERROR(CheckExpectedVersion(append.stream, append.expected, last));
    plans[i].first_version = last ? *last + 1 : 0;
  }
  return plans;
}

}  // namespace cairn::internal
