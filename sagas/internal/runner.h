// Runner: one saga instance on its own strand. Inputs (a start, a call's
// answer, a deadline, an operator's action) are applied one at a time: the
// planner turns each into a transition, the runner appends it with the
// expected version, and only once it is durable does anything act on it —
// timers are armed for its deadlines and its outside call is made. A
// conflict reloads the stream and applies the input again.
#ifndef CAIRN_SAGAS_INTERNAL_RUNNER_H_
#define CAIRN_SAGAS_INTERNAL_RUNNER_H_

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "engine/backoff.h"
#include "sagas/internal/planner.h"

namespace cairn::sagas::internal {

class Core;

class Runner : public std::enable_shared_from_this<Runner> {
 public:
  // What an input does to a transition: an error refuses it (nothing is appended).
  using Apply = std::function<Status(Planner&, Transition&)>;
  using Done = std::function<void(Status)>;

  // `definition` is the registered version the instance started on.
  Runner(std::shared_ptr<Core> core, const SagaDefinition* definition, SagaInstance state);

  // Queues `apply`; `done` (may be null) gets its outcome once it is durable.
  void Submit(Apply apply, Done done);
  // After a restart: parks it, or arms its deadlines and makes again the
  // outside call whose answer was lost.
  void Resume();
  // Cancels the timers; inputs after this are dropped.
  void Stop();

  const SagaInstance& state() const { return state_; }
  // When the current step's first attempt was asked for.
  std::chrono::steady_clock::time_point step_began() const { return step_began_; }

 private:
  struct Input {
    Apply apply;
    Done done;
    int conflicts = 0;
  };

  void Pump();
  void Run(Input input);
  void Appended(Input input, std::shared_ptr<Transition> t, std::chrono::steady_clock::time_point began,
                Result<AppendResult> appended);
  Status Reload();
  void Arm();
  void Call();
  void CallAnswered(int index, int attempt, bool compensation, bool made, Result<SagaVars> output);
  Planner MakePlanner();

  std::shared_ptr<Core> core_;
  const SagaDefinition* definition_;
  SagaInstance state_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  std::deque<Input> inputs_;
  bool appending_ = false;
  bool stopped_ = false;
  bool call_out_ = false;  // the current attempt's outside call has been made
  std::map<std::string, std::pair<int64_t, std::unique_ptr<boost::asio::steady_timer>>> timers_;
  std::unique_ptr<boost::asio::steady_timer> backoff_timer_;
  Backoff backoff_;
  std::chrono::steady_clock::time_point step_began_;
};

}  // namespace cairn::sagas::internal

#endif  // CAIRN_SAGAS_INTERNAL_RUNNER_H_
