// The SQLite wrapper: values bound in place, and the statement cache.
#include "projections/database.h"

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"

namespace cairn::projections {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.Sub("test.sqlite"));
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->Exec("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER)").ok());
  }
  std::string Rows() {
    auto select = db_->Prepare("SELECT k, n FROM t ORDER BY k");
    std::string rows;
    for (;;) {
      Result<bool> row = select.ok() ? select->Step() : Result<bool>(select.status());
      if (!row.ok() || !*row) break;
      rows += select->Text(0) + "=" + std::to_string(select->Int(1)) + ";";
    }
    return rows;
  }
  cairn::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(DatabaseTest, RunBindsEveryValueAndLeavesNoneBehind) {
  std::string key = "a";
  ASSERT_TRUE(db_->Run("INSERT INTO t (k, n) VALUES (?1, ?2)", key, int64_t{1}).ok());
  key = "b";  // the text was read in place during Run, not later
  ASSERT_TRUE(db_->Run("INSERT INTO t (k, n) VALUES (?1, ?2)", std::string("c"), 3).ok());
  EXPECT_EQ(Rows(), "a=1;c=3;");
  // A constraint failure is a projector's bug, and the statement is reusable.
  EXPECT_EQ(db_->Run("INSERT INTO t (k, n) VALUES (?1, ?2)", "a", 9).code(), StatusCode::kInternal);
  EXPECT_TRUE(db_->Run("INSERT INTO t (k, n) VALUES (?1, ?2)", "d", 4).ok());
  EXPECT_EQ(Rows(), "a=1;c=3;d=4;");
  ASSERT_TRUE(db_->Run("INSERT INTO t (k, n) VALUES (?1, ?2)", std::string_view(), 5).ok());
  auto empty = db_->Prepare("SELECT count(*) FROM t WHERE k = ''");
  ASSERT_TRUE(empty.ok() && *empty->Step());
  EXPECT_EQ(empty->Int(0), 1) << "an empty view is bound as empty text, not NULL";
}

TEST_F(DatabaseTest, CachedFindsStatementsByTextWhereverTheTextLives) {
  const std::string insert = "INSERT INTO t (k, n) VALUES (?1, 1)";
  auto first = db_->Cached(insert);
  ASSERT_TRUE(first.ok());
  const std::string copy = insert;  // the same SQL at another address
  auto again = db_->Cached(copy);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  // Other SQL in the same buffer is another statement, never the old one.
  std::string buffer = "INSERT INTO t (k, n) VALUES (?1, 2)";
  auto two = db_->Cached(buffer);
  ASSERT_TRUE(two.ok());
  ASSERT_TRUE((*two)->Run("x").ok());
  buffer.replace(buffer.size() - 2, 1, "3");  // same address, same length, other text
  auto three = db_->Cached(buffer);
  ASSERT_TRUE(three.ok());
  EXPECT_NE(*three, *two);
  ASSERT_TRUE((*three)->Run("y").ok());
  EXPECT_EQ(Rows(), "x=2;y=3;");
  EXPECT_EQ(db_->Cached("NOT SQL").status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace cairn::projections
