// The values that cross the event store's interface: events going in, events
// coming out, expected versions and append results.
#ifndef CAIRN_STORE_EVENT_H_
#define CAIRN_STORE_EVENT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/uuid.h"

namespace cairn {

// Content type of payloads appended as JSON; any other content type names the
// protobuf message type of the payload ("shop.order.v1.OrderPlaced").
inline constexpr std::string_view kJsonContentType = "application/json";

// True when `text` is well-formed UTF-8 (RFC 3629): what every string the
// store keeps must be, since protobuf refuses to parse anything else.
bool IsValidUtf8(std::string_view text);

// The deepest nesting of arrays and objects a JSON payload may have. Deeper
// JSON is refused where it comes in (the stores, the CLI): JSON libraries
// recurse on nesting, and a deep enough payload overflows their stack.
inline constexpr size_t kMaxJsonDepth = 256;
// The deepest nesting of `[` and `{` in JSON text (outside strings), without
// parsing it: safe on any input.
size_t JsonNestingDepth(std::string_view json);

// Metadata keys with a meaning across Cairn.
inline constexpr std::string_view kCorrelationIdKey = "correlation_id";
// Metadata key of the W3C trace context (traceparent) an event was caused
// under; the Kafka publisher passes it on as a header of the same name.
inline constexpr std::string_view kTraceparentKey = "traceparent";
inline constexpr std::string_view kCausationIdKey = "causation_id";

using Metadata = std::map<std::string, std::string, std::less<>>;

// An event to append. Without an event_id the store gives it a random one;
// give a deterministic id to make retries of the same append idempotent. The
// nil UUID is not an id: an append that names it is InvalidArgument.
struct EventData {
  std::optional<Uuid> event_id;
  std::string type;
  uint32_t schema_version = 1;
  std::string content_type{kJsonContentType};
  std::string data;
  Metadata metadata;
};

// An event as stored.
struct RecordedEvent {
  Uuid event_id;
  std::string stream;
  uint64_t version = 0;   // 0-based within the stream
  uint64_t position = 0;  // global position: 1-based, gapless, commit order
  std::string type;
  uint32_t schema_version = 1;
  std::string content_type;
  int64_t recorded_at_us = 0;  // microseconds since the Unix epoch, UTC
  Metadata metadata;
  std::string data;
};

// "2026-11-26T10:15:30.123456Z": how Cairn writes a recorded_at (UTC). A
// time outside the years 0000-9999 is written as its microseconds, "…us".
std::string FormatTimestamp(int64_t micros_since_epoch);

// "order-42" -> "order"; a stream id without '-' is its own category.
std::string_view CategoryOf(std::string_view stream);

// What an append expects the stream to look like before it writes.
class ExpectedVersion {
 public:
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };

  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, 0); }
  static ExpectedVersion NoStream() { return ExpectedVersion(Kind::kNoStream, 0); }
  static ExpectedVersion StreamExists() { return ExpectedVersion(Kind::kStreamExists, 0); }
  // The stream's last version must be exactly `version`.
  static ExpectedVersion Exact(uint64_t version) { return ExpectedVersion(Kind::kExact, version); }

  Kind kind() const { return kind_; }
  uint64_t version() const { return version_; }
  // "any", "no-stream", "exists" or the number.
  std::string ToString() const;

 private:
  ExpectedVersion(Kind kind, uint64_t version) : kind_(kind), version_(version) {}
  Kind kind_;
  uint64_t version_;
};

// The events for one stream within an append.
struct StreamAppend {
  std::string stream;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<EventData> events;
};

// Where one appended event landed.
struct AppendedEvent {
  std::string stream;
  Uuid event_id;
  uint64_t version = 0;
  uint64_t position = 0;
  int64_t recorded_at_us = 0;
};

struct AppendResult {
  // One entry per event, in request order. On an idempotent retry these are
  // the positions of the original append.
  std::vector<AppendedEvent> events;
  uint64_t last_position() const { return events.empty() ? 0 : events.back().position; }
};

// A stream's last event.
struct StreamHeadInfo {
  std::string stream;
  uint64_t last_version = 0;
  uint64_t last_position = 0;
};

}  // namespace cairn

#endif  // CAIRN_STORE_EVENT_H_
