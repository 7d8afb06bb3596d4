// The EventRecord envelope as bytes outside the store: what the Kafka
// publisher sends as a message value and consumers decode.
#ifndef CAIRN_STORE_EVENT_RECORD_H_
#define CAIRN_STORE_EVENT_RECORD_H_

#include <string>
#include <string_view>

#include "store/event.h"
#include "store/status.h"

namespace cairn {

// The serialized cairn.store.EventRecord of `event`, without the chain hash
// (the chain belongs to the log, not to one message).
std::string EncodeEventRecord(const RecordedEvent& event);
// The same into `out`, reusing its memory (and this thread's encoder's).
void EncodeEventRecord(const RecordedEvent& event, std::string& out);

// DataLoss when `bytes` is not an EventRecord.
Result<RecordedEvent> DecodeEventRecord(std::string_view bytes);

// What a relay needs of a record, read without decoding the payload. The
// views point into the bytes given.
struct RecordHeaders {
  Uuid event_id;
  uint64_t position = 0;
  std::string_view stream;
  std::string_view type;
  std::string_view content_type;
  std::string_view correlation_id;
  std::string_view traceparent;
};
// DataLoss when `bytes` is not an EventRecord.
Result<RecordHeaders> PeekEventRecord(std::string_view bytes);

}  // namespace cairn

#endif  // CAIRN_STORE_EVENT_RECORD_H_
