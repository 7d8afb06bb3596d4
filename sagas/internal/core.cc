#include "sagas/internal/core.h"

#include <boost/asio/bind_executor.hpp>

#include <spdlog/spdlog.h>

#include "engine/aggregate.h"
#include "sagas/internal/runner.h"
#include "sagas/proto/saga.pb.h"

namespace cairn::sagas::internal {
namespace {

constexpr size_t kResumePage = 1024;

}  // namespace

Core::Core(EventStore& store, const EventTypeRegistry& types, CommandBus& bus, OrchestratorOptions options,
           MetricsRegistry* metrics)
    : store_(store),
      types_(types),
      bus_(bus),
      options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : SystemClock()),
      metrics_(metrics) {
  RegisterSagaEvents(saga_types_);
  if (metrics_) {
    auto fired = metrics_->AddCounter("cairn_saga_deadlines_fired_total", "Saga deadlines that fired");
    auto dropped = metrics_->AddCounter("cairn_saga_deadlines_dropped_total",
                                        "Saga deadlines that came after their instance had moved on or ended");
    auto pending = metrics_->AddGauge("cairn_saga_deadlines_pending", "Saga deadlines scheduled and not yet fired");
    if (fired.ok()) deadlines_fired_ = *fired;
    if (dropped.ok()) deadlines_dropped_ = *dropped;
    if (pending.ok()) deadlines_pending_ = *pending;
  }
}

CircuitBreaker& Core::AddBreaker(const std::string& name, BreakerOptions options) {
  auto& breaker = breakers_[name];
  if (!breaker) breaker = std::make_unique<CircuitBreaker>(name, options, clock_, metrics_);
  return *breaker;
}

CircuitBreaker* Core::breaker(const std::string& name) {
  auto it = breakers_.find(name);
  return it == breakers_.end() ? nullptr : it->second.get();
}

Status Core::Register(SagaDefinition definition) {
  CAIRN_RETURN_IF_ERROR(definition.Validate());
  const std::string id = definition.name() + " v" + std::to_string(definition.version());
  for (const Step& step : definition.steps()) {
    for (const auto* action : {step.forward ? &*step.forward : nullptr, step.compensation ? &*step.compensation : nullptr}) {
      if (action && !action->breaker.empty() && !breakers_.count(action->breaker)) {
        return InvalidArgumentError("saga " + id + ": step " + step.name + " names circuit breaker " + action->breaker +
                                    ", which was not added");
      }
    }
  }
  auto key = std::make_pair(definition.name(), definition.version());
  if (definitions_.count(key)) return InvalidArgumentError("saga " + id + " is registered already");
  auto owned = std::make_unique<SagaDefinition>(std::move(definition));
  const SagaDefinition*& latest = latest_[owned->name()];
  if (!latest || latest->version() < owned->version()) latest = owned.get();
  for (const auto* reactions : {&owned->triggers(), &owned->cancels()}) {
    for (const Reaction& reaction : *reactions) categories_.insert(reaction.category);
  }
  MetricsOf(owned->name());
  definitions_[key] = std::move(owned);
  return OkStatus();
}

const SagaDefinition* Core::Find(const std::string& name, int version) const {
  auto it = definitions_.find({name, version});
  return it == definitions_.end() ? nullptr : it->second.get();
}

DefinitionMetrics& Core::MetricsOf(const std::string& definition) {
  DefinitionMetrics& m = definition_metrics_[definition];
  if (!metrics_ || m.started) return m;
  const Labels labels{{"definition", definition}};
  auto counter = [&](const char* name, const char* help) {
    auto added = metrics_->AddCounter(name, help, labels);
    return added.ok() ? *added : nullptr;
  };
  m.started = counter("cairn_sagas_started_total", "Saga instances started");
  m.completed = counter("cairn_sagas_completed_total", "Saga instances completed");
  m.compensated = counter("cairn_sagas_compensated_total", "Saga instances compensated (cancelled ones included)");
  m.stuck = counter("cairn_sagas_stuck_total", "Times a saga instance got stuck and needed an operator");
  m.retries = counter("cairn_saga_retries_total", "Saga step attempts scheduled again after a failure");
  auto in_flight = metrics_->AddGauge("cairn_sagas_in_flight", "Saga instances going on (stuck ones included)", labels);
  if (in_flight.ok()) m.in_flight = *in_flight;
  auto seconds = metrics_->AddHistogram("cairn_saga_step_seconds", "From a step's first request to its success",
                                        LatencyBuckets(), labels);
  if (seconds.ok()) m.step_seconds = *seconds;
  return m;
}

double Core::Random() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0, 1)(random_);
}

Status Core::Start(Runtime& runtime) {
  runtime_ = &runtime;
  // Sagas may lag behind requests: they run on the background io_context.
  strand_.emplace(boost::asio::make_strand(runtime.background()));
  checkpoint_timer_ = std::make_unique<boost::asio::steady_timer>(*strand_);
  CAIRN_RETURN_IF_ERROR(Resume());
  if (!options_.feed) owned_feed_ = NewStoreFeed(store_, options_.name + ".feed", options_.feed_page);
  feed_ = options_.feed ? options_.feed : owned_feed_.get();
  CAIRN_RETURN_IF_ERROR(feed_->Start(runtime, categories_, [self = shared_from_this()](const RecordedEvent& event,
                                                                                      SagaFeed::Ack ack) {
    self->OnFeedEvent(event, std::move(ack));
  }));
  ScheduleCheckpoint();
  return OkStatus();
}

// Reads the saga category from the instances checkpoint: every instance not
// ended then started after it.
Status Core::Resume() {
  CAIRN_ASSIGN_OR_RETURN(std::optional<Checkpoint> checkpoint, store_.LoadCheckpoint(options_.name + ".instances"));
  saved_position_ = last_position_ = checkpoint ? checkpoint->position : 0;
  std::map<std::string, SagaInstance> found;
  for (uint64_t from = saved_position_ + 1;;) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> page, store_.ReadCategory(kSagaCategory, from, kResumePage));
    for (const RecordedEvent& event : page) {
      CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> message, saga_types_.Decode(event));
      SagaInstance& instance = found[event.stream];
      Evolve(instance, *message);
      Track(instance, event.version, event.position, event.recorded_at_us);
      last_position_ = std::max(last_position_, event.position);
    }
    if (page.size() < kResumePage) break;
    from = page.back().position + 1;
  }
  for (auto& [stream, instance] : found) {
    if (IsFinal(instance.status) || instance.id.empty()) continue;
    live_starts_.insert(instance.started_position);
    ++counts_.in_flight;
    ++counts_.resumed;
    if (DefinitionMetrics& m = MetricsOf(instance.definition); m.in_flight) m.in_flight->Add(1);
    if (deadlines_pending_) deadlines_pending_->Add(static_cast<double>(instance.deadlines.size()));
    const SagaDefinition* definition = Find(instance.definition, instance.definition_version);
    std::string reason;
    if (!definition) {
      // Never driven by another version: it waits, visible, for its own.
      reason = "saga " + instance.id + " started on " + instance.definition + " v" +
               std::to_string(instance.definition_version) + ", which this node does not register";
    } else if (stream != SagaStreamOf(instance.id)) {
      reason = "the stream " + stream + " holds the start of saga " + instance.id;  // damaged or written by hand
    } else if (Status fits = CheckInstance(instance, *definition); !fits.ok()) {
      reason = fits.message();  // damaged or written by hand: an operator decides
    }
    if (!reason.empty()) {
      spdlog::error("{}: parked", reason);
      parked_.insert(instance.id);
      if (!instance.parked) {
        SagaParked parked;
        parked.set_reason(reason);
        CAIRN_ASSIGN_OR_RETURN(EventData data, saga_types_.Encode(parked));
        Result<AppendResult> appended = store_.Append(stream, ExpectedVersion::Exact(*instance.version), {data});
        if (!appended.ok()) spdlog::warn("saga {}: recording that it is parked: {}", instance.id, appended.status().ToString());
      }
      continue;
    }
    auto runner = std::make_shared<Runner>(shared_from_this(), definition, instance);
    runners_[instance.id] = runner;
    runner->Resume();
  }
  if (!found.empty()) spdlog::info("sagas: resumed {} instances going on", counts_.resumed);
  return OkStatus();
}

void Core::OnFeedEvent(const RecordedEvent& event, SagaFeed::Ack ack) {
  // One ack for the event, once every reaction to it is durable.
  auto pending = std::make_shared<std::atomic<int>>(1);
  auto done = [pending, ack](Status status) {
    if (!status.ok() && status.code() != StatusCode::kFailedPrecondition) {
      spdlog::warn("sagas: reacting to an event: {}", status.ToString());
    }
    if (pending->fetch_sub(1) == 1) ack();
  };
  const std::string_view category = CategoryOf(event.stream);
  std::unique_ptr<google::protobuf::Message> message;
  for (const auto& [name, definition] : latest_) {
    for (const auto* reactions : {&definition->triggers(), &definition->cancels()}) {
      for (const Reaction& reaction : *reactions) {
        if (reaction.category != category || reaction.type != event.type) continue;
        if (!message) {
          Result<std::unique_ptr<google::protobuf::Message>> decoded = types_.Decode(event);
          if (!decoded.ok()) {
            spdlog::error("sagas: cannot read {} at global position {}: {}", event.type, event.position,
                          decoded.status().ToString());
            return ack();
          }
          message = std::move(*decoded);
        }
        const std::string key = reaction.key(*message);
        if (key.empty()) continue;
        const std::string id = SagaIdOf(definition->name(), key);
        pending->fetch_add(1);
        if (reactions == &definition->triggers()) {
          StartInstance(*definition, id, reaction.vars(*message), event, done);
        } else {
          const std::string reason = reaction.vars(*message)["reason"];
          Act(id, [reason](Planner& planner, Transition& t) { return planner.Cancel(t, reason); },
              [done](Status status) { done(status.code() == StatusCode::kNotFound ? OkStatus() : status); });
        }
      }
    }
  }
  done(OkStatus());
}

void Core::StartInstance(const SagaDefinition& definition, const std::string& id, SagaVars vars,
                         const RecordedEvent& event, Orchestrator::Done done) {
  std::shared_ptr<Runner> runner;
  {
    std::lock_guard lock(mu_);
    if (runners_.count(id)) return done(OkStatus());  // going on already: one instance per key
    SagaInstance fresh;
    fresh.id = id;
    runner = std::make_shared<Runner>(shared_from_this(), &definition, std::move(fresh));
    runners_[id] = runner;
  }
  runner->Submit(
      [id, vars = std::move(vars), trigger = event](Planner& planner, Transition& t) {
        if (t.after.version) return OkStatus();  // it exists: the same trigger again
        planner.Start(t, id, vars, &trigger);
        return OkStatus();
      },
      std::move(done));
}

void Core::Act(const std::string& saga_id, std::function<Status(Planner&, Transition&)> action, Orchestrator::Done done) {
  std::shared_ptr<Runner> runner;
  bool parked = false;
  {
    std::lock_guard lock(mu_);
    auto it = runners_.find(saga_id);
    if (it != runners_.end()) runner = it->second;
    parked = parked_.count(saga_id) > 0;
  }
  if (runner) return runner->Submit(std::move(action), std::move(done));
  if (parked) {
    return done(FailedPreconditionError("saga " + saga_id + " is parked (its status says why): register its definition "
                                        "version, or end it with `cairn sagas terminate` while the node is stopped"));
  }
  done(NotFoundError("saga " + saga_id + " is not going on here"));
}

void Core::Committed(Runner& runner, const SagaInstance& before, const Transition& t,
                     std::chrono::steady_clock::time_point began) {
  const SagaInstance& after = runner.state();
  DefinitionMetrics& m = MetricsOf(after.definition);
  const auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  for (const auto& event : t.events) {
    if (As<SagaStarted>(*event)) {
      ++counts_.started;
      ++counts_.in_flight;
      live_starts_.insert(after.started_position);
      if (m.started) m.started->Increment();
      if (m.in_flight) m.in_flight->Add(1);
    } else if (As<SagaCompleted>(*event)) {
      ++counts_.completed;
      if (m.completed) m.completed->Increment();
    } else if (As<SagaCompensated>(*event)) {
      ++counts_.compensated;
      if (m.compensated) m.compensated->Increment();
    } else if (As<SagaStuck>(*event)) {
      ++counts_.stuck;
      if (m.stuck) m.stuck->Increment();
      // The trace id (traceparent's second field) ties the line to the request that started it.
      spdlog::error("saga {} is stuck: {} (trace {})", after.id, after.failure,
                    after.traceparent.size() >= 35 ? after.traceparent.substr(3, 32) : "-");
    } else if (As<RetryScheduled>(*event)) {
      if (m.retries) m.retries->Increment();
    } else if (As<DeadlineFired>(*event)) {
      ++counts_.deadlines_fired;
      if (deadlines_fired_) deadlines_fired_->Increment();
    } else if (const auto* succeeded = As<StepSucceeded>(*event); succeeded && m.step_seconds) {
      const bool was_out = before.step == succeeded->index() && before.requested;
      m.step_seconds->Observe(std::chrono::duration<double>(now - (was_out ? runner.step_began() : began)).count());
    }
  }
  if (deadlines_pending_) {
    deadlines_pending_->Add(static_cast<double>(after.deadlines.size()) - static_cast<double>(before.deadlines.size()));
  }
  last_position_ = std::max(last_position_, after.last_position);
  if (!IsFinal(after.status)) {
    lock.unlock();
    if (options_.on_transition) options_.on_transition(after);
    return;
  }
  --counts_.in_flight;
  if (m.in_flight) m.in_flight->Add(-1);
  if (auto it = live_starts_.find(after.started_position); it != live_starts_.end()) live_starts_.erase(it);
  runners_.erase(after.id);
  lock.unlock();
  if (options_.on_transition) options_.on_transition(after);
  if (options_.on_end) options_.on_end(after);
}

void Core::Forget(const Runner& runner) {
  std::lock_guard lock(mu_);
  auto it = runners_.find(runner.state().id);
  if (it != runners_.end() && it->second.get() == &runner) runners_.erase(it);
}

void Core::DeadlineDropped() {
  std::lock_guard lock(mu_);
  ++counts_.deadlines_dropped;
  if (deadlines_dropped_) deadlines_dropped_->Increment();
}

bool Core::AppendsCappedLocked() const {
  const size_t cap = options_.max_appends_in_flight;
  return cap > 0 && appends_running_ >= cap && (!options_.busy || options_.busy());
}

void Core::AppendOut(std::function<void()> send) {
  {
    std::lock_guard lock(mu_);
    ++appends_out_;
    if (!appends_waiting_.empty() || AppendsCappedLocked()) {
      appends_waiting_.push_back(std::move(send));
      return;
    }
    ++appends_running_;
  }
  send();
}

void Core::AppendBack() {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(mu_);
    if (--appends_out_ == 0) appends_back_.notify_all();
    --appends_running_;
    while (!appends_waiting_.empty() && !AppendsCappedLocked()) {
      ready.push_back(std::move(appends_waiting_.front()));
      appends_waiting_.pop_front();
      ++appends_running_;
    }
  }
  // Off the store's completion thread, which must not append itself.
  for (auto& send : ready) boost::asio::post(runtime_->background(), std::move(send));
}

OrchestratorCounts Core::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void Core::ScheduleCheckpoint() {
  checkpoint_timer_->expires_after(options_.checkpoint_every);
  checkpoint_timer_->async_wait(boost::asio::bind_executor(*strand_, [self = shared_from_this()](
                                                                         boost::system::error_code error) {
    if (error || self->stopping()) return;
    self->SaveCheckpoint();
    self->ScheduleCheckpoint();
  }));
}

// The position before the oldest instance going on: a restart reads from there.
void Core::SaveCheckpoint() {
  uint64_t position;
  {
    std::lock_guard lock(mu_);
    position = live_starts_.empty() ? last_position_ : *live_starts_.begin() - 1;
    if (position <= saved_position_) return;
  }
  Status saved = store_.SaveCheckpoint(options_.name + ".instances", Checkpoint{.position = position});
  if (!saved.ok()) return spdlog::warn("sagas: saving the instances checkpoint: {}", saved.ToString());
  std::lock_guard lock(mu_);
  saved_position_ = position;
}

Status Core::Stop() {
  stopping_ = true;
  if (feed_) feed_->Stop();
  if (checkpoint_timer_) checkpoint_timer_->cancel();
  std::vector<std::shared_ptr<Runner>> runners;
  {
    std::unique_lock lock(mu_);
    for (auto& [id, runner] : runners_) runners.push_back(runner);
    runners_.clear();  // a runner holds the core: the map must let go of them, or neither is freed
  }
  for (auto& runner : runners) runner->Stop();
  {
    std::unique_lock lock(mu_);
    if (!appends_back_.wait_for(lock, std::chrono::seconds(30), [this] { return appends_out_ == 0; })) {
      return UnavailableError("saga transitions still out after 30 s");
    }
  }
  SaveCheckpoint();
  return OkStatus();
}

}  // namespace cairn::sagas::internal
