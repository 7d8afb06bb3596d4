// Database and Statement: the small part of SQLite that projectors use,
// without SQLite's types in the header. A read model is a plain SQLite file
// in WAL mode, so any SQLite client can read it while a projector writes.
//
// Thread safety: one thread per Database (SQLite connections are not shared).
#ifndef CAIRN_PROJECTIONS_DATABASE_H_
#define CAIRN_PROJECTIONS_DATABASE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/status.h"
#include "store/string_hash.h"

namespace cairn::projections {

class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  ~Statement();

  // Parameters are 1-based, as in SQL (?1, ?2, ...).
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindNull(int index);

  // Runs the statement to the next row: true with a row, false when done.
  Result<bool> Step();
  // Runs a statement that returns no rows, then resets it for the next use.
  Status Run();
  // Binds `values` to ?1, ?2, ... and runs as above. The values are not
  // copied: SQLite reads them in place, as they outlive the call.
  template <typename... Values>
  Status Run(const Values&... values) {
    int index = 0;
    (BindInPlace(++index, values), ...);
    return Run();
  }
  void Reset();

  int columns() const;
  std::string ColumnName(int column) const;
  bool IsInteger(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

 private:
  friend class Database;
  struct Impl;
  explicit Statement(std::unique_ptr<Impl> impl);
  void BindInPlace(int index, int64_t value) { Bind(index, value); }
  void BindInPlace(int index, std::string_view text);
  std::unique_ptr<Impl> impl_;
};

enum class Durability {
  kNormal,  // synchronous=NORMAL: a commit survives a process crash
  kFull,    // synchronous=FULL
  kOff,     // no syncing: for building a fresh file that is synced once at the end
};

class Database {
 public:
  // Opens (creating) a database file in WAL mode. Unavailable when it cannot.
  static Result<std::unique_ptr<Database>> Open(const std::string& path, Durability durability = Durability::kNormal);
  // Opens an existing file for reading only.
  static Result<std::unique_ptr<Database>> OpenReadOnly(const std::string& path);
  ~Database();

  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // A statement prepared once per database and reused, reset and unbound,
  // for SQL that runs for every event. Valid while the database is open.
  Result<Statement*> Cached(std::string_view sql);
  // Runs cached `sql` with `values` bound to ?1, ?2, ...: a statement that returns no rows.
  template <typename... Values>
  Status Run(std::string_view sql, const Values&... values) {
    CAIRN_ASSIGN_OR_RETURN(Statement * statement, Cached(sql));
    return statement->Run(values...);
  }
  Status SetDurability(Durability durability);
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  Database(std::unique_ptr<Impl> impl, std::string path);
  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::unordered_map<std::string, Statement, StringHash, std::equal_to<>> cache_;
  // Looked up for every statement a projector runs. Its SQL is mostly a
  // string literal, found again at the same address: comparing the text is
  // far cheaper than hashing it. Values: the text as cached, and its statement.
  std::unordered_map<const char*, std::pair<std::string_view, Statement*>> by_address_;
};

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_DATABASE_H_
