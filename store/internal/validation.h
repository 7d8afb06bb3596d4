// Input rules beyond ValidateAppend (event_store.h), shared by the stores.
#ifndef CAIRN_STORE_INTERNAL_VALIDATION_H_
#define CAIRN_STORE_INTERNAL_VALIDATION_H_

#include <string>
#include <string_view>
#include <vector>

#include "store/event.h"
#include "store/event_store.h"
#include "store/status.h"

namespace cairn::internal {

inline constexpr size_t kMaxStreamIdBytes = 256;
inline constexpr size_t kMaxNameBytes = 256;  // types, content types, metadata keys

Status ValidateStreamId(std::string_view stream);

// Names and strings kept beside the log, checked as strictly as the events.
Status ValidateCheckpoint(std::string_view name, const Checkpoint& checkpoint);
Status ValidateSnapshot(std::string_view stream, const Snapshot& snapshot);
Status ValidateSchemaName(std::string_view type_name);

// `text` with every byte outside printable ASCII (and '\\') as \\xNN, for messages.
std::string EscapeBytes(std::string_view text);

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_VALIDATION_H_
