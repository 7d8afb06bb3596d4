// DESIGN.md's error table, one test per row: each code comes from the
// sources the table names, through the real components, and from nothing
// else that a test here can reach.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <string>

#include "engine/command_handler.h"
#include "examples/commerce/commerce.h"
#include "projections/database.h"
#include "store/event_store.h"
#include "store/lock_file.h"
#include "tests/examples/commerce/commerce_messages.h"
#include "tests/testing/raw_db.h"
#include "tests/testing/small_disk.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

using commerce::Order;
using namespace commerce::testing;

EventData Json(std::string type, std::optional<Uuid> id = std::nullopt, std::string data = "{}") {
  EventData event;
  event.event_id = id;
  event.type = std::move(type);
  event.data = std::move(data);
  return event;
}

class ErrorTable : public ::testing::Test {
 protected:
  ErrorTable() { commerce::RegisterCommerceEvents(types_); }
  std::unique_ptr<EventStore> Open() {
    auto store = OpenEventStore(dir_.Sub("data"), {.durability = Durability::kBuffered});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  testing::TempDir dir_;
  EventTypeRegistry types_;
  Order order_;
};

TEST_F(ErrorTable, InvalidArgumentIsMalformedInput) {
  auto store = Open();
  EXPECT_EQ(store->Append("", ExpectedVersion::Any(), {Json("Placed")}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Append("order-1", ExpectedVersion::Any(), {Json("")}).status().code(), StatusCode::kInvalidArgument);
  CommandHandler<Order> orders(*store, order_, types_);
  EXPECT_EQ(orders.Handle(AsCommand(Place("o-1", "c-1", {}))).status().code(), StatusCode::kInvalidArgument)
      << "an order without lines is a malformed command";
  EXPECT_EQ(store->HeadPosition(), 0u);
}

TEST_F(ErrorTable, NotFoundIsNoSuchThing) {
  auto store = Open();
  EXPECT_EQ(store->ReadStream("order-1", {}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->ReadEvent(Uuid::Random()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(OpenEventStoreForReading(dir_.Sub("nothing-here")).status().code(), StatusCode::kNotFound);
  CommandHandler<Order> orders(*store, order_, types_);
  EXPECT_EQ(orders.Handle(Confirm("o-404")).status().code(), StatusCode::kNotFound);
}

TEST_F(ErrorTable, AlreadyExistsIsAnIdTakenByOtherContent) {
  auto store = Open();
  const Uuid id = Uuid::Random();
  ASSERT_TRUE(store->Append("order-1", ExpectedVersion::Any(), {Json("Placed", id)}).ok());
  EXPECT_EQ(store->Append("order-1", ExpectedVersion::Any(), {Json("Placed", id, "{\"other\":1}")}).status().code(),
            StatusCode::kAlreadyExists);
  CommandHandler<Order> orders(*store, order_, types_);
  ASSERT_TRUE(orders.Handle(AsCommand(Place("o-1", "c-1", {{"tea", 1, 100}}))).ok());
  EXPECT_EQ(orders.Handle(AsCommand(Place("o-1", "c-2", {{"cup", 1, 100}}))).status().code(),
            StatusCode::kAlreadyExists);
}

TEST_F(ErrorTable, AbortedIsAConcurrencyConflict) {
  auto store = Open();
  ASSERT_TRUE(store->Append("order-1", ExpectedVersion::NoStream(), {Json("Placed")}).ok());
  auto stale = store->Append("order-1", ExpectedVersion::NoStream(), {Json("Placed")});
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_EQ(store->Append("order-1", ExpectedVersion::Exact(7), {Json("Placed")}).status().code(), StatusCode::kAborted);
}

TEST_F(ErrorTable, FailedPreconditionIsABusinessRuleAndNothingElse) {
  auto store = Open();
  CommandHandler<Order> orders(*store, order_, types_);
  ASSERT_TRUE(orders.Handle(AsCommand(Place("o-1", "c-1", {{"tea", 1, 100}}))).ok());
  ASSERT_TRUE(orders.Handle(Cancel("o-1", "changed my mind")).ok());
  EXPECT_EQ(orders.Handle(Confirm("o-1", "ch-1")).status().code(), StatusCode::kFailedPrecondition)
      << "a cancelled order cannot be confirmed";
  // Its old other sources (a held lock, a read-only store, an unregistered
  // type, an SQL constraint) are the Unavailable, PermissionDenied and
  // Internal rows.
}

TEST_F(ErrorTable, UnavailableIsTransient) {
  auto store = Open();
  auto second = OpenEventStore(dir_.Sub("data"));
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable) << "a data dir locked by a live process";
  EXPECT_NE(second.status().message().find("pid"), std::string::npos) << second.status().message();
  auto lock = LockFile::Acquire(dir_.Sub("model.lock"));
  ASSERT_TRUE(lock.ok());
  EXPECT_EQ(LockFile::Acquire(dir_.Sub("model.lock")).status().code(), StatusCode::kUnavailable);
}

TEST_F(ErrorTable, PermissionDeniedIsNotAllowedOnThisHandle) {
  Open().reset();
  auto reader = OpenEventStoreForReading(dir_.Sub("data"));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->Append("order-1", ExpectedVersion::Any(), {Json("Placed")}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ((*reader)->SaveCheckpoint("publisher", {.position = 1}).code(), StatusCode::kPermissionDenied);
}

TEST_F(ErrorTable, ResourceExhaustedIsOutOfSpace) {
  testing::SmallDisk disk(2);
  if (!disk.mounted()) GTEST_SKIP() << "mounting a small tmpfs needs root";
  auto db = projections::Database::Open(disk.Sub("model.sqlite"));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE((*db)->Exec("CREATE TABLE blobs (b BLOB)").ok());
  Status full = OkStatus();
  for (int i = 0; i < 100 && full.ok(); ++i) full = (*db)->Run("INSERT INTO blobs VALUES (randomblob(100000))");
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted) << full.ToString();
}

TEST_F(ErrorTable, DataLossIsDamagedStoredBytes) {
  {
    auto store = Open();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->Append("order-1", ExpectedVersion::Any(), {Json("E")}).ok());
  }
  {
    testing::RawDb raw(dir_.Sub("data"));
    const std::string position_2("\0\0\0\0\0\0\0\x02", 8);  // the events key: big-endian global position
    ASSERT_TRUE(raw.db().Put(rocksdb::WriteOptions(), raw.cf("events"), position_2, "\xff\xff").ok());
  }
  auto store = Open();
  EXPECT_EQ(store->ReadAll(1, 10).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(store->Verify({}).status().code(), StatusCode::kDataLoss);
}

TEST_F(ErrorTable, InternalIsABug) {
  EXPECT_EQ(types_.Encode(commerce::OrderState()).status().code(), StatusCode::kInternal)
      << "an unregistered event type";
  auto db = projections::Database::Open(dir_.Sub("model.sqlite"));
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE orders (id TEXT PRIMARY KEY)").ok());
  ASSERT_TRUE((*db)->Run("INSERT INTO orders VALUES ('o-1')").ok());
  EXPECT_EQ((*db)->Run("INSERT INTO orders VALUES ('o-1')").code(), StatusCode::kInternal)
      << "a projector's SQL constraint failure";
}

}  // namespace
}  // namespace cairn
