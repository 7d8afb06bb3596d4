#include "store/internal/validation.h"

#include <set>
#include <string>

namespace cairn::internal {
namespace {

bool HasControlCharacter(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

Status ValidateName(std::string_view what, std::string_view name, std::string_view stream) {
  if (name.empty()) return InvalidArgumentError(std::string(what) + " is empty (stream " + std::string(stream) + ")");
  if (name.size() > kMaxNameBytes) {
    return InvalidArgumentError(std::string(what) + " is longer than " + std::to_string(kMaxNameBytes) +
                                " bytes (stream " + std::string(stream) + ")");
  }
  if (HasControlCharacter(name)) {
    return InvalidArgumentError(std::string(what) + " contains a control character (stream " +
                                std::string(stream) + ")");
  }
  return OkStatus();
}

Status ValidateEvent(const EventData& event, std::string_view stream, const StoreOptions& options) {
  CAIRN_RETURN_IF_ERROR(ValidateName("event type", event.type, stream));
  CAIRN_RETURN_IF_ERROR(ValidateName("content type", event.content_type, stream));
  if (event.schema_version == 0) {
    return InvalidArgumentError("schema version of " + event.type + " must be at least 1");
  }
  if (event.data.size() > options.max_event_bytes) {
    return InvalidArgumentError("payload of " + event.type + " in stream " + std::string(stream) + " is " +
                                std::to_string(event.data.size()) + " bytes; the maximum is " +
                                std::to_string(options.max_event_bytes));
  }
  size_t metadata_bytes = 0;
  for (const auto& [key, value] : event.metadata) {
    CAIRN_RETURN_IF_ERROR(ValidateName("metadata key", key, stream));
    metadata_bytes += key.size() + value.size();
  }
  if (metadata_bytes > options.max_metadata_bytes) {
    return InvalidArgumentError("metadata of " + event.type + " is " + std::to_string(metadata_bytes) +
                                " bytes; the maximum is " + std::to_string(options.max_metadata_bytes));
  }
  return OkStatus();
}

}  // namespace

Status ValidateStreamId(std::string_view stream) {
  if (stream.empty()) return InvalidArgumentError("stream id is empty");
  if (stream.size() > kMaxStreamIdBytes) {
    return InvalidArgumentError("stream id is longer than " + std::to_string(kMaxStreamIdBytes) + " bytes");
  }
  if (HasControlCharacter(stream)) {
    return InvalidArgumentError("stream id contains a control character");
  }
  if (stream.front() == '$') {
    return InvalidArgumentError("stream id " + std::string(stream) + " starts with '$', which is reserved");
  }
  return OkStatus();
}

}  // namespace cairn::internal

namespace cairn {

using internal::ValidateEvent;
using internal::ValidateStreamId;

Status ValidateAppend(const std::vector<StreamAppend>& appends, const StoreOptions& options) {
  if (appends.empty()) return InvalidArgumentError("append has no streams");
  // A lone event cannot repeat a stream or an id: spare the common append the sets.
  const bool may_repeat = appends.size() > 1 || appends.front().events.size() > 1;
  std::set<std::string_view> streams;
  std::set<Uuid> event_ids;
  for (const StreamAppend& append : appends) {
    CAIRN_RETURN_IF_ERROR(ValidateStreamId(append.stream));
    if (may_repeat && !streams.insert(append.stream).second) {
      return InvalidArgumentError("stream " + append.stream + " appears twice in one append");
    }
    if (append.events.empty()) {
      return InvalidArgumentError("append to stream " + append.stream + " has no events");
    }
    for (const EventData& event : append.events) {
      CAIRN_RETURN_IF_ERROR(ValidateEvent(event, append.stream, options));
      if (may_repeat && !event.event_id.is_nil() && !event_ids.insert(event.event_id).second) {
        return InvalidArgumentError("event id " + event.event_id.ToString() + " appears twice in one append");
      }
    }
  }
  return OkStatus();
}

}  // namespace cairn
