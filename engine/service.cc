// <utility> first: Boost 1.74's Asio misses it under C++20.
#include <utility>

#include "engine/service.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <vector>

namespace cairn {

namespace asio = boost::asio;

namespace {

// Every thread of the process (RocksDB's and librdkafka's included); 0 when unknown.
int ProcessThreads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return 0;
}

}  // namespace

void BindServiceOptions(ConfigLoader& loader, ServiceOptions& options) {
  loader.Bind("data_dir", &options.data_dir, "data dir of the event store");
  loader.Bind("durability", &options.durability, "sync (acknowledged after the log is synced) or buffered");
  loader.Bind("threads", &options.threads, 1, 64, "threads running commands and components");
  loader.Bind("blocking_threads", &options.blocking_threads, 1, 64,
              "threads for calls that block: SQLite commits, page reads, Kafka flushes");
  loader.Bind("background_threads", &options.background_threads, 1, 64,
              "threads, at a lower priority, for work that may lag behind requests: the sagas");
  loader.Bind("drain_timeout_ms", &options.drain_timeout, "longest wait for in-flight work at stop");
  loader.BindChoice("log_level", &options.log.level, {"trace", "debug", "info", "warn", "error", "critical", "off"},
                    "log level");
  loader.BindChoice("log_format", &options.log.format, {"text", "json"}, "text or json (one JSON object per line)");
  loader.Bind("command_retries", &options.handler.max_retries, 0, 100, "reloads after a concurrent writer won");
  loader.Bind("snapshot_every", &options.handler.snapshot_every, "snapshot every N events per aggregate; 0: never");
}

struct Service::Impl final : ComponentObserver {
  Impl(ServiceOptions o, MetricsRegistry* m)
      : options(std::move(o)),
        metrics(m),
        runtime(options.threads, options.blocking_threads, options.background_threads),
        signals(runtime.io(), SIGINT, SIGTERM) {}

  ServiceOptions options;
  MetricsRegistry* metrics;
  Runtime runtime;
  asio::signal_set signals;
  std::vector<Component*> components;

  mutable std::mutex mu;
  std::condition_variable changed;
  bool accepting = true;
  bool stop_requested = false;
  size_t in_flight = 0;
  std::string failure;  // the first component failure: why the node stops
  std::map<const Component*, Gauge*> up;
  std::map<const Component*, ComponentHealth> health;  // guarded by mu

  void SetUp(const Component& component, bool is_up, const std::string& reason = "") {
    auto gauge = up.find(&component);
    if (gauge != up.end() && gauge->second) gauge->second->Set(is_up ? 1 : 0);
    std::lock_guard lock(mu);
    ComponentHealth& entry = health[&component];
    entry.up = is_up;
    entry.reason = is_up ? "" : reason;
  }
  void ComponentUp(const Component& component) override { SetUp(component, true); }
  void ComponentDown(const Component& component, const std::string& reason) override {
    SetUp(component, false, reason);
  }
  void ComponentFailed(const Component& component, const std::string& reason) override {
    SetUp(component, false, reason);
    {
      std::lock_guard lock(mu);
      if (!failure.empty()) return;
      failure = component.name() + ": " + reason;
    }
    spdlog::error("stopping the node: {}", failure);
    RequestStop();
  }

  void RequestStop() {
    std::lock_guard lock(mu);
    stop_requested = true;
    changed.notify_all();
  }
};

Service::Service(ServiceOptions options, MetricsRegistry* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), metrics)) {}
Service::~Service() = default;

void Service::Add(Component& component) {
  impl_->components.push_back(&component);
  component.set_observer(impl_.get());
  Gauge* gauge = nullptr;
  if (impl_->metrics) {
    auto added = impl_->metrics->AddGauge("cairn_component_up", "1 while a component runs, 0 when it is down or failed.",
                                          {{"component", component.name()}});
    if (added.ok()) gauge = *added;
  }
  impl_->up[&component] = gauge;
  std::lock_guard lock(impl_->mu);
  impl_->health[&component] = {component.name(), false, "not started"};
}

std::vector<ComponentHealth> Service::Health() const {
  std::lock_guard lock(impl_->mu);
  std::vector<ComponentHealth> out;
  for (const Component* component : impl_->components) out.push_back(impl_->health.at(component));
  return out;
}

bool Service::Submit(std::function<void()> work) {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->accepting) return false;
    ++impl_->in_flight;
  }
  asio::post(impl_->runtime.io(), [impl = impl_.get(), work = std::move(work)] {
    work();
    std::lock_guard lock(impl->mu);
    --impl->in_flight;
    impl->changed.notify_all();
  });
  return true;
}

void Service::Stop() { impl_->RequestStop(); }

bool Service::accepting() const {
  std::lock_guard lock(impl_->mu);
  return impl_->accepting;
}

size_t Service::in_flight() const {
  std::lock_guard lock(impl_->mu);
  return impl_->in_flight;
}

const ServiceOptions& Service::options() const { return impl_->options; }
Runtime& Service::runtime() { return impl_->runtime; }

int Service::Run() {
  Impl& impl = *impl_;
  int exit_code = 0;
  size_t started = 0;
  for (; started < impl.components.size(); ++started) {
    Status status = impl.components[started]->Start(impl.runtime);
    if (!status.ok()) {
      spdlog::error("{} did not start: {}", impl.components[started]->name(), status.ToString());
      impl.RequestStop();
      exit_code = 1;
      break;
    }
    impl.SetUp(*impl.components[started], true);
  }
  impl.signals.async_wait([&impl](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("received signal {}, stopping", signal);
    impl.RequestStop();
  });
  if (exit_code == 0) {
    spdlog::info("service running: {} threads in the process, {} of them the runtime's ({} for the io_context, {} for "
                 "blocking calls, {} in the background)",
                 ProcessThreads(), impl.runtime.threads(), impl.options.threads, impl.options.blocking_threads,
                 impl.options.background_threads);
  }

  std::unique_lock lock(impl.mu);
  impl.changed.wait(lock, [&] { return impl.stop_requested; });
  impl.accepting = false;
  if (!impl.failure.empty()) exit_code = 1;
  if (!impl.changed.wait_for(lock, impl.options.drain_timeout, [&] { return impl.in_flight == 0; })) {
    spdlog::error("{} commands still in flight after {} ms", impl.in_flight, impl.options.drain_timeout.count());
    exit_code = 1;
  }
  lock.unlock();

  for (size_t i = started; i-- > 0;) {
    Status status = impl.components[i]->Stop();
    if (!status.ok()) {
      spdlog::error("{} did not stop cleanly: {}", impl.components[i]->name(), status.ToString());
      exit_code = 1;
    }
  }
  boost::system::error_code ignored;
  impl.signals.cancel(ignored);
  impl.runtime.Stop();
  for (Component* component : impl.components) impl.SetUp(*component, false, "stopped");
  spdlog::info("service stopped");
  return exit_code;
}

}  // namespace cairn
