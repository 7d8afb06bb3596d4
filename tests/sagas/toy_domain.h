// The toy domain of the orchestrator's tests: the Account aggregate
// (Reserve above 100 is refused with an event, the failure outcome), and
// activities whose answers a test scripts.
#ifndef CAIRN_TESTS_SAGAS_TOY_DOMAIN_H_
#define CAIRN_TESTS_SAGAS_TOY_DOMAIN_H_

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/aggregate.h"
#include "sagas/definition.h"
#include "tests/sagas/toy.pb.h"

namespace cairn::sagas::toy {

class Account {
 public:
  using State = AccountState;
  using Command = AccountCommand;
  static constexpr std::string_view kCategory = "account";

  Result<Events> Decide(const State& state, const Command& command) const {
    if (command.has_release()) {
      if (state.reserved() == 0) return Events{};
      Released released;
      released.set_account_id(command.release().account_id());
      return EventsOf(std::move(released));
    }
    const Reserve& reserve = command.reserve();
    if (reserve.amount() <= 0) return InvalidArgumentError("amount must be positive");
    if (state.reserved() > 0 || state.refused()) return Events{};
    if (reserve.amount() > 100) {
      ReservationRefused refused;
      refused.set_account_id(reserve.account_id());
      refused.set_reason("over 100");
      return EventsOf(std::move(refused));
    }
    Reserved reserved;
    reserved.set_account_id(reserve.account_id());
    reserved.set_amount(reserve.amount());
    return EventsOf(std::move(reserved));
  }
  void Evolve(State& state, const google::protobuf::Message& event) const {
    if (const auto* reserved = As<Reserved>(event)) state.set_reserved(reserved->amount());
    if (As<ReservationRefused>(event)) state.set_refused(true);
    if (As<Released>(event)) {
      state.set_reserved(0);
      state.set_releases(state.releases() + 1);
    }
  }
  static const std::string& IdOf(const Command& command) {
    return command.has_reserve() ? command.reserve().account_id() : command.release().account_id();
  }
};

// An outside call whose answers are scripted per key: each call takes the
// next answer for its saga's key ("ok" by default). "hang" never answers.
class ScriptedActivity {
 public:
  void Script(const std::string& key, std::vector<std::string> answers) {
    std::lock_guard lock(mu_);
    scripts_[key] = std::deque<std::string>(answers.begin(), answers.end());
  }
  int calls(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = calls_.find(key);
    return it == calls_.end() ? 0 : it->second;
  }
  // The idempotency keys of the calls, in order.
  std::vector<std::string> keys() const {
    std::lock_guard lock(mu_);
    return keys_;
  }

  Activity AsActivity() {
    return [this](const ActivityCall& call, ActivityDone done) {
      std::string answer = "ok";
      {
        std::lock_guard lock(mu_);
        const std::string& key = call.vars.at("key");
        ++calls_[key];
        keys_.push_back(call.idempotency_key);
        auto& script = scripts_[key];
        if (!script.empty()) {
          answer = script.front();
          script.pop_front();
        }
      }
      if (answer == "hang") return;
      if (answer == "down") return done(UnavailableError("the provider is down"));
      if (answer == "no") return done(FailedPreconditionError("the provider said no"));
      done(SagaVars{{"receipt", "r-" + call.vars.at("key")}});
    };
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<std::string>> scripts_;
  std::map<std::string, int> calls_;
  std::vector<std::string> keys_;
};

}  // namespace cairn::sagas::toy

#endif  // CAIRN_TESTS_SAGAS_TOY_DOMAIN_H_
