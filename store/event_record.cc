#include "store/event_record.h"

#include "store/internal/record_codec.h"
#include "store/proto/event_record.pb.h"

namespace cairn {

std::string EncodeEventRecord(const RecordedEvent& event) {
  store::EventRecord record;
  record.set_event_id(std::string(event.event_id.bytes()));
  record.set_stream(event.stream);
  record.set_version(event.version);
  record.set_position(event.position);
  record.set_type(event.type);
  record.set_schema_version(event.schema_version);
  record.set_content_type(event.content_type);
  record.set_recorded_at_us(event.recorded_at_us);
  for (const auto& [key, value] : event.metadata) (*record.mutable_metadata())[key] = value;
  record.set_data(event.data);
  return record.SerializeAsString();
}

Result<RecordedEvent> DecodeEventRecord(std::string_view bytes) {
  RecordedEvent event;
  CAIRN_RETURN_IF_ERROR(internal::DecodeRecord(bytes, /*position=*/0, event));
  return event;
}

}  // namespace cairn
