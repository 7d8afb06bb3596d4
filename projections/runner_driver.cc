// ProjectionRunner as a component: the driver runs its steps on a Runtime.
// Caught up, it waits for the store's commit notification. A runner that
// has been idle for max_delay applies what came at once; one that just
// committed a batch lets the next small one fill until max_delay after it,
// or until a whole batch is there. Each batch runs on the blocking pool; a
// failure that may pass is tried again after a back-off on the same timer.
// The driver's own state is touched only on its strand, so steps never
// overlap.
#include <spdlog/spdlog.h>

#include "engine/backoff.h"
#include "engine/component_driver.h"
#include "projections/internal/runner_impl.h"

namespace cairn::projections {

class ProjectionRunner::Driver final : public ComponentDriver {
 public:
  Driver(ProjectionRunner& runner, Runtime& runtime) : ComponentDriver(runtime), runner_(runner) {}

  void Begin() {
    Post([self = self<Driver>()] { self->Wait(); });
  }

 private:
  // The last global position the feed has read past.
  uint64_t Seen() const {
    const Impl& impl = *runner_.impl_;
    return impl.feed ? impl.feed->next_position() - 1 : runner_.status().checkpoint;
  }

  void Wait() { WaitPast(Seen()); }

  // Calls OnHead once the head passes `position`; a later step makes it stale.
  void WaitPast(uint64_t position) {
    runner_.impl_->store.NotifyWhenHeadPasses(position, [weak = weak_from_this(), wake = wake()](uint64_t head) {
      auto self = std::static_pointer_cast<Driver>(weak.lock());
      if (self) self->Post([self, wake, head] { self->OnHead(wake, head); });
    });
  }

  void OnHead(uint64_t woken_by, uint64_t head) {
    if (stopping() || woken_by != wake()) return;
    const uint64_t seen = Seen();
    if (head <= seen) return Fail("the store closed");
    const RunnerOptions& options = runner_.impl_->options;
    const auto since = std::chrono::steady_clock::now() - last_step_;
    if (window_open_ || head - seen >= options.batch_size || since >= options.max_delay) return Step();
    // Right after a batch, a small one waits a little for more, or until a whole one is there.
    window_open_ = true;
    After(std::chrono::duration_cast<std::chrono::milliseconds>(options.max_delay - since) +
              std::chrono::milliseconds(1),
          [this] { Step(); });
    WaitPast(seen + options.batch_size - 1);
  }

  void Step() {
    window_open_ = false;
    Blocking(
        [self = self<Driver>()] {
          Result<size_t> ran = self->runner_.ApplyAvailable();
          if (ran.ok()) self->Recovered();
          return ran;
        },
        [this](Result<size_t> ran) { OnStep(std::move(ran)); });
  }

  // In the step that worked, so that whoever sees its checkpoint sees the
  // state, and a Stop() right after it loses no report.
  void Recovered() {
    {
      std::lock_guard lock(runner_.impl_->mu);
      if (runner_.impl_->status.state != ProjectorState::kRetrying) return;
      runner_.impl_->status.state = ProjectorState::kRunning;
      runner_.impl_->status.error.clear();
    }
    spdlog::info("projector {} is running again", runner_.projector_.name());
    runner_.ReportUp();
  }

  void OnStep(Result<size_t> ran) {
    last_step_ = std::chrono::steady_clock::now();
    const std::string& name = runner_.projector_.name();
    if (ran.ok()) {
      backoff_.Reset();
      const ProjectorState state = runner_.status().state;
      // Stopped by its policy: it waits for a restart after the fix.
      if (state == ProjectorState::kStopped || state == ProjectorState::kFailed) return;
      return Wait();
    }
    const StatusCode code = ran.status().code();
    if (code != StatusCode::kUnavailable && code != StatusCode::kResourceExhausted) {
      return Fail(ran.status().ToString());
    }
    // Said once per outage, not once per attempt. The batch was rolled back: it is read again.
    if (runner_.status().state != ProjectorState::kRetrying) {
      runner_.impl_->Set(ProjectorState::kRetrying, ran.status().ToString());
      spdlog::warn("projector {}: {}; retrying", name, ran.status().ToString());
      runner_.ReportDown(ran.status().ToString());
    }
    After(backoff_.Next(), [this] { Step(); });
  }

  // No retry mends it: the node stops, and a restart after the fix resumes it.
  void Fail(const std::string& reason) {
    runner_.impl_->Set(ProjectorState::kFailed, reason);
    spdlog::error("projector {} failed: {}", runner_.projector_.name(), reason);
    runner_.ReportFailed(reason);
  }

  ProjectionRunner& runner_;
  Backoff backoff_{std::chrono::milliseconds(10), std::chrono::seconds(5)};
  bool window_open_ = false;  // a small batch waits for more
  std::chrono::steady_clock::time_point last_step_;  // when the last batch ended
};

Status ProjectionRunner::Start(Runtime& runtime) {
  CAIRN_RETURN_IF_ERROR(Open());
  driver_ = std::make_shared<Driver>(*this, runtime);
  driver_->Begin();
  return OkStatus();
}

Status ProjectionRunner::Stop() {
  if (driver_) {
    driver_->End();
    driver_.reset();
  }
  return OkStatus();  // every batch committed its checkpoint with its changes
}

}  // namespace cairn::projections
