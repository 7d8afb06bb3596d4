// What every `cairn` command shares: the data dir, exit codes, error output.
#ifndef CAIRN_TOOLS_CAIRN_CLI_H_
#define CAIRN_TOOLS_CAIRN_CLI_H_

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "store/event_store.h"

namespace cairn::cli {

// Exit codes, as documented in the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitInvalid = 2,          // invalid input or usage
  kExitWrongVersion = 3,     // wrong expected version
  kExitNotFound = 4,
  kExitDataDir = 5,          // data dir locked or unreadable
  kExitDamaged = 6,          // verify found damage
  kExitRejected = 7,         // a business rule rejected the command
  kExitRetryLater = 8,       // an outside system (payment gateway, mail) is unavailable
};

struct Context {
  std::string data_dir;
  // Set by the chosen subcommand; returns the exit code.
  std::function<int()> run;
};

int ExitCodeFor(const Status& status);
// Prints "cairn: error: <message>" on one line to stderr; returns the exit code.
int Fail(const Status& status);

// The store for a command that writes (takes the writer lock) or only reads
// (a read-only instance, beside a running writer if there is one).
Result<std::unique_ptr<EventStore>> OpenForWriting(const Context& context);
Result<std::unique_ptr<EventStore>> OpenForReading(const Context& context);

// True once SIGINT or SIGTERM arrived, after InstallStopSignals().
void InstallStopSignals();
bool StopRequested();

void AddAppendCommand(CLI::App& app, Context& context);
void AddReadCommands(CLI::App& app, Context& context);
void AddAdminCommands(CLI::App& app, Context& context);
void AddBenchCommand(CLI::App& app, Context& context);
void AddDomainCommands(CLI::App& app, Context& context);
void AddNodeCommands(CLI::App& app, Context& context);
void AddProjectionCommands(CLI::App& app, Context& context);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CAIRN_CLI_H_
