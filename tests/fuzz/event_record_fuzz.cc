// Record decoding: bytes from a Kafka topic (or a damaged log) decode to an
// event or to DataLoss, never to a crash. What decodes encodes again to the
// same event, and the relay's quick look (PeekEventRecord) agrees with the
// full decoding wherever both succeed.
#include <cstddef>
#include <cstdint>

#include "store/event_record.h"
#include "tests/fuzz/fuzz_check.h"

namespace cairn::fuzz {
namespace {

bool Same(const RecordedEvent& a, const RecordedEvent& b) {
  return a.event_id == b.event_id && a.stream == b.stream && a.version == b.version && a.position == b.position &&
         a.type == b.type && a.schema_version == b.schema_version && a.content_type == b.content_type &&
         a.recorded_at_us == b.recorded_at_us && a.metadata == b.metadata && a.data == b.data;
}

std::string_view MetadataOf(const RecordedEvent& event, std::string_view key) {
  auto it = event.metadata.find(key);
  return it == event.metadata.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace
}  // namespace cairn::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn;
  using namespace cairn::fuzz;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Result<RecordHeaders> peeked = PeekEventRecord(bytes);
  Result<RecordedEvent> decoded = DecodeEventRecord(bytes);
  if (!decoded.ok()) {
    Check(decoded.status().code() == StatusCode::kDataLoss, "a decoding error is DataLoss: " + decoded.status().ToString());
    return 0;
  }
  Result<RecordedEvent> again = DecodeEventRecord(EncodeEventRecord(*decoded));
  Check(again.ok(), "a decoded event encodes to bytes that decode");
  Check(Same(*again, *decoded), "a decoded event encodes and decodes to itself");
  if (peeked.ok()) {
    Check(peeked->position == decoded->position, "peek and decode agree on the global position");
    Check(peeked->stream == decoded->stream, "peek and decode agree on the stream");
    Check(peeked->type == decoded->type, "peek and decode agree on the type");
    Check(peeked->event_id == decoded->event_id, "peek and decode agree on the event id");
    Check(peeked->content_type == decoded->content_type, "peek and decode agree on the content type");
    Check(peeked->traceparent == MetadataOf(*decoded, kTraceparentKey), "peek and decode agree on the traceparent");
    Check(peeked->correlation_id == MetadataOf(*decoded, kCorrelationIdKey),
          "peek and decode agree on the correlation id");
  }
  return 0;
}
