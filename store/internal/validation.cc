#include "store/internal/validation.h"

#include <algorithm>
#include <set>
#include <string>

namespace cairn::internal {
namespace {

// Protobuf refuses to parse a string field that is not UTF-8, so a record
// holding one could never be read back: refuse it before it is written.
Status RequireUtf8(std::string_view what, std::string_view text, std::string_view stream) {
  if (IsValidUtf8(text)) return OkStatus();
  return InvalidArgumentError(std::string(what) + " is not valid UTF-8 (stream " + std::string(stream) + ")");
}

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
  return RequireUtf8(what, name, stream);
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
  // A JSON payload is text that tools print as it is: a NUL would cut it short.
  if (event.content_type == kJsonContentType) {
    if (!IsValidUtf8(event.data) || event.data.find('\0') != std::string::npos) {
      return InvalidArgumentError("JSON payload of " + event.type + " in stream " + std::string(stream) +
                                  " is not valid UTF-8 text");
    }
    if (JsonNestingDepth(event.data) > kMaxJsonDepth) {
      return InvalidArgumentError("JSON payload of " + event.type + " in stream " + std::string(stream) +
                                  " nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
  }
  size_t metadata_bytes = 0;
  for (const auto& [key, value] : event.metadata) {
    CAIRN_RETURN_IF_ERROR(ValidateName("metadata key", key, stream));
    CAIRN_RETURN_IF_ERROR(RequireUtf8("metadata value of " + key, value, stream));
    metadata_bytes += key.size() + value.size();
  }
  if (metadata_bytes > options.max_metadata_bytes) {
    return InvalidArgumentError("metadata of " + event.type + " is " + std::to_string(metadata_bytes) +
                                " bytes; the maximum is " + std::to_string(options.max_metadata_bytes));
  }
  return OkStatus();
}

}  // namespace

std::string EscapeBytes(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Status ValidateStreamId(std::string_view stream) {
  if (stream.empty()) return InvalidArgumentError("stream id is empty");
  if (stream.size() > kMaxStreamIdBytes) {
    return InvalidArgumentError("stream id is longer than " + std::to_string(kMaxStreamIdBytes) + " bytes");
  }
  if (HasControlCharacter(stream)) {
    return InvalidArgumentError("stream id " + EscapeBytes(stream) + " contains a control character");
  }
  if (!IsValidUtf8(stream)) return InvalidArgumentError("stream id " + EscapeBytes(stream) + " is not valid UTF-8");
  if (stream.front() == '$') {
    return InvalidArgumentError("stream id " + std::string(stream) + " starts with '$', which is reserved");
  }
  return OkStatus();
}

Status ValidateCheckpoint(std::string_view name, const Checkpoint& checkpoint) {
  CAIRN_RETURN_IF_ERROR(ValidateName("checkpoint name", name, "-"));
  for (const PartitionOffset& offset : checkpoint.offsets) {
    CAIRN_RETURN_IF_ERROR(RequireUtf8("topic of checkpoint " + std::string(name), offset.topic, "-"));
  }
  return OkStatus();
}

Status ValidateSnapshot(std::string_view stream, const Snapshot& snapshot) {
  CAIRN_RETURN_IF_ERROR(ValidateStreamId(stream));
  return ValidateName("snapshot type", snapshot.type, stream);
}

Status ValidateSchemaName(std::string_view type_name) { return ValidateName("schema type name", type_name, "-"); }

}  // namespace cairn::internal

namespace cairn {

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // RFC 3629: the lead byte fixes the length and the range of the second
    // byte, which rules out overlong forms, surrogates and code points past U+10FFFF.
    size_t length;
    unsigned char low = 0x80, high = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      if (c == 0xe0) low = 0xa0;
      if (c == 0xed) high = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < length || p[1] < low || p[1] > high) return false;
    for (size_t i = 2; i < length; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
    }
    p += length;
  }
  return true;
}

size_t JsonNestingDepth(std::string_view json) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

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
      if (!event.event_id) continue;
      if (event.event_id->is_nil()) {
        return InvalidArgumentError("event id of " + event.type + " in stream " + append.stream +
                                    " is the nil UUID; leave it out to get a random one");
      }
      if (may_repeat && !event_ids.insert(*event.event_id).second) {
        return InvalidArgumentError("event id " + event.event_id->ToString() + " appears twice in one append");
      }
    }
  }
  return OkStatus();
}

}  // namespace cairn
