// OrderApi: the order service's routes on an HttpServer.
//
//   POST /orders                   place an order: 202 {order_id, saga_id, position}
//   GET  /orders/{id}              the order_summary row; ?min_position=P waits for P
//   GET  /orders/{id}/events       the order's stream
//   POST /orders/{id}/cancel       cancel it: 202 {order_id, position}
//   GET  /customers/{id}/orders    the customer's orders, newest first
//   GET  /sagas/{id}               the saga's timeline; ?after_position=P waits for a transition past P
//   POST /sagas/{id}/retry|resolve|cancel|terminate   operator actions (bearer token)
//   POST /projections/{name}/rebuild                  operator action (bearer token)
//   POST /simulators/payment/outage                   fault drill (bearer token)
//   GET  /healthz, /readyz, /metrics
//
// Commands go through HandleAsync: a request that waits for its append's
// sync holds no thread. Reads of the read models run on the blocking pool.
// An Idempotency-Key derives the command id (and the order id when the body
// has none), so a retry appends nothing, even after a restart; a W3C
// traceparent goes into the events' metadata, from where the publisher
// puts it in the Kafka headers and the saga into its commands.
//
// Thread safety: AddRoutes before the server starts; handlers on any thread.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_ORDER_API_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_ORDER_API_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/kafka/publisher.h"
#include "engine/service.h"
#include "examples/commerce/commerce.h"
#include "examples/order_service/http_server.h"
#include "examples/order_service/node_config.h"
#include "examples/order_service/saga_waiter.h"
#include "projections/projector.h"
#include "projections/runner.h"
#include "sagas/orchestrator.h"

namespace cairn::order_service {

// What the API serves from; everything must outlive it.
struct ApiParts {
  EventStore& store;
  commerce::Commerce& shop;
  sagas::Orchestrator& orchestrator;
  Service& service;
  MetricsRegistry& metrics;
  kafka::Publisher* publisher = nullptr;  // none: readiness leaves it out
  std::vector<projections::ProjectionRunner*> runners;
  std::vector<projections::Projector*> projectors;  // what a rebuild rebuilds
  std::string projections_directory;
  SagaWaiter* saga_waiter = nullptr;  // none: GET /sagas/{id} answers at once
};

// The HTTP status that carries a Status code (DESIGN's error table), and
// the JSON error answer for it: 503 comes with Retry-After.
unsigned HttpStatusOf(StatusCode code);
HttpResponse ErrorResponse(const Status& status);

class OrderApi {
 public:
  OrderApi(ApiParts parts, ApiOptions options);
  ~OrderApi();

  void AddRoutes(HttpServer& server);

  struct State;

 private:
  std::shared_ptr<State> state_;  // shared with handlers in flight
};

}  // namespace cairn::order_service

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_ORDER_API_H_
