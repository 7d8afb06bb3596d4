// Blue/green rebuild: readers see a complete model, old or new, throughout;
// a running projector follows the swap.
#include "projections/rebuild.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "projections/read_model_file.h"
#include "projections/runner.h"
#include "store/lock_file.h"
#include "tests/testing/small_disk.h"
#include "tests/projections/counting_projector.h"
#include "tests/testing/eventually.h"
#include "tests/testing/temp_dir.h"

namespace cairn::projections {
namespace {

using testing::CountingProjector;
using testing::ReadCounts;

class RebuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenEventStore(dir_.Sub("data"), {.durability = cairn::Durability::kBuffered});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    Append(kEvents);
  }
  void Append(int count) {
    std::vector<StreamAppend> appends(1);
    for (int i = 0; i < count; i += 100) {
      appends[0] = {"order-" + std::to_string(i % 13), ExpectedVersion::Any(), {}};
      for (int j = 0; j < 100; ++j) {
        EventData event;
        event.type = "Placed";
        event.data = "x";
        appends[0].events.push_back(event);
      }
      ASSERT_TRUE(store_->Append(appends).ok());
    }
  }
  static int64_t Total(const std::string& path) {
    int64_t events = 0;
    for (const auto& [stream, row] : ReadCounts(path)) events += row.first;
    return events;
  }
  // The model's total in one statement (one snapshot), or nullopt when the
  // read failed: a reader that opens the link just as the swap removes the
  // old generation may not open it at all, which is an error, not a
  // half-built model.
  static std::optional<int64_t> TotalInOneRead(const std::string& path) {
    auto db = Database::OpenReadOnly(path);
    if (!db.ok()) return std::nullopt;
    auto sum = (*db)->Prepare("SELECT sum(events) FROM counts");
    if (!sum.ok()) return std::nullopt;
    auto row = sum->Step();
    if (!row.ok() || !*row) return std::nullopt;
    return sum->Int(0);
  }
  static constexpr int kEvents = 20000;
  cairn::testing::TempDir dir_;
  std::unique_ptr<EventStore> store_;
  CountingProjector projector_;
};

TEST_F(RebuildTest, AnUnfinishedFirstBuildIsNeverAdoptedAndIsDiscardedByTheNext) {
  const std::string directory = dir_.Sub("projections");
  ReadModelFile file(directory, "counts");
  // What a rebuild killed before it finished leaves: a file under its building name.
  std::filesystem::create_directories(directory);
  { std::ofstream(file.building_path(1)) << "half of a database"; }
  {
    ProjectionRunner runner(*store_, projector_, {.directory = directory, .batch_size = 5000});
    Status opened = runner.Open();  // a fresh generation, not the leftover
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    EXPECT_EQ(runner.status().checkpoint, 0u);
  }
  ASSERT_TRUE(Rebuild(*store_, {&projector_}, directory).ok());
  EXPECT_EQ(Total(ReadModelPath(directory, "counts")), kEvents);
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    EXPECT_EQ(entry.path().filename().string().find(".building"), std::string::npos) << entry.path();
  }
}

TEST_F(RebuildTest, TwoRebuildsOfOneModelDoNotRunAtOnce) {
  const std::string directory = dir_.Sub("projections");
  std::filesystem::create_directories(directory);
  auto held = LockFile::Acquire(ReadModelFile(directory, "counts").rebuild_lock_path());
  ASSERT_TRUE(held.ok());
  Status rebuilt = Rebuild(*store_, {&projector_}, directory);
  EXPECT_EQ(rebuilt.code(), StatusCode::kUnavailable) << rebuilt.ToString();
  EXPECT_NE(rebuilt.message().find("pid"), std::string::npos) << rebuilt.message();
}

TEST_F(RebuildTest, ReadersSeeACompleteModelOldOrNewThroughout) {
  const std::string directory = dir_.Sub("projections");
  ProjectionRunner runner(*store_, projector_, {.directory = directory, .batch_size = 2000});
  while (runner.status().checkpoint < kEvents) ASSERT_TRUE(runner.RunOnce(std::chrono::milliseconds(10)).ok());
  const std::string link = runner.path();
  ReadModelFile file(directory, "counts");
  ASSERT_EQ(file.current(), 1);

  std::atomic<bool> reading{true};
  std::atomic<int> reads{0}, incomplete{0}, failed{0};
  std::thread reader([&] {
    while (reading) {
      const std::optional<int64_t> total = TotalInOneRead(link);
      if (!total) {
        ++failed;
        continue;
      }
      ++reads;
      if (*total != kEvents) ++incomplete;
    }
  });
  RebuildProgress last;
  ASSERT_TRUE(Rebuild(*store_, {&projector_}, directory, {.page_size = 1000, .progress = [&](const RebuildProgress& p) {
                        last = p;
                      }}).ok());
  const int reads_at_swap = reads;
  ASSERT_TRUE(cairn::testing::Eventually([&] { return reads >= reads_at_swap + 5; })) << "no read after the swap";
  reading = false;
  reader.join();
  EXPECT_GT(reads.load(), 10);
  EXPECT_EQ(incomplete.load(), 0) << "a reader saw a half-built model";
  EXPECT_LT(failed.load(), reads.load()) << "reads failed more often than not";
  EXPECT_EQ(file.current(), 2);
  EXPECT_FALSE(std::filesystem::exists(file.generation_path(1))) << "the old generation was kept";
  EXPECT_EQ(last.done, static_cast<uint64_t>(kEvents));
  EXPECT_GT(last.events_per_s, 0);
  EXPECT_EQ(Total(link), kEvents);

  // The running projector follows the swap and goes on in the new generation.
  Append(500);
  while (runner.status().checkpoint < kEvents + 500) ASSERT_TRUE(runner.RunOnce(std::chrono::milliseconds(10)).ok());
  EXPECT_EQ(Total(link), kEvents + 500);
}

// The stream names seen, one row each.
class Streams final : public Projector {
 public:
  explicit Streams(std::string name = "streams") : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  Status Migrate(Database& db) override { return db.Exec("CREATE TABLE IF NOT EXISTS s (stream TEXT PRIMARY KEY)"); }
  Status Apply(const RecordedEvent& event, Database& db) override {
    if (event.position == break_at) CAIRN_RETURN_IF_ERROR(db.Exec("ROLLBACK"));  // wrecks the runner's transaction
    applied_through = event.position;
    return db.Run("INSERT OR IGNORE INTO s (stream) VALUES (?1)", event.stream);
  }
  uint64_t break_at = 0;
  std::atomic<uint64_t> applied_through{0};  // read by the rebuild's progress, on another thread

 private:
  std::string name_;
};

int64_t CountStreams(const std::string& path) {
  auto db = Database::OpenReadOnly(path);
  if (!db.ok()) return -1;
  auto count = (*db)->Prepare("SELECT count(*) FROM s");
  return count.ok() && *count->Step() ? count->Int(0) : -1;
}

// Keeps a padded row per event: a read model large enough to fill a small disk.
class EveryEvent final : public Projector {
 public:
  std::string name() const override { return "every_event"; }
  Status Migrate(Database& db) override {
    return db.Exec("CREATE TABLE IF NOT EXISTS e (position INTEGER PRIMARY KEY, padding TEXT)");
  }
  Status Apply(const RecordedEvent& event, Database& db) override {
    return db.Run("INSERT INTO e (position, padding) VALUES (?1, ?2)", static_cast<int64_t>(event.position),
                  std::string(300, 'p'));
  }
};

class RebuildModeTest : public RebuildTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(RebuildModeTest, ARebuildOntoAFullDiskNamesTheModelSwapsNothingAndLeavesNothing) {
  cairn::testing::SmallDisk disk(3);
  if (!disk.mounted()) GTEST_SKIP() << "mounting a small tmpfs needs root";
  const std::string directory = disk.Sub("projections");
  ASSERT_TRUE(Rebuild(*store_, {&projector_}, directory, {.threads = GetParam()}).ok());
  EveryEvent every;
  Status rebuilt = Rebuild(*store_, {&projector_, &every}, directory, {.page_size = 1000, .threads = GetParam()});
  ASSERT_FALSE(rebuilt.ok()) << "the disk never filled";
  EXPECT_EQ(rebuilt.code(), StatusCode::kResourceExhausted) << rebuilt.ToString();
  EXPECT_NE(rebuilt.message().find("read model every_event"), std::string::npos) << rebuilt.ToString();
  EXPECT_EQ(ReadModelFile(directory, "counts").current(), 1);
  EXPECT_EQ(ReadModelFile(directory, "every_event").current(), 0);
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name.find(".building") == std::string::npos && name.find(".g2.") == std::string::npos) << name;
  }
  // The model that was there still serves, and a runner starts on it.
  EXPECT_EQ(Total(ReadModelPath(directory, "counts")), kEvents);
  ProjectionRunner runner(*store_, projector_, {.directory = directory});
  EXPECT_TRUE(runner.Open().ok());
}

TEST_P(RebuildModeTest, SeveralProjectorsRebuildInOnePass) {
  Streams streams, more_streams("more_streams");
  const std::string directory = dir_.Sub("projections");
  std::vector<RebuildProgress> reports;
  Status rebuilt = Rebuild(*store_, {&projector_, &streams, &more_streams}, directory,
                           {.page_size = 1000, .threads = GetParam(), .progress = [&](const RebuildProgress& p) {
                              reports.push_back(p);
                              EXPECT_LE(p.done, std::min(streams.applied_through, more_streams.applied_through))
                                  << "progress counted events not yet written";
                            }});
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.ToString();
  // Progress counts what every model has written: it only grows, and ends at the head.
  ASSERT_FALSE(reports.empty());
  for (size_t i = 1; i < reports.size(); ++i) EXPECT_LE(reports[i - 1].done, reports[i].done);
  for (const RebuildProgress& p : reports) EXPECT_LE(p.done, p.head);
  EXPECT_EQ(reports.back().done, static_cast<uint64_t>(kEvents));
  EXPECT_EQ(reports.back().head, static_cast<uint64_t>(kEvents));
  EXPECT_EQ(Total(ReadModelPath(directory, "counts")), kEvents);
  EXPECT_EQ(CountStreams(ReadModelPath(directory, "streams")), 13);
  EXPECT_EQ(CountStreams(ReadModelPath(directory, "more_streams")), 13);
  // The checkpoint came along: a runner starts after the rebuilt part.
  ProjectionRunner runner(*store_, streams, {.directory = directory});
  ASSERT_TRUE(runner.Open().ok());
  EXPECT_EQ(runner.status().checkpoint, static_cast<uint64_t>(kEvents));
}

TEST_P(RebuildModeTest, AFailedBuildSwapsNoReadModel) {
  Streams streams;
  const std::string directory = dir_.Sub("projections");
  ASSERT_TRUE(Rebuild(*store_, {&projector_, &streams}, directory, {.threads = GetParam()}).ok());
  Append(1000);
  streams.break_at = kEvents / 2;
  Status rebuilt = Rebuild(*store_, {&projector_, &streams}, directory, {.page_size = 1000, .threads = GetParam()});
  EXPECT_EQ(rebuilt.code(), StatusCode::kInternal) << rebuilt.ToString();
  // Both still serve the first build, the projector that did not fail too.
  EXPECT_EQ(ReadModelFile(directory, "counts").current(), 1);
  EXPECT_EQ(ReadModelFile(directory, "streams").current(), 1);
  EXPECT_EQ(Total(ReadModelPath(directory, "counts")), kEvents);
  EXPECT_EQ(CountStreams(ReadModelPath(directory, "streams")), 13);
  // ... and the failed build left no file of its own behind.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    files += name.find(".g2.") != std::string::npos || name.find(".building") != std::string::npos;
  }
  EXPECT_EQ(files, 0u);
}

TEST_P(RebuildModeTest, AStoppedBuildSwapsNothingAndLeavesNothing) {
  const std::string directory = dir_.Sub("projections");
  ASSERT_TRUE(Rebuild(*store_, {&projector_}, directory, {.threads = GetParam()}).ok());
  int pages = 0;
  Status rebuilt = Rebuild(*store_, {&projector_}, directory,
                           {.page_size = 1000, .threads = GetParam(), .stop = [&] { return ++pages > 3; }});
  EXPECT_EQ(rebuilt.code(), StatusCode::kUnavailable) << rebuilt.ToString();
  EXPECT_EQ(ReadModelFile(directory, "counts").current(), 1);
  EXPECT_FALSE(std::filesystem::exists(ReadModelFile(directory, "counts").building_path(2)));
  EXPECT_EQ(Total(ReadModelPath(directory, "counts")), kEvents);
}

// Events of another category after the orders, of a type the projectors
// take: the log's last events are none of the category-bound models' business.
void AppendSagaEvents(EventStore& store, int count) {
  for (int i = 0; i < count; ++i) {
    EventData event;
    event.type = "Placed";
    event.data = "saga";
    ASSERT_TRUE(store.Append("saga-" + std::to_string(i % 7), ExpectedVersion::Any(), {event}).ok());
  }
}

TEST_P(RebuildModeTest, ARebuildGivesEachProjectorOnlyItsCategoriesAsItsRunnerDoesAndEndsAtTheHead) {
  AppendSagaEvents(*store_, 300);
  const uint64_t head = kEvents + 300;
  CountingProjector orders("orders", {"order"});
  CountingProjector everything("everything");
  const std::string directory = dir_.Sub("projections");
  std::vector<RebuildProgress> reports;
  ASSERT_TRUE(Rebuild(*store_, {&orders, &everything}, directory,
                      {.page_size = 1000, .threads = GetParam(),
                       .progress = [&](const RebuildProgress& p) { reports.push_back(p); }})
                  .ok());
  const auto rebuilt = ReadCounts(ReadModelPath(directory, "orders"));
  EXPECT_EQ(rebuilt.size(), 13u);
  for (const auto& [stream, row] : rebuilt) EXPECT_EQ(CategoryOf(stream), "order") << stream;
  EXPECT_EQ(Total(ReadModelPath(directory, "orders")), kEvents);
  EXPECT_EQ(Total(ReadModelPath(directory, "everything")), static_cast<int64_t>(head));
  EXPECT_EQ(ReadCounts(ReadModelPath(directory, "everything")).size(), 13u + 7u);
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().done, head);

  // The runner of the same projector builds the same model, and the
  // rebuilt one's checkpoint is past the saga events.
  CountingProjector live_orders("live_orders", {"order"});
  const std::string live_directory = dir_.Sub("live");
  {
    ProjectionRunner live(*store_, live_orders, {.directory = live_directory});
    ASSERT_TRUE(live.Open().ok());
    while (live.status().checkpoint < head) ASSERT_TRUE(live.RunOnce(std::chrono::milliseconds(0)).ok());
  }
  EXPECT_EQ(ReadCounts(ReadModelPath(live_directory, "live_orders")), rebuilt);
  ProjectionRunner runner(*store_, orders, {.directory = directory});
  ASSERT_TRUE(runner.Open().ok());
  EXPECT_EQ(runner.status().checkpoint, head);
}

// One thread, fewer writers than read models, and one writer each.
INSTANTIATE_TEST_SUITE_P(Threads, RebuildModeTest, ::testing::Values(1, 2, 3),
                         [](const ::testing::TestParamInfo<size_t>& threads) { return std::to_string(threads.param); });

}  // namespace
}  // namespace cairn::projections
