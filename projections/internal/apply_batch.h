// One transaction of a read model: a batch of events applied through a
// projector, failing events retried and then parked (or the batch stopped
// just before one), and the checkpoint, all committed together.
#ifndef CAIRN_PROJECTIONS_INTERNAL_APPLY_BATCH_H_
#define CAIRN_PROJECTIONS_INTERNAL_APPLY_BATCH_H_

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "projections/projector.h"
#include "store/string_hash.h"

namespace cairn::projections::internal {

// The runner's own tables, in every read-model file.
extern const char* const kRunnerSchema;

// The events a projector handles, by type and by its stream's category,
// asked for every event it is fed: a feed may hold more than it asked for
// (a rebuild reads the whole log).
class EventFilter {
 public:
  EventFilter() = default;  // every event
  explicit EventFilter(const Projector& projector) {
    // Both return a new set on every call: each is called once.
    for (const std::string& type : projector.event_types()) types_.insert(type);
    for (const std::string& category : projector.categories()) categories_.insert(category);
  }
  bool Accepts(const RecordedEvent& event) const {
    return (types_.empty() || types_.find(event.type) != types_.end()) &&
           (categories_.empty() || categories_.find(CategoryOf(event.stream)) != categories_.end());
  }

 private:
  std::unordered_set<std::string, StringHash, std::equal_to<>> types_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> categories_;
};

struct BatchPolicy {
  int retries = 2;
  bool stop_on_poison = false;
  // The store feed's gapless checkpoint; a Kafka feed keeps offsets instead.
  bool keep_checkpoint = true;
  // More progress to record in the same transaction (a Kafka feed's offsets).
  std::function<Status(Database&)> save_progress;
  // The store feed read every event of the projector's categories up to this
  // global position: unless the batch stopped, the checkpoint ends there,
  // past the other categories' events (which the feed never read).
  uint64_t read_through = 0;
};

struct BatchOutcome {
  uint64_t checkpoint = 0;  // the last global position done
  uint64_t parked = 0;
  // With stop_on_poison: the event that kept failing and why; the checkpoint
  // stays just below it. Empty when the batch went through.
  std::string stopped_at;
};

// Runs BEGIN ... COMMIT. On an error nothing of the batch stays (the caller
// reads it again); `outcome` is valid only on OK.
Status ApplyBatch(Database& db, Projector& projector, const EventFilter& filter,
                  const std::vector<RecordedEvent>& batch, uint64_t checkpoint, const BatchPolicy& policy,
                  BatchOutcome& outcome);

// The checkpoint stored in `db` for `projector` (0 when none).
Result<uint64_t> LoadCheckpoint(Database& db, const std::string& projector);

// Records the feed (see feed.h) and creates the runner's tables and the
// projector's, in one transaction. InvalidArgument when another feed writes
// the model.
Status Migrate(Database& db, Projector& projector, std::string_view feed);

}  // namespace cairn::projections::internal

#endif  // CAIRN_PROJECTIONS_INTERNAL_APPLY_BATCH_H_
