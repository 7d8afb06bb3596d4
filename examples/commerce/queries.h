// Queries on the commerce read models, as the order service and the cairn
// tool answer them: each reads its rows and the model's checkpoint in one
// SQLite read transaction, so the answer says which global position it
// reflects. They open the model's file read-only beside the runner that
// writes it (WAL mode), and follow a rebuild's swap at the next query.
//
// Thread safety: any thread; each query blocks on SQLite, so an
// asynchronous caller runs it on its blocking pool.
#ifndef CAIRN_EXAMPLES_COMMERCE_QUERIES_H_
#define CAIRN_EXAMPLES_COMMERCE_QUERIES_H_

#include <cstdint>
#include <string>

#include "store/status.h"

namespace cairn::commerce {

struct QueryAnswer {
  std::string json;
  uint64_t position = 0;  // the read model's checkpoint: every event up to it is applied
};

// The order's order_summary row as a JSON object. NotFound when the model
// has no such order (yet); Unavailable when the model cannot be read.
Result<QueryAnswer> QueryOrder(const std::string& directory, const std::string& order_id);

// {"customer_id", "orders": [order_summary rows, newest first, at most
// `limit`]}. An unknown customer has no orders: not an error.
Result<QueryAnswer> QueryCustomerOrders(const std::string& directory, const std::string& customer_id, int limit);

// The customer_orders row with "confirmed_totals" by currency. NotFound for
// an unknown customer.
Result<QueryAnswer> QueryCustomerSummary(const std::string& directory, const std::string& customer_id);

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_QUERIES_H_
