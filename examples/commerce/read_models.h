// The commerce read models, each a projector into its own SQLite file:
//   order_summary        one row per order (a view over orders and order_notifications):
//                        status, customer, total, charge, notification state, times
//   customer_orders      per customer: order count and last order; confirmed totals per currency
//   charge_ledger        every charge, decline and refund with its amount; sum by customer for a balance
//   notification_status  per notification: attempts, last error, final state
//   audit_log            every commerce event with its ids and a JSON rendering
#ifndef CAIRN_EXAMPLES_COMMERCE_READ_MODELS_H_
#define CAIRN_EXAMPLES_COMMERCE_READ_MODELS_H_

#include <memory>
#include <vector>

#include "engine/event_types.h"
#include "projections/projector.h"

namespace cairn::commerce {

// The five projectors; `types` (with the commerce events registered) must
// outlive them.
std::vector<std::unique_ptr<projections::Projector>> CommerceReadModels(const EventTypeRegistry& types);

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_READ_MODELS_H_
