// ProjectionRunner's state, shared by its synchronous steps (runner.cc) and
// the driver that runs them on a Runtime (runner_driver.cc).
#ifndef CAIRN_PROJECTIONS_INTERNAL_RUNNER_IMPL_H_
#define CAIRN_PROJECTIONS_INTERNAL_RUNNER_IMPL_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "projections/database.h"
#include "projections/internal/apply_batch.h"
#include "projections/read_model_file.h"
#include "projections/runner.h"
#include "store/lock_file.h"
#include "store/subscription.h"

namespace cairn::projections {

struct ProjectionRunner::Impl {
  Impl(EventStore& s, RunnerOptions o, const std::string& name)
      : store(s), options(std::move(o)), file(options.directory, name) {}

  EventStore& store;
  RunnerOptions options;
  ReadModelFile file;
  std::unique_ptr<LockFile> lock;  // one runner per read model
  int generation = 0;  // the generation `db` has open
  std::unique_ptr<Database> db;
  std::unique_ptr<CatchUpSubscription> feed;
  internal::EventFilter filter;

  mutable std::mutex mu;
  ProjectorStatus status;

  Gauge* lag = nullptr;
  Gauge* parked_gauge = nullptr;
  Counter* applied = nullptr;
  std::function<void(uint64_t)> on_applied;

  void Set(ProjectorState state, const std::string& error = "") {
    std::lock_guard guard(mu);
    status.state = state;
    status.error = error;
  }
};

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_INTERNAL_RUNNER_IMPL_H_
