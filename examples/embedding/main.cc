// Embedding Cairn in your own service: an aggregate, its command handler on
// a durable store, a rule that says no, and a subscription that reads every
// event back in global order. Built and run by the tests; the README quotes it.
#include <cstdio>
#include <filesystem>

#include "engine/command_handler.h"
#include "examples/embedding/account.pb.h"
#include "store/event_store.h"
#include "store/subscription.h"

namespace {

using cairn::Events;
using cairn::EventsOf;
using cairn::Result;

// [aggregate]
class Account {
 public:
  using State = bank::AccountState;
  using Command = bank::AccountCommand;
  static constexpr std::string_view kCategory = "account";  // streams are account-<id>

  static const std::string& IdOf(const Command& command) {
    switch (command.kind_case()) {
      case Command::kOpen: return command.open().account_id();
      case Command::kDeposit: return command.deposit().account_id();
      default: return command.withdraw().account_id();
    }
  }

  // Decide: may refuse, changes nothing.
  Result<Events> Decide(const State& state, const Command& command) const {
    if (command.has_open()) {
      if (state.open()) return Events{};  // opened already: nothing to do
      bank::Opened opened;
      opened.set_owner(command.open().owner());
      return EventsOf(std::move(opened));
    }
    if (!state.open()) return cairn::FailedPreconditionError("the account is not open");
    if (command.has_deposit()) {
      if (command.deposit().amount() <= 0) return cairn::InvalidArgumentError("a deposit must be positive");
      bank::Deposited deposited;
      deposited.set_amount(command.deposit().amount());
      return EventsOf(std::move(deposited));
    }
    if (command.withdraw().amount() > state.balance()) {
      return cairn::FailedPreconditionError("insufficient funds");
    }
    bank::Withdrawn withdrawn;
    withdrawn.set_amount(command.withdraw().amount());
    return EventsOf(std::move(withdrawn));
  }

  // Evolve: folds an event into the state, never fails.
  void Evolve(State& state, const google::protobuf::Message& event) const {
    if (auto* opened = cairn::As<bank::Opened>(event)) {
      state.set_open(true);
      state.set_owner(opened->owner());
    } else if (auto* deposited = cairn::As<bank::Deposited>(event)) {
      state.set_balance(state.balance() + deposited->amount());
    } else if (auto* withdrawn = cairn::As<bank::Withdrawn>(event)) {
      state.set_balance(state.balance() - withdrawn->amount());
    }
  }
};
// [aggregate]

bank::AccountCommand Deposit(int64_t amount) {
  bank::AccountCommand command;
  command.mutable_deposit()->set_account_id("acc-1");
  command.mutable_deposit()->set_amount(amount);
  return command;
}

}  // namespace

int main() {
  const std::string dir = std::filesystem::temp_directory_path() / ("cairn-embedding-" + std::to_string(getpid()));
  // [wiring]
  // A durable store: an append returns once its group commit is fsynced.
  auto store = cairn::OpenEventStore(dir, {.durability = cairn::Durability::kSync});
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
  cairn::EventTypeRegistry types;
  types.Register<bank::Opened>();
  types.Register<bank::Deposited>();
  types.Register<bank::Withdrawn>();
  Account account;
  cairn::CommandHandler<Account> accounts(**store, account, types);

  bank::AccountCommand open;
  open.mutable_open()->set_account_id("acc-1");
  open.mutable_open()->set_owner("ada");
  auto opened = accounts.Handle(open);
  auto deposited = accounts.Handle(Deposit(100));
  bank::AccountCommand withdraw;
  withdraw.mutable_withdraw()->set_account_id("acc-1");
  withdraw.mutable_withdraw()->set_amount(500);
  auto refused = accounts.Handle(withdraw);  // FailedPrecondition: insufficient funds
  // [wiring]
  std::printf("opened at global position %llu, deposit at %llu, withdrawal of 500: %s\n",
              static_cast<unsigned long long>(opened->position), static_cast<unsigned long long>(deposited->position),
              refused.status().ToString().c_str());

  // [subscription]
  // Every event in global order, as a projector or a relay reads them.
  cairn::CatchUpSubscription all(**store, cairn::SubscriptionOptions{});
  auto page = all.Next(std::chrono::milliseconds(0));
  for (const cairn::RecordedEvent& event : *page) {
    std::printf("  %llu %s v%llu %s\n", static_cast<unsigned long long>(event.position), event.stream.c_str(),
                static_cast<unsigned long long>(event.version), event.type.c_str());
  }
  // [subscription]
  auto state = accounts.repository().Load("acc-1");
  const bool as_expected = opened.ok() && deposited.ok() &&
                           refused.status().code() == cairn::StatusCode::kFailedPrecondition && state.ok() &&
                           state->state.balance() == 100 && page->size() == 2;
  std::printf("balance %lld: %s\n", static_cast<long long>(state.ok() ? state->state.balance() : -1),
              as_expected ? "as expected" : "NOT AS EXPECTED");
  store->reset();
  std::filesystem::remove_all(dir);
  return as_expected ? 0 : 1;
}
