// Core: the orchestrator's shared state — definitions, breakers, the
// instances going on, the checkpoints and the metrics — that the runners of
// the instances report to.
//
// Thread safety: the maps are guarded by mu_; runners call from their strands.
#ifndef CAIRN_SAGAS_INTERNAL_CORE_H_
#define CAIRN_SAGAS_INTERNAL_CORE_H_

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include "sagas/feed.h"
#include "sagas/internal/planner.h"
#include "sagas/orchestrator.h"

namespace cairn::sagas::internal {

class Runner;

// The metrics of one definition.
struct DefinitionMetrics {
  Counter* started = nullptr;
  Counter* completed = nullptr;
  Counter* compensated = nullptr;
  Counter* stuck = nullptr;
  Counter* retries = nullptr;
  Gauge* in_flight = nullptr;
  Histogram* step_seconds = nullptr;
};

class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(EventStore& store, const EventTypeRegistry& types, CommandBus& bus, OrchestratorOptions options,
       MetricsRegistry* metrics);

  CircuitBreaker& AddBreaker(const std::string& name, BreakerOptions options);
  Status Register(SagaDefinition definition);
  Status Start(Runtime& runtime);
  Status Stop();
  void Act(const std::string& saga_id, std::function<Status(Planner&, Transition&)> action, Orchestrator::Done done);
  OrchestratorCounts counts() const;

  // For the runners.
  EventStore& store() { return store_; }
  CommandBus& bus() { return bus_; }
  const Clock& clock() const { return clock_; }
  Runtime& runtime() { return *runtime_; }
  const EventTypeRegistry& saga_types() const { return saga_types_; }
  const OrchestratorOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(); }
  CircuitBreaker* breaker(const std::string& name);
  double Random();
  // A transition of `runner` is durable: count it, track positions, and
  // forget the instance once it has ended.
  // `began`: when the transition was planned.
  void Committed(Runner& runner, const SagaInstance& before, const Transition& t,
                 std::chrono::steady_clock::time_point began);
  // Drops a runner whose instance never started here, or has ended.
  void Forget(const Runner& runner);
  void DeadlineDropped();
  // Runs `send`, a runner's append, now or once fewer than
  // max_appends_in_flight are out; AppendBack when its answer came.
  void AppendOut(std::function<void()> send);
  void AppendBack();

 private:
  const SagaDefinition* Find(const std::string& name, int version) const;
  // No slot for another append now (under mu_).
  bool AppendsCappedLocked() const;
  DefinitionMetrics& MetricsOf(const std::string& definition);
  Status Resume();
  void OnFeedEvent(const RecordedEvent& event, SagaFeed::Ack ack);
  void StartInstance(const SagaDefinition& definition, const std::string& id, SagaVars vars,
                     const RecordedEvent& event, Orchestrator::Done done);
  void ScheduleCheckpoint();
  void SaveCheckpoint();
  std::shared_ptr<Runner> RunnerOf(const std::string& saga_id);

  EventStore& store_;
  const EventTypeRegistry& types_;
  CommandBus& bus_;
  const OrchestratorOptions options_;
  const Clock& clock_;
  MetricsRegistry* metrics_;
  EventTypeRegistry saga_types_;
  std::map<std::string, std::unique_ptr<CircuitBreaker>> breakers_;
  std::map<std::pair<std::string, int>, std::unique_ptr<SagaDefinition>> definitions_;
  std::map<std::string, const SagaDefinition*> latest_;
  std::set<std::string> categories_;
  Runtime* runtime_ = nullptr;
  std::unique_ptr<SagaFeed> owned_feed_;
  SagaFeed* feed_ = nullptr;
  std::optional<boost::asio::strand<boost::asio::io_context::executor_type>> strand_;
  std::unique_ptr<boost::asio::steady_timer> checkpoint_timer_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Runner>> runners_;
  std::set<std::string> parked_;          // instances whose definition version is not registered
  std::multiset<uint64_t> live_starts_;  // started positions of instances not ended
  uint64_t last_position_ = 0;           // the highest position a transition reached
  uint64_t saved_position_ = 0;
  std::map<std::string, DefinitionMetrics> definition_metrics_;
  std::mt19937_64 random_{std::random_device{}()};
  OrchestratorCounts counts_;
  size_t appends_out_ = 0;      // sent or waiting to be: Stop waits for none
  size_t appends_running_ = 0;  // sent
  std::deque<std::function<void()>> appends_waiting_;
  std::condition_variable appends_back_;
  Counter* deadlines_fired_ = nullptr;
  Counter* deadlines_dropped_ = nullptr;
  Gauge* deadlines_pending_ = nullptr;
};

}  // namespace cairn::sagas::internal

#endif  // CAIRN_SAGAS_INTERNAL_CORE_H_
