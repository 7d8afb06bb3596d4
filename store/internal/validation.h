// Input rules beyond ValidateAppend (event_store.h), shared by the stores.
#ifndef CAIRN_STORE_INTERNAL_VALIDATION_H_
#define CAIRN_STORE_INTERNAL_VALIDATION_H_

#include <vector>

#include "store/event.h"
#include "store/event_store.h"
#include "store/status.h"

namespace cairn::internal {

inline constexpr size_t kMaxStreamIdBytes = 256;
inline constexpr size_t kMaxNameBytes = 256;  // types, content types, metadata keys

Status ValidateStreamId(std::string_view stream);

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_VALIDATION_H_
