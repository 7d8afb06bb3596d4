// ProjectionRunner: feeds one projector from the store in batches and writes
// its checkpoint in the same SQLite transaction as the read-model changes, so
// a crash at any point neither applies an event twice nor skips one.
//
// A read model lives at <directory>/<name>.sqlite (a link to its current
// generation, see read_model_file.h) with two tables of the runner's own:
// cairn_checkpoint (the last global position applied) and cairn_parked
// (events that kept failing, with the error and attempts). When a rebuild
// swaps in a new generation, the runner follows it at its next batch.
//
// Started as a component, it runs on the node's Runtime: a caught-up runner
// waits for the store's commit notification and a batch window on a timer,
// holding no thread; each batch (page read and SQLite transaction) runs on
// the blocking pool, one at a time.
//
// Thread safety: status() from any thread; the rest from the owner's.
#ifndef CAIRN_PROJECTIONS_RUNNER_H_
#define CAIRN_PROJECTIONS_RUNNER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/metrics.h"
#include "engine/service.h"
#include "projections/projector.h"
#include "store/event_store.h"

namespace cairn::projections {

enum class PoisonPolicy {
  kPark,  // record the event in cairn_parked and go on
  kStop,  // stop the projector, its checkpoint just below the event
};

struct RunnerOptions {
  std::string directory;  // where the read-model files live
  size_t batch_size = 500;
  // Right after a batch, the next small one waits up to this long for more
  // events before it commits (RunOnce: every batch does); a runner that has
  // been idle this long applies a new event at once.
  std::chrono::milliseconds max_delay{20};
  int retries = 2;  // attempts after the first, before the policy applies
  PoisonPolicy poison = PoisonPolicy::kPark;
  Durability durability = Durability::kNormal;
};

// projection_batch_size, projection_max_delay_ms, projection_retries and
// projection_poison (park or stop).
void BindRunnerOptions(ConfigLoader& loader, RunnerOptions& options);

// kRetrying: the last batch met a failure that may pass (the store
// Unavailable, a full disk); the runner tries again after a bounded
// exponential back-off. kStopped: by its poison policy. kFailed: an error no
// retry mends; a restart after the fix resumes it.
enum class ProjectorState { kIdle, kRunning, kRetrying, kStopped, kFailed };
std::string_view ProjectorStateName(ProjectorState state);

struct ProjectorStatus {
  std::string name;
  ProjectorState state = ProjectorState::kIdle;
  uint64_t checkpoint = 0;
  uint64_t head = 0;
  uint64_t parked = 0;
  std::string error;  // why it is retrying, stopped or failed
  uint64_t lag() const { return head > checkpoint ? head - checkpoint : 0; }
};

struct ParkedEvent {
  uint64_t position = 0;
  std::string stream;
  std::string type;
  std::string error;
  int64_t attempts = 0;
};

class ProjectionRunner final : public Component {
 public:
  // `metrics` (optional) receives cairn_projection_lag_events,
  // cairn_projection_events_total and cairn_projection_parked_events.
  ProjectionRunner(EventStore& store, Projector& projector, RunnerOptions options, MetricsRegistry* metrics = nullptr);
  ~ProjectionRunner() override;

  std::string name() const override { return "projection " + projector_.name(); }
  // Opens the read model and migrates it; then runs on `runtime`.
  Status Start(Runtime& runtime) override;
  // Waits for the batch in progress; every batch committed its checkpoint.
  Status Stop() override;

  // Opens and migrates without starting the thread (tools, tests).
  Status Open();
  // Applies what is available now, waiting up to `wait` for the first event;
  // returns how many events it took. Once stopped by its poison policy (or
  // failed) it takes nothing: status() says why.
  Result<size_t> RunOnce(std::chrono::milliseconds wait);

  // Applies one page of what is available now, without waiting (the
  // asynchronous driver's step).
  Result<size_t> ApplyAvailable();

  ProjectorStatus status() const;
  std::string path() const;
  // `listener` hears the checkpoint after each batch commits, on the thread
  // that applied it (read-your-writes waits). Before Start.
  void OnApplied(std::function<void(uint64_t checkpoint)> listener);
  Result<std::vector<ParkedEvent>> Parked();
  // Applies a parked event again (after a fix); it leaves the list on success.
  Status Replay(uint64_t position);

 private:
  struct Impl;
  class Driver;
  // Reads again from just after the checkpoint.
  void ResetFeed();
  // Nothing while stopped by its policy or failed; else opens the model.
  Result<bool> Ready();
  Result<size_t> Apply(std::vector<RecordedEvent> batch);

  Projector& projector_;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<Driver> driver_;  // while started
};

// <directory>/<name>.sqlite
std::string ReadModelPath(const std::string& directory, const std::string& name);

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_RUNNER_H_
