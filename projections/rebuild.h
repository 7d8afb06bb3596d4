// Rebuild: fresh read models from the log, blue/green. Every projector gets a
// new generation file, built in one pass over `$all` with large transactions
// and no syncing until the end, caught up to the head, synced once, and then
// swapped in; the old generation serves reads the whole time.
#ifndef CAIRN_PROJECTIONS_REBUILD_H_
#define CAIRN_PROJECTIONS_REBUILD_H_

#include <functional>
#include <string>
#include <vector>

#include "projections/projector.h"
#include "store/event_store.h"

namespace cairn::projections {

struct RebuildProgress {
  uint64_t done = 0;   // global position reached
  uint64_t head = 0;
  double events_per_s = 0;
};

struct RebuildOptions {
  size_t page_size = 5000;  // events per transaction
  // Threads writing the read models while the log is read on the caller's
  // thread; 0: one per core. At most one per read model. With 1, reading and
  // writing all happen on the caller's thread.
  size_t threads = 0;
  std::function<void(const RebuildProgress&)> progress;
  // Asked before each page; true stops the rebuild (Unavailable), nothing swapped.
  std::function<bool()> stop;
};

// Rebuilds the read models of `projectors` in `directory` in one pass.
// Poison events are parked in the new model. On an error nothing is swapped
// and the unfinished generations are deleted; a generation is renamed to its
// final name only once it is complete and synced. DataLoss when the log ends
// before the store's head. Unavailable when another rebuild of one of the
// models runs.
// With several threads, different projectors' Apply run at the same time
// (one projector's never does): projectors must not share unsynchronized state.
Status Rebuild(EventStore& store, const std::vector<Projector*>& projectors, const std::string& directory,
               const RebuildOptions& options = {});

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_REBUILD_H_
