#include "store/event_record.h"

#include <optional>

#include "store/internal/record_codec.h"

namespace cairn {

std::string EncodeEventRecord(const RecordedEvent& event) {
  std::string out;
  EncodeEventRecord(event, out);
  return out;
}

void EncodeEventRecord(const RecordedEvent& event, std::string& out) { internal::SerializeRecord(event, out); }

Result<RecordedEvent> DecodeEventRecord(std::string_view bytes) {
  RecordedEvent event;
  CAIRN_RETURN_IF_ERROR(internal::DecodeRecord(bytes, /*position=*/0, event));
  return event;
}

namespace {

// Just enough of the protobuf wire format to walk a record's top-level fields.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : rest_(bytes) {}
  bool done() const { return rest_.empty(); }
  bool Varint(uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64 && !rest_.empty(); shift += 7) {
      const auto byte = static_cast<uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      value |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  bool Bytes(std::string_view& value) {
    uint64_t size = 0;
    if (!Varint(size) || size > rest_.size()) return false;
    value = rest_.substr(0, size);
    rest_.remove_prefix(size);
    return true;
  }
  bool Skip(int wire_type) {
    uint64_t ignored;
    std::string_view skipped;
    switch (wire_type) {
      case 0: return Varint(ignored);
      case 1: return Advance(8);
      case 2: return Bytes(skipped);
      case 5: return Advance(4);
      default: return false;
    }
  }

 private:
  bool Advance(size_t n) {
    if (n > rest_.size()) return false;
    rest_.remove_prefix(n);
    return true;
  }
  std::string_view rest_;
};

// A metadata map entry: key (1) and value (2); the ones relays pass on go into `headers`.
bool PeekMetadataEntry(std::string_view entry, RecordHeaders& headers) {
  WireReader reader(entry);
  std::string_view key, value;
  while (!reader.done()) {
    uint64_t tag;
    if (!reader.Varint(tag)) return false;
    if ((tag & 7) != 2) {
      if (!reader.Skip(static_cast<int>(tag & 7))) return false;
      continue;
    }
    std::string_view field;
    if (!reader.Bytes(field)) return false;
    if ((tag >> 3) == 1) key = field;
    if ((tag >> 3) == 2) value = field;
  }
  if (key == kCorrelationIdKey) headers.correlation_id = value;
  if (key == kTraceparentKey) headers.traceparent = value;
  return true;
}

}  // namespace

Result<RecordHeaders> PeekEventRecord(std::string_view bytes) {
  RecordHeaders headers;
  WireReader reader(bytes);
  bool ok = true;
  while (ok && !reader.done()) {
    uint64_t tag;
    if (!(ok = reader.Varint(tag))) break;
    const uint64_t field = tag >> 3;
    const int wire_type = static_cast<int>(tag & 7);
    if (field == 4 && wire_type == 0) {
      ok = reader.Varint(headers.position);
    } else if (wire_type == 2 && (field == 1 || field == 2 || field == 5 || field == 7 || field == 9)) {
      std::string_view value;
      if (!(ok = reader.Bytes(value))) break;
      if (field == 1) {
        std::optional<Uuid> id = Uuid::FromBytes(value);
        ok = id.has_value();
        if (ok) headers.event_id = *id;
      }
      if (field == 2) headers.stream = value;
      if (field == 5) headers.type = value;
      if (field == 7) headers.content_type = value;
      if (field == 9) ok = PeekMetadataEntry(value, headers);
    } else {
      ok = reader.Skip(wire_type);
    }
  }
  if (!ok || headers.position == 0 || headers.stream.empty()) return DataLossError("bytes are not an EventRecord");
  return headers;
}

}  // namespace cairn
