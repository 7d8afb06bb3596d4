// A projector for tests: counts events per stream and sums a number from each
// payload, so an event applied twice or skipped shows in the totals. Events
// of type "Poison" fail while `poisoned` is set, or `failures_left` times.
#ifndef CAIRN_TESTS_PROJECTIONS_COUNTING_PROJECTOR_H_
#define CAIRN_TESTS_PROJECTIONS_COUNTING_PROJECTOR_H_

#include <atomic>
#include <map>
#include <set>
#include <string>

#include "projections/projector.h"

namespace cairn::projections::testing {

class CountingProjector final : public Projector {
 public:
  explicit CountingProjector(std::string name = "counts", std::set<std::string> categories = {})
      : name_(std::move(name)), categories_(std::move(categories)) {}
  std::string name() const override { return name_; }
  std::set<std::string> categories() const override { return categories_; }
  Status Migrate(Database& db) override {
    return db.Exec("CREATE TABLE IF NOT EXISTS counts (stream TEXT PRIMARY KEY, events INTEGER, total INTEGER)");
  }
  Status Apply(const RecordedEvent& event, Database& db) override {
    if (event.type == "Poison" && poisoned) return InvalidArgumentError("cannot digest " + event.stream);
    if (event.type == "Poison" && failures_left > 0) {
      --failures_left;
      return UnavailableError("a passing failure on " + event.stream);
    }
    CAIRN_ASSIGN_OR_RETURN(Statement upsert, db.Prepare(
        "INSERT INTO counts (stream, events, total) VALUES (?1, 1, ?2)"
        " ON CONFLICT(stream) DO UPDATE SET events = events + 1, total = total + excluded.total"));
    upsert.Bind(1, event.stream).Bind(2, static_cast<int64_t>(event.data.size()));
    return upsert.Run();
  }
  std::atomic<bool> poisoned{false};
  std::atomic<int> failures_left{0};  // "Poison" fails this many times, then heals

 private:
  std::string name_;
  std::set<std::string> categories_;
};

// stream -> (events, total), as the read model at `path` holds them.
inline std::map<std::string, std::pair<int64_t, int64_t>> ReadCounts(const std::string& path) {
  std::map<std::string, std::pair<int64_t, int64_t>> counts;
  auto db = Database::OpenReadOnly(path);
  if (!db.ok()) return counts;
  auto rows = (*db)->Prepare("SELECT stream, events, total FROM counts ORDER BY stream");
  if (!rows.ok()) return counts;
  while (*rows->Step()) counts[rows->Text(0)] = {rows->Int(1), rows->Int(2)};
  return counts;
}

}  // namespace cairn::projections::testing

#endif  // CAIRN_TESTS_PROJECTIONS_COUNTING_PROJECTOR_H_
