// CommandBus: how a saga's steps reach aggregates. The orchestrator asks the
// bus to decide a command, then appends the command's events together with
// its own transition in one multi-stream append, so that a step's effect
// and the saga's record of it take effect together, once.
//
// InProcessCommandBus routes each command type to the CommandHandler of its
// aggregate in this process. A bus to another service (a Kafka command
// topic) would answer that the command was sent, and the outcome would come
// back through the orchestrator's feed.
//
// Thread safety: register before use; Prepare from any thread.
#ifndef CAIRN_SAGAS_COMMAND_BUS_H_
#define CAIRN_SAGAS_COMMAND_BUS_H_

#include <functional>
#include <string>
#include <unordered_map>

#include "engine/command_handler.h"
#include <google/protobuf/message.h>

namespace cairn::sagas {

class CommandBus {
 public:
  virtual ~CommandBus() = default;
  // Loads and decides `command` without appending. Errors as
  // CommandHandler::Handle's: FailedPrecondition when a rule said no,
  // InvalidArgument, NotFound, AlreadyExists, or the store's.
  virtual Result<PreparedCommand> Prepare(const google::protobuf::Message& command, CommandContext context) = 0;
};

class InProcessCommandBus final : public CommandBus {
 public:
  // Routes A::Command to `handler`, which must outlive the bus.
  template <Aggregate A>
  void Register(const CommandHandler<A>& handler) {
    routes_[A::Command::descriptor()->full_name()] = [&handler](const google::protobuf::Message& command,
                                                               CommandContext context) {
      return handler.Prepare(static_cast<const typename A::Command&>(command), std::move(context));
    };
  }

  // InvalidArgument for a command type no handler was registered for.
  Result<PreparedCommand> Prepare(const google::protobuf::Message& command, CommandContext context) override {
    auto route = routes_.find(command.GetDescriptor()->full_name());
    if (route == routes_.end()) {
      return InvalidArgumentError("no handler for command " + command.GetDescriptor()->full_name());
    }
    return route->second(command, std::move(context));
  }

 private:
  std::unordered_map<std::string, std::function<Result<PreparedCommand>(const google::protobuf::Message&, CommandContext)>>
      routes_;
};

}  // namespace cairn::sagas

#endif  // CAIRN_SAGAS_COMMAND_BUS_H_
