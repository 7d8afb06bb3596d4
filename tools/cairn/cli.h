// What every `cairn` command shares: the data dir, exit codes, error output.
#ifndef CAIRN_TOOLS_CAIRN_CLI_H_
#define CAIRN_TOOLS_CAIRN_CLI_H_

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <istream>
#include <memory>
#include <string>

#include "store/event_store.h"

namespace cairn::cli {

// Exit codes, one per status code, as documented in the README. 8 is no
// longer used: an outside system that is down is Unavailable, exit 5.
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,      // Internal: a bug
  kExitInvalid = 2,       // InvalidArgument, AlreadyExists: fix the input
  kExitWrongVersion = 3,  // Aborted: a concurrent writer won
  kExitNotFound = 4,      // NotFound
  kExitUnavailable = 5,   // Unavailable: locked, down or stopped; retry later
  kExitDamaged = 6,       // DataLoss
  kExitRejected = 7,      // FailedPrecondition: a business rule said no
  kExitExhausted = 9,     // ResourceExhausted: out of space or over a limit
  kExitDenied = 10,       // PermissionDenied
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
Result<std::unique_ptr<EventStore>> OpenForWriting(const Context& context, const StoreOptions& options = {});
Result<std::unique_ptr<EventStore>> OpenForReading(const Context& context);

// Reads all of `in`, up to `limit` bytes: InvalidArgument naming `what` past
// it, so that /dev/zero or an endless pipe cannot grow the process without bound.
Result<std::string> ReadBounded(std::istream& in, size_t limit, const std::string& what);

// "250ms", "10s", "2m", or a plain number of milliseconds.
Result<std::chrono::milliseconds> ParseDuration(const std::string& text);
// A CLI11 check for a whole decimal number from `min` up to 2^64-1: no sign,
// no fraction, no overflow, and a message that says so.
CLI::Validator WholeNumber(uint64_t min);
// A CLI11 transform that turns a duration (ParseDuration) into milliseconds.
CLI::Validator Duration();

// Writes to stdout; false once the reader has gone (a closed pipe), so that
// a command can stop quietly, as `replay | head -1` expects.
bool WriteOut(std::string_view text);

// True once SIGINT or SIGTERM arrived, after InstallStopSignals().
void InstallStopSignals();
bool StopRequested();
// Blocks until SIGINT or SIGTERM arrives, after InstallStopSignals().
void WaitForStopSignal();

void AddAppendCommand(CLI::App& app, Context& context);
void AddReadCommands(CLI::App& app, Context& context);
void AddAdminCommands(CLI::App& app, Context& context);
void AddBenchCommand(CLI::App& app, Context& context);
void AddDomainCommands(CLI::App& app, Context& context);
void AddNodeCommands(CLI::App& app, Context& context);
void AddProjectionCommands(CLI::App& app, Context& context);
void AddSagaCommands(CLI::App& app, Context& context);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CAIRN_CLI_H_
