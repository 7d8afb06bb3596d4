// Repository: loads an aggregate from its stream, starting from the latest
// snapshot when there is one, and can load it as it was at a point in time
// (from the snapshot too, when it was taken at or before that point).
//
// Thread safety: any thread may load; the store and registry must outlive it.
#ifndef CAIRN_ENGINE_REPOSITORY_H_
#define CAIRN_ENGINE_REPOSITORY_H_

#include <optional>
#include <string>

#include "engine/aggregate.h"
#include "engine/event_types.h"
#include "store/event_store.h"

namespace cairn {

// Where to stop loading; all empty means "now". At most one should be set.
struct LoadPoint {
  std::optional<uint64_t> at_version;   // stream version, inclusive
  std::optional<uint64_t> at_position;  // global position, inclusive
  std::optional<int64_t> at_time_us;    // recorded_at, inclusive
};

template <Aggregate A>
struct AggregateRoot {
  typename A::State state;
  std::optional<uint64_t> version;  // last version folded in; nullopt: no events
  uint64_t position = 0;            // global position of that event
  int64_t recorded_at_us = 0;       // and when it was recorded
  bool from_snapshot = false;
};

template <Aggregate A>
class Repository {
 public:
  static constexpr size_t kPageSize = 512;

  Repository(EventStore& store, const A& aggregate, const EventTypeRegistry& types)
      : store_(store), aggregate_(aggregate), types_(types) {}

  static std::string StreamOf(std::string_view id) { return std::string(A::kCategory) + "-" + std::string(id); }

  // The aggregate with every event up to `at` folded in. A stream with no
  // events loads as the default state with no version.
  Result<AggregateRoot<A>> Load(std::string_view id, const LoadPoint& at = {}) const {
    const std::string stream = StreamOf(id);
    AggregateRoot<A> root;
    uint64_t from = 0;
    CAIRN_ASSIGN_OR_RETURN(std::optional<Snapshot> snapshot, store_.LoadSnapshot(stream));
    if (snapshot && Covers(*snapshot, at) && root.state.ParseFromString(snapshot->state)) {
      root.version = snapshot->version;
      root.position = snapshot->position;
      root.recorded_at_us = snapshot->recorded_at_us;
      root.from_snapshot = true;
      from = snapshot->version + 1;
    } else {
      root.state.Clear();
    }
    for (;;) {
      Result<std::vector<RecordedEvent>> page = store_.ReadStream(stream, {from, false, kPageSize});
      if (page.status().code() == StatusCode::kNotFound) return root;
      if (!page.ok()) return page.status();
      for (const RecordedEvent& event : *page) {
        if ((at.at_version && event.version > *at.at_version) || (at.at_position && event.position > *at.at_position) ||
            (at.at_time_us && event.recorded_at_us > *at.at_time_us)) {
          return root;
        }
        CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> message, types_.Decode(event));
        aggregate_.Evolve(root.state, *message);
        root.version = event.version;
        root.position = event.position;
        root.recorded_at_us = event.recorded_at_us;
      }
      if (page->size() < kPageSize) return root;
      from = page->back().version + 1;
    }
  }

  // Stores `root` as the stream's snapshot, replacing any older one.
  Status SaveSnapshot(std::string_view id, const AggregateRoot<A>& root) const {
    if (!root.version) return OkStatus();
    Snapshot snapshot;
    snapshot.version = *root.version;
    snapshot.type = A::State::descriptor()->full_name();
    snapshot.state = root.state.SerializeAsString();
    snapshot.position = root.position;
    snapshot.recorded_at_us = root.recorded_at_us;
    return store_.SaveSnapshot(StreamOf(id), snapshot);
  }

 private:
  // Whether `snapshot` holds no event past `at`. One saved before snapshots
  // kept their position and time serves only loads by version.
  static bool Covers(const Snapshot& snapshot, const LoadPoint& at) {
    if (snapshot.type != A::State::descriptor()->full_name()) return false;
    if (at.at_version && snapshot.version > *at.at_version) return false;
    if (at.at_position && (snapshot.position == 0 || snapshot.position > *at.at_position)) return false;
    if (at.at_time_us && (snapshot.recorded_at_us == 0 || snapshot.recorded_at_us > *at.at_time_us)) return false;
    return true;
  }

  EventStore& store_;
  const A& aggregate_;
  const EventTypeRegistry& types_;
};

}  // namespace cairn

#endif  // CAIRN_ENGINE_REPOSITORY_H_
