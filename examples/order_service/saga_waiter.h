// SagaWaiter: long polls on a saga's timeline. A client that has seen a saga
// up to global position P asks for it again with after_position=P and is
// answered once the saga records a transition past P, or when its wait is
// over: a timer of the node's io_context waits, no thread does, and the
// orchestrator's commit (Transitioned) wakes exactly that saga's waiters.
//
// It is a component of the node, added after the HTTP server so that it
// stops first: at SIGTERM every long poll is answered at once, and the
// server's drain does not wait for them.
//
// Thread safety: any thread.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_SAGA_WAITER_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_SAGA_WAITER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "engine/runtime.h"
#include "engine/service.h"

namespace cairn::order_service {

class SagaWaiter final : public Component {
 public:
  explicit SagaWaiter(Runtime& runtime);
  ~SagaWaiter() override;

  std::string name() const override { return "saga long polls"; }
  Status Start(Runtime&) override { return OkStatus(); }
  // Answers every waiter with done(false), and every later one at once.
  Status Stop() override;

  // `saga_id` recorded a transition at global `position`
  // (OrchestratorOptions::on_transition).
  void Transitioned(const std::string& saga_id, uint64_t position);

  struct Pending;
  // Calls done(true) on the io_context once `saga_id` records a transition
  // past `after_position`, or done(false) after `timeout`; never inside this
  // call, never twice.
  std::shared_ptr<Pending> Wait(const std::string& saga_id, uint64_t after_position,
                                std::chrono::milliseconds timeout, std::function<void(bool moved)> done);
  // The caller found the saga past the position already (a transition that
  // came before Wait): answers done(true) now, if it still waits.
  void Moved(const std::shared_ptr<Pending>& pending);

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with pending timers
};

}  // namespace cairn::order_service

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_SAGA_WAITER_H_
