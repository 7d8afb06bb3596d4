// cairn: the operator's tool for a Cairn data dir.
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "engine/logging.h"
#include "tools/cairn/cli.h"

int main(int argc, char** argv) {
  using namespace cairn::cli;
  // A closed pipe (`cairn replay | head -1`) is an error on write, not a
  // signal that kills the tool before it cleans up.
  std::signal(SIGPIPE, SIG_IGN);
  // Log lines go to stderr, warnings and worse: stdout carries the output.
  // `cairn run` sets its own level and format from the configuration.
  (void)cairn::ConfigureLogging({.level = "warn"});
  Context context;
  const char* env_dir = std::getenv("CAIRN_DATA_DIR");
  context.data_dir = env_dir && *env_dir ? env_dir : "./cairn-data";

  CLI::App app{"cairn — the event store's command-line tool", "cairn"};
  app.add_option("--data-dir", context.data_dir, "Data dir (default: $CAIRN_DATA_DIR, else ./cairn-data)");
  app.require_subcommand(1);
  AddAppendCommand(app, context);
  AddReadCommands(app, context);
  AddAdminCommands(app, context);
  AddDomainCommands(app, context);
  AddNodeCommands(app, context);
  AddProjectionCommands(app, context);
  AddSagaCommands(app, context);
  AddBenchCommand(app, context);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "cairn: error: %s (see cairn --help)\n", error.what());
    return kExitInvalid;
  }
  try {
    return context.run ? context.run() : kExitInvalid;
  } catch (const std::exception& error) {
    // Third-party code may throw; it still ends as one line and a code.
    std::fprintf(stderr, "cairn: error: %s\n", error.what());
    return kExitInternal;
  }
}
