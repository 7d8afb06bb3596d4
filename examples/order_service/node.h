// Node: one Cairn process as `cairn run` and the order service run it. It
// holds the store and runs on one Service: the Kafka publisher (the store is
// its outbox), a runner per commerce read model, the fulfillment saga's
// orchestrator and, for the order service, the HTTP API; they start in that
// order and stop in reverse, so the API stops taking requests first and the
// publisher flushes last.
//
// Thread safety: Stop() from any thread; the rest from the owner's.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_NODE_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_NODE_H_

#include <functional>
#include <memory>
#include <vector>

#include "engine/kafka/publisher.h"
#include "engine/metrics.h"
#include "engine/service.h"
#include "examples/commerce/commerce.h"
#include "examples/order_service/http_server.h"
#include "examples/order_service/node_config.h"
#include "examples/order_service/saga_waiter.h"
#include "projections/runner.h"
#include "sagas/orchestrator.h"

namespace cairn::order_service {

// What a node process runs.
enum class NodeParts {
  kAll,           // cairn run: publisher, read models, sagas
  kPublisher,     // cairn kafka serve
  kSagas,         // cairn sagas run
  kOrderService,  // cairn-order-service: all of kAll and the HTTP API
};

class OrderApi;

class Node {
 public:
  // Opens the store (Unavailable when another process holds it) and builds
  // the parts. `on_running` (optional) is called once every part started.
  static Result<std::unique_ptr<Node>> Open(NodeConfig config, NodeParts parts,
                                            std::function<void(Node&)> on_running = nullptr);
  ~Node();

  // Runs until SIGINT, SIGTERM, Stop() or a part's failure; the exit code (Service::Run).
  int Run();
  void Stop();

  const NodeConfig& config() const { return config_; }
  EventStore& store() { return *store_; }
  // Null for the parts a node does not run.
  sagas::Orchestrator* orchestrator() { return orchestrator_.get(); }
  HttpServer* http() { return http_.get(); }
  const kafka::Publisher* publisher() const { return publisher_.get(); }

 private:
  class Announcer;
  explicit Node(NodeConfig config);
  Status Build(NodeParts parts, std::function<void(Node&)> on_running);

  NodeConfig config_;
  std::unique_ptr<EventStore> store_;
  MetricsRegistry metrics_;
  std::unique_ptr<Service> service_;
  EventTypeRegistry types_;
  std::unique_ptr<kafka::Publisher> publisher_;
  std::vector<std::unique_ptr<projections::Projector>> models_;
  std::vector<std::unique_ptr<projections::ProjectionRunner>> runners_;
  std::unique_ptr<commerce::Commerce> shop_;
  std::unique_ptr<sagas::Orchestrator> orchestrator_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<SagaWaiter> saga_waiter_;
  std::unique_ptr<OrderApi> api_;
  std::vector<std::unique_ptr<Component>> hooks_;  // the announcer and the running notice
};

// The orchestrator of the fulfillment saga over `shop`, with its breakers;
// null when the definition is refused (a bug its tests catch first).
std::unique_ptr<sagas::Orchestrator> NewOrchestrator(EventStore& store, commerce::Commerce& shop,
                                                     const sagas::OrchestratorOptions& options,
                                                     const sagas::BreakerOptions& breaker, MetricsRegistry* metrics);

// Prints "kafka bootstrap: <address>" on stdout, for the processes that
// start a node binary and read where its Kafka is; nothing for a node
// without a publisher.
void PrintKafkaBootstrap(const Node& node);

}  // namespace cairn::order_service

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_NODE_H_
