#include "examples/commerce/queries.h"

#include <nlohmann/json.hpp>

#include "projections/database.h"
#include "projections/runner.h"

namespace cairn::commerce {
namespace {

using projections::Database;
using projections::Statement;
using Json = nlohmann::ordered_json;

// A read transaction on a read model: every query in it sees one state.
class Snapshot {
 public:
  static Result<Snapshot> Open(const std::string& directory, const std::string& model) {
    const std::string path = projections::ReadModelPath(directory, model);
    auto db = Database::OpenReadOnly(path);
    if (!db.ok()) return UnavailableError("the " + model + " read model cannot be read: " + db.status().message());
    Snapshot snapshot(std::move(db).value(), model);
    CAIRN_RETURN_IF_ERROR(snapshot.Readable(snapshot.db_->Exec("BEGIN")));
    return snapshot;
  }
  Snapshot(Snapshot&&) = default;
  ~Snapshot() {
    if (db_) (void)db_->Exec("COMMIT");
  }

  // Rows as JSON objects, column names as keys; `key` bound to ?1, `limit` to ?2.
  Result<Json> Rows(const std::string& sql, const std::string& key, int64_t limit = -1) {
    auto query = db_->Prepare(sql);
    CAIRN_RETURN_IF_ERROR(Readable(query.status()));
    query->Bind(1, key);
    if (limit >= 0) query->Bind(2, limit);
    Json rows = Json::array();
    for (;;) {
      Result<bool> row = query->Step();
      CAIRN_RETURN_IF_ERROR(Readable(row.status()));
      if (!*row) break;
      Json object;
      for (int column = 0; column < query->columns(); ++column) {
        const std::string name = query->ColumnName(column);
        if (query->IsNull(column)) object[name] = nullptr;
        else if (query->IsInteger(column)) object[name] = query->Int(column);
        else object[name] = query->Text(column);
      }
      rows.push_back(std::move(object));
    }
    return rows;
  }

  Result<uint64_t> Checkpoint() {
    CAIRN_ASSIGN_OR_RETURN(Json rows, Rows("SELECT position FROM cairn_checkpoint WHERE projector = ?1", model_));
    return rows.empty() ? uint64_t{0} : rows[0]["position"].get<uint64_t>();
  }

 private:
  Snapshot(std::unique_ptr<Database> db, std::string model) : db_(std::move(db)), model_(std::move(model)) {}
  Status Readable(const Status& status) const {
    if (status.ok()) return status;
    return UnavailableError("the " + model_ + " read model cannot be read: " + status.message());
  }

  std::unique_ptr<Database> db_;
  std::string model_;
};

}  // namespace

Result<QueryAnswer> QueryOrder(const std::string& directory, const std::string& order_id) {
  CAIRN_ASSIGN_OR_RETURN(Snapshot snapshot, Snapshot::Open(directory, "order_summary"));
  CAIRN_ASSIGN_OR_RETURN(Json rows, snapshot.Rows("SELECT * FROM order_summary WHERE order_id = ?1", order_id));
  CAIRN_ASSIGN_OR_RETURN(uint64_t position, snapshot.Checkpoint());
  if (rows.empty()) return NotFoundError("order " + order_id + " not found in order_summary");
  return QueryAnswer{rows[0].dump(), position};
}

Result<QueryAnswer> QueryCustomerOrders(const std::string& directory, const std::string& customer_id, int limit) {
  CAIRN_ASSIGN_OR_RETURN(Snapshot snapshot, Snapshot::Open(directory, "order_summary"));
  CAIRN_ASSIGN_OR_RETURN(Json rows, snapshot.Rows("SELECT * FROM order_summary WHERE customer_id = ?1"
                                                  " ORDER BY placed_at DESC, order_id LIMIT ?2",
                                                  customer_id, limit));
  CAIRN_ASSIGN_OR_RETURN(uint64_t position, snapshot.Checkpoint());
  Json out;
  out["customer_id"] = customer_id;
  out["orders"] = std::move(rows);
  return QueryAnswer{out.dump(), position};
}

Result<QueryAnswer> QueryCustomerSummary(const std::string& directory, const std::string& customer_id) {
  CAIRN_ASSIGN_OR_RETURN(Snapshot snapshot, Snapshot::Open(directory, "customer_orders"));
  CAIRN_ASSIGN_OR_RETURN(Json summary, snapshot.Rows("SELECT * FROM customer_orders WHERE customer_id = ?1", customer_id));
  CAIRN_ASSIGN_OR_RETURN(Json totals, snapshot.Rows("SELECT currency, total FROM customer_confirmed_totals"
                                                    " WHERE customer_id = ?1", customer_id));
  CAIRN_ASSIGN_OR_RETURN(uint64_t position, snapshot.Checkpoint());
  if (summary.empty()) return NotFoundError("customer " + customer_id + " not found in customer_orders");
  Json out = summary[0];
  out["confirmed_totals"] = Json::object();
  for (const auto& row : totals) out["confirmed_totals"][row["currency"].get<std::string>()] = row["total"];
  return QueryAnswer{out.dump(), position};
}

}  // namespace cairn::commerce
