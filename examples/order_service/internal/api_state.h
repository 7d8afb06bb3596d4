// What the order API's routes share (order_routes.cc, operator_routes.cc).
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_INTERNAL_API_STATE_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_INTERNAL_API_STATE_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "examples/order_service/idempotency.h"
#include "examples/order_service/order_api.h"
#include "examples/order_service/position_waiter.h"
#include "examples/order_service/request_guards.h"

namespace cairn::order_service {

struct OrderApi::State {
  State(ApiParts p, ApiOptions o);

  Runtime& runtime() { return parts.service.runtime(); }
  projections::ProjectionRunner* Runner(const std::string& name) const;
  // Runs `work()` on the blocking pool, then `done(result)` on the io_context.
  template <typename Work, typename Done>
  void Blocking(Work work, Done done) {
    RunBlocking(runtime(), runtime().io().get_executor(), std::move(work), std::move(done));
  }

  ApiParts parts;
  ApiOptions options;
  IdempotencyKeys keys;
  AdminToken admin;
  // Read-your-writes waits, by read model.
  std::map<std::string, std::unique_ptr<PositionWaiter>> applied;
  std::atomic<bool> rebuilding{false};
};

using ApiState = std::shared_ptr<OrderApi::State>;

void AddOrderRoutes(HttpServer& server, const ApiState& api);
void AddOperatorRoutes(HttpServer& server, const ApiState& api);

}  // namespace cairn::order_service

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_INTERNAL_API_STATE_H_
