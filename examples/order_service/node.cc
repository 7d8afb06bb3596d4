#include "examples/order_service/node.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "examples/commerce/read_models.h"
#include "examples/order_service/order_api.h"

namespace cairn::order_service {

// Leaves the Kafka address in the data dir once the publisher runs, for the
// `cairn` commands that read the topics. (The binaries print it on stdout;
// a node embedded in another program keeps off that program's stdout.)
class Node::Announcer final : public Component {
 public:
  Announcer(const kafka::Publisher& publisher, std::string data_dir)
      : publisher_(publisher), file_(BootstrapFile(data_dir)) {}
  std::string name() const override { return "announcer"; }
  Status Start(Runtime&) override {
    std::ofstream(file_) << publisher_.bootstrap() << '\n';
    return OkStatus();
  }
  Status Stop() override {
    std::error_code ignored;
    std::filesystem::remove(file_, ignored);
    return OkStatus();
  }

 private:
  const kafka::Publisher& publisher_;
  std::string file_;
};

namespace {

// The last component: says that every part before it started.
class RunningNotice final : public Component {
 public:
  explicit RunningNotice(std::function<void()> notice) : notice_(std::move(notice)) {}
  std::string name() const override { return "running notice"; }
  Status Start(Runtime&) override {
    ReportUp();  // before the notice: whoever it wakes finds the node ready
    notice_();
    return OkStatus();
  }
  Status Stop() override { return OkStatus(); }

 private:
  std::function<void()> notice_;
};

}  // namespace

std::unique_ptr<sagas::Orchestrator> NewOrchestrator(EventStore& store, commerce::Commerce& shop,
                                                     const sagas::OrchestratorOptions& options,
                                                     const sagas::BreakerOptions& breaker, MetricsRegistry* metrics) {
  auto orchestrator = std::make_unique<sagas::Orchestrator>(store, shop.types(), shop.bus(), options, metrics);
  orchestrator->AddBreaker(std::string(commerce::kPaymentBreaker), breaker);
  orchestrator->AddBreaker(std::string(commerce::kMailBreaker), breaker);
  if (!orchestrator->Register(shop.Fulfillment()).ok()) return nullptr;
  return orchestrator;
}

Node::Node(NodeConfig config) : config_(std::move(config)) {}
Node::~Node() = default;

Result<std::unique_ptr<Node>> Node::Open(NodeConfig config, NodeParts parts, std::function<void(Node&)> on_running) {
  std::unique_ptr<Node> node(new Node(std::move(config)));
  CAIRN_RETURN_IF_ERROR(node->Build(parts, std::move(on_running)));
  return node;
}

Status Node::Build(NodeParts parts, std::function<void(Node&)> on_running) {
  auto store = OpenEventStore(config_.service.data_dir, StoreOptionsOf(config_));
  if (!store.ok()) return UnavailableError(store.status().message());
  store_ = std::move(store).value();
  service_ = std::make_unique<Service>(config_.service, &metrics_);
  const bool all = parts == NodeParts::kAll || parts == NodeParts::kOrderService;

  if (parts != NodeParts::kSagas) {
    publisher_ = std::make_unique<kafka::Publisher>(*store_, config_.kafka, &metrics_);
    service_->Add(*publisher_);
    hooks_.push_back(std::make_unique<Announcer>(*publisher_, config_.service.data_dir));
    service_->Add(*hooks_.back());
  }
  commerce::RegisterCommerceEvents(types_);
  if (all) {
    models_ = commerce::CommerceReadModels(types_);
    for (auto& model : models_) {
      runners_.push_back(std::make_unique<projections::ProjectionRunner>(*store_, *model, config_.projections, &metrics_));
      service_->Add(*runners_.back());
    }
  }
  if (parts != NodeParts::kPublisher) {
    commerce::CommerceOptions commerce = config_.commerce;
    commerce.handler.metrics = &metrics_;  // cairn_commands_total and cairn_command_seconds
    shop_ = std::make_unique<commerce::Commerce>(*store_, commerce);
    CAIRN_RETURN_IF_ERROR(shop_->Start());
    sagas::OrchestratorOptions saga_options = config_.sagas;
    if (parts == NodeParts::kOrderService) {
      http_ = std::make_unique<HttpServer>(config_.http, &metrics_);
      saga_waiter_ = std::make_unique<SagaWaiter>(service_->runtime());
      saga_options.on_transition = [waiter = saga_waiter_.get()](const sagas::SagaInstance& saga) {
        waiter->Transitioned(saga.id, saga.last_position);
      };
      // The sagas' cap on appends holds while requests come: some in flight,
      // or one in the last 50 ms (a burst between two requests is no lull).
      saga_options.busy = [http = http_.get()] {
        return http->requests_in_flight() > 0 ||
               std::chrono::steady_clock::now() - http->last_request() < std::chrono::milliseconds(50);
      };
    } else {
      saga_options.max_appends_in_flight = 0;  // no requests here to keep first
    }
    orchestrator_ = NewOrchestrator(*store_, *shop_, saga_options, config_.breaker, &metrics_);
    if (!orchestrator_) return InternalError("the fulfillment saga's definition was refused");
    service_->Add(*orchestrator_);
  }
  if (parts == NodeParts::kOrderService) {
    ApiParts api_parts{*store_, *shop_, *orchestrator_, *service_, metrics_, publisher_.get(), {}, {},
                       config_.projections.directory, saga_waiter_.get()};
    for (auto& runner : runners_) api_parts.runners.push_back(runner.get());
    for (auto& model : models_) api_parts.projectors.push_back(model.get());
    api_ = std::make_unique<OrderApi>(std::move(api_parts), config_.api);
    api_->AddRoutes(*http_);
    service_->Add(*http_);
    service_->Add(*saga_waiter_);  // stops before the server drains: long polls end at once
  }
  if (on_running) {
    hooks_.push_back(std::make_unique<RunningNotice>([this, on_running] { on_running(*this); }));
    service_->Add(*hooks_.back());
  }
  return OkStatus();
}

int Node::Run() { return service_->Run(); }

void PrintKafkaBootstrap(const Node& node) {
  if (!node.publisher()) return;
  std::printf("kafka bootstrap: %s\n", node.publisher()->bootstrap().c_str());
  std::fflush(stdout);
}
void Node::Stop() { service_->Stop(); }

}  // namespace cairn::order_service
