// Service: a Cairn node. Its Runtime (one Boost.Asio io_context with a
// small thread pool, and a pool for blocking calls) runs submitted work and
// every component (publishers, projectors, intake), which start with the
// service and stop with it. SIGINT or SIGTERM stop intake, drain in-flight
// work, stop the components in reverse order (each flushes its
// checkpoints), and Run returns 0.
//
// Thread safety: Submit and Stop may be called from any thread.
#ifndef CAIRN_ENGINE_SERVICE_H_
#define CAIRN_ENGINE_SERVICE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/command.h"
#include "engine/config.h"
#include "engine/logging.h"
#include "engine/metrics.h"
#include "engine/runtime.h"
#include "store/event_store.h"

namespace cairn {

struct ServiceOptions {
  std::string data_dir = "./cairn-data";
  Durability durability = Durability::kSync;
  int threads = 2;                               // the io_context's pool
  int blocking_threads = 2;                      // the pool for SQLite commits and large reads
  int background_threads = 1;                    // the lower-priority io_context (sagas)
  std::chrono::milliseconds drain_timeout{10000};  // longest wait for in-flight work at stop
  LogSettings log;
  HandlerOptions handler;
};

// Binds data_dir, durability, threads, blocking_threads, background_threads, drain_timeout_ms, log_level,
// log_format, command_retries and snapshot_every.
void BindServiceOptions(ConfigLoader& loader, ServiceOptions& options);

class Component;

// Hears what components say of themselves while they run (the Service does).
class ComponentObserver {
 public:
  virtual ~ComponentObserver() = default;
  virtual void ComponentUp(const Component& component) = 0;
  virtual void ComponentDown(const Component& component, const std::string& reason) = 0;
  virtual void ComponentFailed(const Component& component, const std::string& reason) = 0;
};

class Component {
 public:
  virtual ~Component() = default;
  virtual std::string name() const = 0;
  // Called in the order the components were added; an error stops the start.
  // A component waits on `runtime` (timers, notifications) and puts blocking
  // calls on its blocking pool; the runtime outlives the component's Stop().
  virtual Status Start(Runtime& runtime) = 0;
  // Called in reverse order once in-flight work has drained: flush
  // checkpoints, release resources.
  virtual Status Stop() = 0;

  // Set by the Service it is added to; null: nobody listens.
  void set_observer(ComponentObserver* observer) { observer_ = observer; }

 protected:
  // A component says once per change of state that it is up (again), down
  // for `reason` while it retries with back-off, or failed: it cannot go on,
  // and the node stops with a non-zero exit so that its supervisor restarts it.
  void ReportUp() const {
    if (observer_) observer_->ComponentUp(*this);
  }
  void ReportDown(const std::string& reason) const {
    if (observer_) observer_->ComponentDown(*this, reason);
  }
  void ReportFailed(const std::string& reason) const {
    if (observer_) observer_->ComponentFailed(*this, reason);
  }

 private:
  ComponentObserver* observer_ = nullptr;
};

// What a component last said of itself (readiness probes).
struct ComponentHealth {
  std::string name;
  bool up = false;
  std::string reason;  // why it is down or failed
};

// cairn_component_up{component} (1 up, 0 down or failed) goes to `metrics`.
class Service {
 public:
  explicit Service(ServiceOptions options, MetricsRegistry* metrics = nullptr);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // The component must outlive the service. Add before Run.
  void Add(Component& component);

  // Queues `work` on the pool. False, and `work` dropped, once intake has
  // stopped: the caller answers "unavailable" instead.
  bool Submit(std::function<void()> work);

  // Starts the components and runs until SIGINT, SIGTERM, Stop() or a
  // component's failure; then drains and stops as described above. 0 on a
  // clean stop; 1 when a component failed (to start, while running, or to
  // stop) or work did not drain in time.
  int Run();
  // Asks Run to stop; returns at once.
  void Stop();

  bool accepting() const;
  size_t in_flight() const;
  // Every component in the order added; not up before it started.
  std::vector<ComponentHealth> Health() const;
  Runtime& runtime();
  const ServiceOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn

#endif  // CAIRN_ENGINE_SERVICE_H_
