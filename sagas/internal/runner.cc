#include "sagas/internal/runner.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <spdlog/spdlog.h>

#include "engine/aggregate.h"
#include "sagas/admin.h"
#include "sagas/internal/core.h"
#include "sagas/proto/saga.pb.h"

namespace cairn::sagas::internal {
namespace {

// How long a timer waits for a deadline due at `due_us`, without overflow
// for any due time a stream may hold; a century at most.
std::chrono::microseconds WaitFor(int64_t due_us, int64_t now_us) {
  constexpr int64_t kLongest = int64_t{100} * 365 * 24 * 3600 * 1'000'000;
  return std::chrono::microseconds(due_us <= now_us ? 0 : std::min(due_us - now_us, kLongest));
}

}  // namespace

Runner::Runner(std::shared_ptr<Core> core, const SagaDefinition* definition, SagaInstance state)
    : core_(std::move(core)),
      definition_(definition),
      state_(std::move(state)),
      strand_(boost::asio::make_strand(core_->runtime().background())),
      backoff_(core_->options().first_backoff, core_->options().max_backoff) {}

void Runner::Submit(Apply apply, Done done) {
  boost::asio::post(strand_, [self = shared_from_this(), input = Input{std::move(apply), std::move(done)}]() mutable {
    if (self->stopped_ || self->core_->stopping()) {
      if (input.done) input.done(UnavailableError("the saga orchestrator is stopping"));
      return;
    }
    self->inputs_.push_back(std::move(input));
    self->Pump();
  });
}

void Runner::Resume() {
  boost::asio::post(strand_, [self = shared_from_this()] {
    if (self->stopped_) return;
    self->Arm();
    const SagaInstance& s = self->state_;
    auto attempt = s.deadlines.find(std::string(kAttemptDeadline));
    const bool overdue = attempt != s.deadlines.end() && attempt->second <= self->core_->clock().NowMicros();
    // The answer of the call that was out died with the node: ask again,
    // with the same idempotency key, unless its attempt has timed out.
    if (s.requested && !overdue) self->Call();
    self->inputs_.push_back(Input{[](Planner& planner, Transition& t) {
                                    planner.Drive(t);
                                    return OkStatus();
                                  },
                                  nullptr});
    self->Pump();
  });
}

void Runner::Stop() {
  boost::asio::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    for (auto& [name, timer] : self->timers_) timer.second->cancel();
    if (self->backoff_timer_) self->backoff_timer_->cancel();
    for (Input& input : self->inputs_) {
      if (input.done) input.done(UnavailableError("the saga orchestrator is stopping"));
    }
    self->inputs_.clear();
  });
}

Planner Runner::MakePlanner() {
  return Planner(*definition_, core_->bus(), core_->clock(), [core = core_.get()] { return core->Random(); });
}

void Runner::Pump() {
  if (appending_ || stopped_ || inputs_.empty()) return;
  Input input = std::move(inputs_.front());
  inputs_.pop_front();
  Run(std::move(input));
}

void Runner::Run(Input input) {
  auto t = std::make_shared<Transition>(state_);
  const auto began = std::chrono::steady_clock::now();
  Planner planner = MakePlanner();
  Status applied = input.apply(planner, *t);
  if (!applied.ok() || t->events.empty()) {
    if (input.done) input.done(applied);
    if (!state_.version || IsFinal(state_.status)) core_->Forget(*this);
    return Pump();
  }
  StreamAppend saga{SagaStreamOf(state_.id),
                    state_.version ? ExpectedVersion::Exact(*state_.version) : ExpectedVersion::NoStream(),
                    {}};
  for (const auto& event : t->events) {
    Result<EventData> data = core_->saga_types().Encode(*event);
    if (!data.ok()) {
      if (input.done) input.done(data.status());
      return Pump();
    }
    data->metadata[std::string(kCorrelationIdKey)] = state_.id;
    if (!t->after.traceparent.empty()) data->metadata[std::string(kTraceparentKey)] = t->after.traceparent;
    saga.events.push_back(std::move(*data));
  }
  std::vector<StreamAppend> appends;
  appends.push_back(std::move(saga));
  for (StreamAppend& command : t->commands) appends.push_back(std::move(command));
  appending_ = true;
  core_->AppendOut([self = shared_from_this(), appends = std::move(appends), input, t, began]() mutable {
    // The store's thread only hands the result over: the append counts as
    // back once the strand has it, so a Stop() that waits for the appends
    // cannot free the runtime while this thread still touches its strand.
    self->core_->store().AppendAsync(std::move(appends), [self, input, t, began](Result<AppendResult> result) mutable {
      auto& strand = self->strand_;  // the runner stays where it is: the handler holds it
      boost::asio::post(strand, [self = std::move(self), input = std::move(input), t = std::move(t), began,
                                 result = std::move(result)]() mutable {
        self->core_->AppendBack();
        self->Appended(std::move(input), std::move(t), began, std::move(result));
      });
    });
  });
}

void Runner::Appended(Input input, std::shared_ptr<Transition> t, std::chrono::steady_clock::time_point began,
                      Result<AppendResult> appended) {
  appending_ = false;
  if (appended.ok()) {
    backoff_.Reset();
    SagaInstance before = std::move(state_);
    state_ = std::move(t->after);
    for (size_t i = 0; i < t->events.size(); ++i) {
      const AppendedEvent& event = appended->events[i];
      Track(state_, event.version, event.position, event.recorded_at_us);
    }
    // A new attempt is out: its call is still to be made.
    if (state_.requested && (!before.requested || before.step != state_.step || before.attempt != state_.attempt ||
                             before.status != state_.status)) {
      call_out_ = false;
    }
    core_->Committed(*this, before, *t, began);
    if (state_.step != before.step || state_.status != before.status) step_began_ = began;
    if (input.done) input.done(OkStatus());
    if (IsFinal(state_.status)) {
      stopped_ = true;
      for (auto& [name, timer] : timers_) timer.second->cancel();
      // What came while the last transition was appending (a cancel from
      // the feed, an operator's action) is answered: the feed waits for
      // every answer before it moves on.
      for (Input& late : inputs_) {
        if (late.done) late.done(FailedPreconditionError("saga " + state_.id + " has ended"));
      }
      inputs_.clear();
      return;
    }
    Arm();
    if (state_.requested && !call_out_) Call();
    if (t->drive_again) {
      inputs_.push_front(Input{[](Planner& planner, Transition& next) {
                                 planner.Drive(next);
                                 return OkStatus();
                               },
                               nullptr});
    }
    return Pump();
  }
  if (appended.status().code() == StatusCode::kAborted && input.conflicts < 10) {
    // Another writer moved the instance or a command's aggregate: read again, decide again.
    ++input.conflicts;
    if (Status reloaded = Reload(); reloaded.ok()) {
      inputs_.push_front(std::move(input));
      return Pump();
    }
  }
  if (stopped_ || core_->stopping()) {
    if (input.done) input.done(appended.status());
    return;
  }
  const auto delay = backoff_.Next();
  if (backoff_.failures() == 1) {
    spdlog::warn("saga {}: the store refused a transition ({}); trying again with back-off", state_.id,
                 appended.status().ToString());
  }
  appending_ = true;  // holds the other inputs back until this one is in
  if (!backoff_timer_) backoff_timer_ = std::make_unique<boost::asio::steady_timer>(strand_);
  backoff_timer_->expires_after(delay);
  backoff_timer_->async_wait(boost::asio::bind_executor(
      strand_, [self = shared_from_this(), input = std::move(input)](boost::system::error_code error) mutable {
        self->appending_ = false;
        if (error || self->stopped_) return;
        (void)self->Reload();
        self->inputs_.push_front(std::move(input));
        self->Pump();
      }));
}

Status Runner::Reload() {
  Result<SagaInstance> loaded = LoadSaga(core_->store(), state_.id);
  if (loaded.ok()) {
    state_ = std::move(*loaded);
  } else if (loaded.status().code() == StatusCode::kNotFound) {
    state_ = SagaInstance{.id = state_.id};  // never started
  } else {
    return loaded.status();
  }
  return OkStatus();
}

void Runner::Arm() {
  for (auto it = timers_.begin(); it != timers_.end();) {
    if (state_.deadlines.count(it->first)) {
      ++it;
    } else {
      it->second.second->cancel();
      it = timers_.erase(it);
    }
  }
  for (const auto& [name, due] : state_.deadlines) {
    auto& [armed_due, timer] = timers_[name];
    if (timer && armed_due == due) continue;
    if (!timer) timer = std::make_unique<boost::asio::steady_timer>(strand_);
    armed_due = due;
    timer->expires_after(WaitFor(due, core_->clock().NowMicros()));
    timer->async_wait(boost::asio::bind_executor(
        strand_, [self = shared_from_this(), name = name, due = due](boost::system::error_code error) {
          if (error || self->stopped_) return;
          self->inputs_.push_back(Input{[core = self->core_.get(), name, due](Planner& planner, Transition& t) {
                                          auto pending = t.after.deadlines.find(name);
                                          if (pending == t.after.deadlines.end() || pending->second != due ||
                                              !planner.DeadlineDue(t, name)) {
                                            core->DeadlineDropped();
                                          }
                                          return OkStatus();
                                        },
                                        nullptr});
          self->Pump();
        }));
  }
}

void Runner::Call() {
  const bool compensation = state_.status == SagaStatus::kCompensating;
  const int index = state_.step, attempt = state_.attempt;
  const Step& step = definition_->steps()[index];
  const Action& action = compensation ? *step.compensation : *step.forward;
  call_out_ = true;
  ActivityCall call{state_.id, step.name, attempt, IdempotencyKey(state_.id, step.name, compensation),
                    VarsFor(state_, compensation), core_->runtime().background().get_executor()};
  CircuitBreaker* breaker = action.breaker.empty() ? nullptr : core_->breaker(action.breaker);
  if (breaker) {
    if (Status permitted = breaker->Acquire(); !permitted.ok()) {
      return boost::asio::post(strand_, [self = shared_from_this(), index, attempt, compensation, permitted] {
        self->CallAnswered(index, attempt, compensation, false, permitted);
      });
    }
  }
  auto answered = std::make_shared<std::atomic<bool>>(false);
  const auto began = std::chrono::steady_clock::now();
  action.activity(call, [self = shared_from_this(), answered, breaker, began, index, attempt,
                         compensation](Result<SagaVars> output) {
    if (answered->exchange(true)) return;  // a second answer from a faulty activity
    if (breaker) {
      const bool failed = output.ok() ? output->count(kCallFailedVar) > 0 : IsRetryable(output.status());
      breaker->Record(failed, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                                    began));
    }
    boost::asio::post(self->strand_, [self, index, attempt, compensation, output = std::move(output)]() mutable {
      self->CallAnswered(index, attempt, compensation, true, std::move(output));
    });
  });
}

void Runner::CallAnswered(int index, int attempt, bool compensation, bool made, Result<SagaVars> output) {
  if (stopped_) return;
  inputs_.push_back(Input{[index, attempt, compensation, made, output](Planner& planner, Transition& t) {
                            planner.CallDone(t, index, attempt, compensation, made, output);
                            return OkStatus();
                          },
                          nullptr});
  Pump();
}

}  // namespace cairn::sagas::internal
