// What only the RocksDB store has: a data dir that outlives the process, its
// lock, read-only instances beside the writer, format versions and damage.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "store/event_store.h"
#include "store/proto/event_record.pb.h"
#include "tests/store/store_test_util.h"
#include "tests/testing/raw_db.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/thread_names.h"

namespace cairn {
namespace {

namespace fs = std::filesystem;
using testing::JsonEvent;
using testing::MustAppend;

std::unique_ptr<EventStore> MustOpen(const std::string& path, StoreOptions options = {}) {
  auto store = OpenEventStore(path, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

using testing::PositionKey;
using testing::RawDb;

TEST(RocksDbEventStore, ReopenKeepsTheLogAndContinuesItsPositionsAndChain) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    for (int i = 0; i < 5; ++i) MustAppend(*store, "order-1", "E");
  }
  auto store = MustOpen(dir.path());
  EXPECT_EQ(store->HeadPosition(), 5u);
  AppendedEvent next = MustAppend(*store, "order-1", "E", ExpectedVersion::Exact(4));
  EXPECT_EQ(next.position, 6u);
  EXPECT_EQ(next.version, 5u);
  auto report = store->Verify({});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->events, 6u);
  EXPECT_EQ(report->chain_head.size(), 64u);
}

TEST(RocksDbEventStore, ItsThreadsCarryNamesAnOperatorCanTellApartAndEndWithIt) {
  testing::TempDir dir;
  const auto before = testing::ThreadNames();
  {
    auto store = MustOpen(dir.path(), {.durability = Durability::kSync});
    const auto open = testing::ThreadNames();
    EXPECT_EQ(open.count("cairn-writer"), before.count("cairn-writer") + 1);
    EXPECT_EQ(open.count("cairn-syncer"), before.count("cairn-syncer") + 1);
  }
  const auto closed = testing::ThreadNames();
  EXPECT_EQ(closed.count("cairn-writer"), before.count("cairn-writer"));
  EXPECT_EQ(closed.count("cairn-syncer"), before.count("cairn-syncer"));
}

TEST(RocksDbEventStore, BufferedDurabilityKeepsTheSameContract) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path(), {.durability = Durability::kBuffered});
    for (int i = 0; i < 100; ++i) MustAppend(*store, "order-" + std::to_string(i % 3), "E");
  }
  auto store = MustOpen(dir.path());
  EXPECT_EQ(store->HeadPosition(), 100u);
  EXPECT_TRUE(store->Verify({}).ok());
}

TEST(RocksDbEventStore, SecondWriterIsRefusedWithTheLockHolderNamed) {
  testing::TempDir dir;
  auto first = MustOpen(dir.path());
  auto second = OpenEventStore(dir.path());
  ASSERT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("locked for writing by pid " + std::to_string(getpid())),
            std::string::npos)
      << second.status().message();
  first.reset();
  EXPECT_TRUE(OpenEventStore(dir.path()).ok());
}

TEST(RocksDbEventStore, ReaderBesideTheWriterSeesCommittedEventsAndFollowsNewOnes) {
  testing::TempDir dir;
  auto writer = MustOpen(dir.path());
  for (int i = 0; i < 5; ++i) MustAppend(*writer, "order-1", "E");
  auto reader = OpenEventStoreForReading(dir.path());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->HeadPosition(), 5u);
  EXPECT_EQ((*reader)->ReadAll(1, 100)->size(), 5u);
  auto report = (*reader)->Verify({});
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ((*reader)->Append("order-1", ExpectedVersion::Any(), {JsonEvent("E")}).status().code(),
            StatusCode::kPermissionDenied);

  for (int i = 0; i < 5; ++i) MustAppend(*writer, "order-2", "E");
  EXPECT_EQ((*reader)->WaitForHead(5, std::chrono::seconds(5)), 10u);
  auto all = (*reader)->ReadAll(1, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 10u);
  EXPECT_EQ(all->back().stream, "order-2");
  EXPECT_EQ((*reader)->ReadStream("order-2", {})->size(), 5u);
}

TEST(RocksDbEventStore, AWaitingReaderIsWokenByTheWritersCommitNotByATimer) {
  testing::TempDir dir;
  auto writer = MustOpen(dir.path());
  MustAppend(*writer, "order-1", "E");
  auto reader = OpenEventStoreForReading(dir.path());
  ASSERT_TRUE(reader.ok());
  for (int round = 0; round < 5; ++round) {
    const uint64_t head = (*reader)->HeadPosition();
    std::thread append([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      MustAppend(*writer, "order-1", "E");
    });
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ((*reader)->WaitForHead(head, std::chrono::seconds(10)), head + 1);
    const auto waited = std::chrono::steady_clock::now() - start;
    append.join();
    // The safety net re-reads every second; the writer's files wake it at once.
    EXPECT_LT(waited, std::chrono::milliseconds(700)) << "round " << round;
  }
  // Nothing to wait for: it returns at its timeout.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ((*reader)->WaitForHead(100, std::chrono::milliseconds(200)), 6u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

TEST(RocksDbEventStore, AReadOnlyStoreCallsAHeadWaiterWhenItsWriterCommits) {
  testing::TempDir dir;
  auto writer = MustOpen(dir.path());
  MustAppend(*writer, "order-1", "E");
  auto reader = OpenEventStoreForReading(dir.path());
  ASSERT_TRUE(reader.ok());
  std::promise<uint64_t> called;
  (*reader)->NotifyWhenHeadPasses(1, [&](uint64_t head) { called.set_value(head); });
  std::future<uint64_t> head = called.get_future();
  EXPECT_EQ(head.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout) << "called before a commit";
  MustAppend(*writer, "order-1", "E");
  ASSERT_EQ(head.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(head.get(), 2u);
}

TEST(RocksDbEventStore, ReaderOfAFolderWithoutAStoreIsAClearError) {
  testing::TempDir dir;
  auto reader = OpenEventStoreForReading(dir.Sub("nothing-here"));
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
  EXPECT_NE(reader.status().message().find("no Cairn store"), std::string::npos);
}

TEST(RocksDbEventStore, UnknownFormatVersionIsRefusedNotUpgraded) {
  testing::TempDir dir;
  { MustOpen(dir.path()); }
  {
    RawDb raw(dir.path());
    ASSERT_TRUE(raw.db().Put(rocksdb::WriteOptions(), raw.cf("meta"), "format_version", "99").ok());
  }
  auto store = OpenEventStore(dir.path());
  ASSERT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("format version 99"), std::string::npos) << store.status().message();
  RawDb raw(dir.path());
  std::string version;
  ASSERT_TRUE(raw.db().Get(rocksdb::ReadOptions(), raw.cf("meta"), "format_version", &version).ok());
  EXPECT_EQ(version, "99");
}

TEST(RocksDbEventStore, FlippedByteOnDiskIsDataLossForVerifyAndReads) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    std::vector<StreamAppend> appends(1);
    for (int batch = 0; batch < 20; ++batch) {
      appends[0] = {"order-" + std::to_string(batch), ExpectedVersion::Any(), {}};
      for (int i = 0; i < 100; ++i) {
        appends[0].events.push_back(JsonEvent("E", "{\"n\":" + std::to_string(batch * 100 + i) + "}"));
      }
      ASSERT_TRUE(store->Append(appends).ok());
    }
  }
  const std::string copy = dir.Sub("copy");
  fs::copy(dir.path(), copy);
  // The largest table file holds `events`; its data blocks come before its index.
  fs::path largest;
  for (const auto& entry : fs::directory_iterator(copy)) {
    if (entry.path().extension() == ".sst" && (largest.empty() || entry.file_size() > fs::file_size(largest))) {
      largest = entry.path();
    }
  }
  ASSERT_FALSE(largest.empty());
  {
    std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(fs::file_size(largest) / 3));
    char byte = 0;
    file.read(&byte, 1);
    byte ^= 0x5a;
    file.seekp(static_cast<std::streamoff>(fs::file_size(largest) / 3));
    file.write(&byte, 1);
  }
  auto store = OpenEventStore(copy);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto report = (*store)->Verify({});
  ASSERT_EQ(report.status().code(), StatusCode::kDataLoss) << report.status().ToString();
  EXPECT_NE(report.status().message().find("first bad global position"), std::string::npos);
  EXPECT_EQ((*store)->ReadAll(1, 5000).status().code(), StatusCode::kDataLoss);
  // The original is untouched.
  auto original = MustOpen(dir.path());
  EXPECT_TRUE(original->Verify({}).ok());
}

TEST(RocksDbEventStore, VerifyFindsATamperedRecordByItsHashChain) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    for (int i = 0; i < 10; ++i) MustAppend(*store, "order-1", "E");
  }
  {
    RawDb raw(dir.path());
    std::string value;
    ASSERT_TRUE(raw.db().Get(rocksdb::ReadOptions(), raw.cf("events"), PositionKey(4), &value).ok());
    store::EventRecord record;
    ASSERT_TRUE(record.ParseFromString(value));
    record.set_data(R"({"amount":1000000})");
    ASSERT_TRUE(raw.db().Put(rocksdb::WriteOptions(), raw.cf("events"), PositionKey(4),
                             record.SerializeAsString()).ok());
  }
  auto store = MustOpen(dir.path());
  auto report = store->Verify({});
  ASSERT_EQ(report.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(report.status().message().find("position 4: hash chain broken"), std::string::npos)
      << report.status().message();
}

TEST(RocksDbEventStore, VerifyFindsAnIndexThatDisagreesWithTheLog) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    for (int i = 0; i < 10; ++i) MustAppend(*store, "order-" + std::to_string(i % 2), "E");
  }
  {
    RawDb raw(dir.path());
    std::string key = std::string("order-1") + '\0' + PositionKey(2);  // order-1, version 2: position 6
    ASSERT_TRUE(raw.db().Delete(rocksdb::WriteOptions(), raw.cf("streams"), key).ok());
  }
  auto store = MustOpen(dir.path());
  auto report = store->Verify({});
  ASSERT_EQ(report.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(report.status().message().find("position 6: the streams index disagrees"), std::string::npos)
      << report.status().message();
}

TEST(RocksDbEventStore, VerifyNamesEveryDamagedRecordNotJustTheFirst) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    for (int i = 0; i < 20; ++i) MustAppend(*store, "order-1", "E");
  }
  {
    RawDb raw(dir.path());
    for (uint64_t position : {3, 11, 17}) {
      ASSERT_TRUE(raw.db().Put(rocksdb::WriteOptions(), raw.cf("events"), PositionKey(position), "\xff\xff").ok());
    }
  }
  auto store = MustOpen(dir.path());
  auto report = store->Verify({});
  ASSERT_EQ(report.status().code(), StatusCode::kDataLoss);
  const std::string message = report.status().message();
  EXPECT_NE(message.find("first bad global position 3"), std::string::npos) << message;
  EXPECT_NE(message.find("3 damaged in all"), std::string::npos) << message;
  EXPECT_NE(message.find(" 11 ("), std::string::npos) << message;
  EXPECT_NE(message.find(" 17 ("), std::string::npos) << message;
  // The records around the damage still read.
  EXPECT_EQ(store->ReadAll(4, 7)->size(), 7u);
}

TEST(RocksDbEventStore, ALogThatEndsBeforeTheHeadIsDataLossInEveryReader) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    for (int i = 0; i < 30; ++i) MustAppend(*store, "order-" + std::to_string(i % 3), "E");
  }
  {
    // What a lost or truncated events table leaves: the head says 30, the log ends at 20.
    RawDb raw(dir.path());
    ASSERT_TRUE(raw.db().DeleteRange(rocksdb::WriteOptions(), raw.cf("events"), PositionKey(21), PositionKey(99)).ok());
  }
  for (bool read_only : {false, true}) {
    SCOPED_TRACE(read_only ? "reader" : "writer");
    auto store = read_only ? OpenEventStoreForReading(dir.path()) : OpenEventStore(dir.path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->ReadAll(1, 10)->size(), 10u);  // a page that ends before the gap is whole
    EXPECT_EQ((*store)->ReadAll(15, 100).status().code(), StatusCode::kDataLoss);
    EXPECT_EQ((*store)->ReadAll(25, 100).status().code(), StatusCode::kDataLoss);
    EXPECT_EQ((*store)->ReadAllRecords(15, 100).status().code(), StatusCode::kDataLoss);
    EXPECT_EQ((*store)->ReadStream("order-0", {}).status().code(), StatusCode::kDataLoss);
    EXPECT_TRUE((*store)->ReadAll(31, 100)->empty());  // past the head: nothing, and no error
    EXPECT_EQ((*store)->Verify({}).status().code(), StatusCode::kDataLoss);
  }
}

TEST(RocksDbEventStore, ReadStreamWithAnIndexThatLostEntriesIsDataLoss) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    for (int i = 0; i < 5; ++i) MustAppend(*store, "order-1", "E");
  }
  {
    RawDb raw(dir.path());
    ASSERT_TRUE(raw.db().DeleteRange(rocksdb::WriteOptions(), raw.cf("streams"), std::string("order-1") + '\0',
                                     std::string("order-1") + '\1').ok());
  }
  auto store = MustOpen(dir.path());
  EXPECT_EQ(store->ReadStream("order-1", {}).status().code(), StatusCode::kDataLoss);
}

TEST(RocksDbEventStore, AWriterNeverCreatesAStoreOverStoreFilesWithoutCurrent) {
  testing::TempDir dir;
  {
    auto store = MustOpen(dir.path());
    MustAppend(*store, "order-1", "E");
  }
  fs::remove(fs::path(dir.path()) / "CURRENT");
  const auto files_before = std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator());
  auto writer = OpenEventStore(dir.path());
  ASSERT_EQ(writer.status().code(), StatusCode::kDataLoss) << writer.status().ToString();
  EXPECT_NE(writer.status().message().find("no CURRENT file but holds store files"), std::string::npos);
  EXPECT_NE(writer.status().message().find(".sst"), std::string::npos) << writer.status().message();
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "CURRENT"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), files_before);
  EXPECT_EQ(OpenEventStoreForReading(dir.path()).status().code(), StatusCode::kDataLoss);
}

TEST(RocksDbEventStore, ManyShortLivedWritersLeaveABoundedNumberOfFiles) {
  testing::TempDir dir;
  for (int i = 0; i < 120; ++i) {
    auto store = MustOpen(dir.path());
    MustAppend(*store, "order-" + std::to_string(i % 7), "E");
  }
  size_t tables = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) tables += entry.path().extension() == ".sst";
  // Nine families, each merged once it has four level-0 files, plus what the merges left.
  EXPECT_LT(tables, 60u);
  auto store = MustOpen(dir.path());
  EXPECT_EQ(store->HeadPosition(), 120u);
  EXPECT_TRUE(store->Verify({}).ok());
}

TEST(RocksDbEventStore, AReaderRemovesTheFoldersOfReadersThatDied) {
  testing::TempDir dir;
  { auto store = MustOpen(dir.path()); }
  // A folder of a process that no longer runs (pid_max is far below this), and one of this process.
  const fs::path dead = fs::temp_directory_path() / "cairn-reader-999999999-abcdef";
  const fs::path alive = fs::temp_directory_path() / ("cairn-reader-" + std::to_string(getpid()) + "-kept01");
  fs::create_directories(dead);
  fs::create_directories(alive);
  auto reader = OpenEventStoreForReading(dir.path());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));
  fs::remove_all(alive);
}

TEST(RocksDbEventStore, AWriterWaitsForTheLockWhenAskedTo) {
  testing::TempDir dir;
  auto first = MustOpen(dir.path());
  const auto start = std::chrono::steady_clock::now();
  auto refused = OpenEventStore(dir.path(), {.lock_wait = std::chrono::milliseconds(200)});
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    first.reset();
  });
  auto second = OpenEventStore(dir.path(), {.lock_wait = std::chrono::seconds(10)});
  release.join();
  EXPECT_TRUE(second.ok()) << second.status().ToString();
}

}  // namespace
}  // namespace cairn
