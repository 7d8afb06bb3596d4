#include "tools/cairn/cli.h"

#include <csignal>
#include <cstdio>

namespace cairn::cli {
namespace {

volatile std::sig_atomic_t stop_requested = 0;

void OnStopSignal(int) { stop_requested = 1; }

Status WithDataDirCode(Status status) {
  // Any failure to open the data dir exits 5, whatever its cause.
  if (status.code() == StatusCode::kDataLoss) return status;
  return UnavailableError(status.message());
}

}  // namespace

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists: return kExitInvalid;
    case StatusCode::kAborted: return kExitWrongVersion;
    case StatusCode::kNotFound: return kExitNotFound;
    case StatusCode::kFailedPrecondition: return kExitRejected;
    case StatusCode::kUnavailable: return kExitDataDir;
    case StatusCode::kDataLoss: return kExitDamaged;
    case StatusCode::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

int Fail(const Status& status) {
  std::string message = status.message();
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "cairn: error: %s\n", message.c_str());
  return ExitCodeFor(status);
}

Result<std::unique_ptr<EventStore>> OpenForWriting(const Context& context) {
  auto store = OpenEventStore(context.data_dir);
  if (!store.ok()) return WithDataDirCode(store.status());
  return store;
}

Result<std::unique_ptr<EventStore>> OpenForReading(const Context& context) {
  auto store = OpenEventStoreForReading(context.data_dir);
  if (!store.ok()) return WithDataDirCode(store.status());
  return store;
}

void InstallStopSignals() {
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
}

bool StopRequested() { return stop_requested != 0; }

}  // namespace cairn::cli
