// The decisions an append makes before it writes: expected versions and
// idempotent retries. Both stores share them, so both mean the same thing.
#ifndef CAIRN_STORE_INTERNAL_APPEND_PLANNER_H_
#define CAIRN_STORE_INTERNAL_APPEND_PLANNER_H_

#include <optional>
#include <string>
#include <vector>

#include "store/event.h"
#include "store/status.h"

namespace cairn::internal {

// What a store knows about an event id it holds.
struct StoredEvent {
  std::string stream;
  uint64_t version = 0;
  uint64_t position = 0;
  int64_t recorded_at_us = 0;
  std::string type;
  std::string content_type;
  std::string data;
};

// The store as an append sees it: committed state plus whatever earlier
// requests of the same commit group wrote.
class AppendState {
 public:
  virtual ~AppendState() = default;
  // The stream's last version; nullopt when it has no events.
  virtual Result<std::optional<uint64_t>> LastVersion(const std::string& stream) = 0;
  virtual Result<std::optional<StoredEvent>> FindEvent(const Uuid& event_id) = 0;
};

struct StreamPlan {
  // Every event of this stream is stored already with the same content: write
  // nothing and report `originals`.
  bool duplicate = false;
  std::vector<AppendedEvent> originals;
  // Otherwise the new events take versions from here on.
  uint64_t first_version = 0;
};

// Aborted when the stream is not where `expected` says; the message names the
// stream's actual version.
Status CheckExpectedVersion(const std::string& stream, ExpectedVersion expected,
                            std::optional<uint64_t> last_version);

// One plan per stream of `appends`, or the error that rejects the whole append.
Result<std::vector<StreamPlan>> PlanAppend(const std::vector<StreamAppend>& appends,
                                           AppendState& state);

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_APPEND_PLANNER_H_
