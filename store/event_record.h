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

// DataLoss when `bytes` is not an EventRecord.
Result<RecordedEvent> DecodeEventRecord(std::string_view bytes);

}  // namespace cairn

#endif  // CAIRN_STORE_EVENT_RECORD_H_
