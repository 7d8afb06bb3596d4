// Projector: one read model. It owns its tables (created or migrated on
// start) and applies each event it handles inside a transaction that the
// runner opened, and that holds the runner's checkpoint too.
//
// Thread safety: one projector's methods never run on two threads at once,
// but a rebuild runs different projectors' Apply at the same time, so
// projectors must not share unsynchronized state.
#ifndef CAIRN_PROJECTIONS_PROJECTOR_H_
#define CAIRN_PROJECTIONS_PROJECTOR_H_

#include <set>
#include <string>

#include "projections/database.h"
#include "store/event.h"

namespace cairn::projections {

class Projector {
 public:
  virtual ~Projector() = default;
  // Letters, digits and '_': also the read model's file name.
  virtual std::string name() const = 0;
  // The event types it handles; empty: every event.
  virtual std::set<std::string> event_types() const { return {}; }
  // The categories of the streams that hold every event it handles; empty:
  // any stream. A runner then reads only these categories (from the store's
  // category index, or their Kafka topics), and the events of the others
  // cost it nothing. No feed gives it another category's event: a rebuild
  // reads the whole log (a scan of `$all` costs less per event than reads
  // through the category index) and passes it only its categories' events.
  virtual std::set<std::string> categories() const { return {}; }
  // Creates or migrates its tables; runs inside a transaction at start.
  virtual Status Migrate(Database& db) = 0;
  // Applies one event. An error undoes what this event did; the runner
  // retries it, then parks it or stops, as its policy says.
  virtual Status Apply(const RecordedEvent& event, Database& db) = 0;
};

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_PROJECTOR_H_
