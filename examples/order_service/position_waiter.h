// PositionWaiter: read-your-writes for a read model. A request that asks
// for min_position waits until the model's runner has applied that global
// position, on a timer of the node's io_context: no thread waits, and the
// runner's commit (Applied) wakes exactly the requests it satisfies.
//
// Thread safety: any thread.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_POSITION_WAITER_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_POSITION_WAITER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "engine/runtime.h"

namespace cairn::order_service {

class PositionWaiter {
 public:
  // `applied`: what the model had applied when the waiter was made.
  PositionWaiter(Runtime& runtime, uint64_t applied);
  ~PositionWaiter();

  // The model applied everything up to `checkpoint` (ProjectionRunner::OnApplied).
  void Applied(uint64_t checkpoint);
  // `done(true)` on the io_context once `position` is applied, or
  // `done(false)` after `timeout`; never inside this call, never twice.
  void Wait(uint64_t position, std::chrono::milliseconds timeout, std::function<void(bool applied)> done);
  uint64_t applied() const;

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with pending timers
};

}  // namespace cairn::order_service

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_POSITION_WAITER_H_
