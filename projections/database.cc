#include "projections/database.h"

#include <sqlite3.h>

namespace cairn::projections {
namespace {

Status SqliteError(sqlite3* db, std::string_view what) {
  const int code = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
  if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB) return DataLossError(message);
  if ((code & 0xff) == SQLITE_FULL) return ResourceExhaustedError(message);
  if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED || (code & 0xff) == SQLITE_IOERR ||
      (code & 0xff) == SQLITE_CANTOPEN) {
    return UnavailableError(message);
  }
    return InternalError(message);
}

const char* Pragma(Durability durability) {
  switch (durability) {
    case Durability::kNormal: return "PRAGMA synchronous=NORMAL";
    case Durability::kFull: return "PRAGMA synchronous=FULL";
    case Durability::kOff: return "PRAGMA synchronous=OFF";
  }
  return "PRAGMA synchronous=FULL";
}

// Turns off SQLite's memory accounting, which takes a process-wide mutex for
// every allocation. It can only change before SQLite initializes.
void ConfigureSqlite() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

}  // namespace

struct Statement::Impl {
  sqlite3_stmt* statement = nullptr;
  sqlite3* db = nullptr;
  ~Impl() { sqlite3_finalize(statement); }
};

Statement::Statement(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Statement::Statement(Statement&&) noexcept = default;
Statement& Statement::operator=(Statement&&) noexcept = default;
Statement::~Statement() = default;

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(impl_->statement, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(impl_->statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

void Statement::BindInPlace(int index, std::string_view text) {
  // Run resets and clears the bindings before the text can go away. An
  // empty view may have no data: it is still text, not NULL.
  sqlite3_bind_text(impl_->statement, index, text.data() ? text.data() : "", static_cast<int>(text.size()),
                    SQLITE_STATIC);
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(impl_->statement, index);
  return *this;
}

Result<bool> Statement::Step() {
  const int code = sqlite3_step(impl_->statement);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  return SqliteError(impl_->db, "statement failed");
}

Status Statement::Run() {
  Result<bool> stepped = Step();
  Reset();
  return stepped.status();
}

void Statement::Reset() {
  sqlite3_reset(impl_->statement);
  sqlite3_clear_bindings(impl_->statement);
}

int Statement::columns() const { return sqlite3_column_count(impl_->statement); }

std::string Statement::ColumnName(int column) const {
  const char* name = sqlite3_column_name(impl_->statement, column);
  return name ? name : "";
}

bool Statement::IsInteger(int column) const { return sqlite3_column_type(impl_->statement, column) == SQLITE_INTEGER; }

int64_t Statement::Int(int column) const { return sqlite3_column_int64(impl_->statement, column); }

std::string Statement::Text(int column) const {
  const auto* text = sqlite3_column_text(impl_->statement, column);
  return text ? std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(impl_->statement, column)) : "";
}

bool Statement::IsNull(int column) const { return sqlite3_column_type(impl_->statement, column) == SQLITE_NULL; }

struct Database::Impl {
  sqlite3* db = nullptr;
  ~Impl() { sqlite3_close_v2(db); }
};

Database::Database(std::unique_ptr<Impl> impl, std::string path) : impl_(std::move(impl)), path_(std::move(path)) {}
Database::~Database() { cache_.clear(); }  // statements go before the connection

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, Durability durability) {
  ConfigureSqlite();
  auto impl = std::make_unique<Impl>();
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return SqliteError(impl->db, "cannot open " + path);
  }
  std::unique_ptr<Database> db(new Database(std::move(impl), path));
  sqlite3_busy_timeout(db->impl_->db, 5000);
  CAIRN_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  CAIRN_RETURN_IF_ERROR(db->SetDurability(durability));
  return db;
}

Result<std::unique_ptr<Database>> Database::OpenReadOnly(const std::string& path) {
  ConfigureSqlite();
  auto impl = std::make_unique<Impl>();
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    return SqliteError(impl->db, "cannot open " + path);
  }
  std::unique_ptr<Database> db(new Database(std::move(impl), path));
  sqlite3_busy_timeout(db->impl_->db, 5000);
  return db;
}

Status Database::Exec(std::string_view sql) {
  const std::string text(sql);
  if (sqlite3_exec(impl_->db, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteError(impl_->db, "SQL failed (" + text.substr(0, 60) + ")");
  }
  return OkStatus();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  auto impl = std::make_unique<Statement::Impl>();
  impl->db = impl_->db;
  if (sqlite3_prepare_v2(impl_->db, sql.data(), static_cast<int>(sql.size()), &impl->statement, nullptr) != SQLITE_OK) {
    return SqliteError(impl_->db, "cannot prepare (" + std::string(sql.substr(0, 60)) + ")");
  }
  return Statement(std::move(impl));
}

Result<Statement*> Database::Cached(std::string_view sql) {
  if (auto seen = by_address_.find(sql.data()); seen != by_address_.end() && seen->second.first == sql) {
    seen->second.second->Reset();
    return seen->second.second;
  }
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second.Reset();
  } else {
    CAIRN_ASSIGN_OR_RETURN(Statement statement, Prepare(sql));
    it = cache_.emplace(std::string(sql), std::move(statement)).first;
  }
  by_address_[sql.data()] = {it->first, &it->second};  // cache_ never moves its entries
  return &it->second;
}

Status Database::SetDurability(Durability durability) { return Exec(Pragma(durability)); }

}  // namespace cairn::projections
