#include "tools/cairn/cli.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace cairn::cli {
namespace {

volatile std::sig_atomic_t stop_requested = 0;
// The signal handler writes a byte here, so that a waiter sleeps in read().
int stop_pipe[2] = {-1, -1};

void OnStopSignal(int) {
  stop_requested = 1;
  if (stop_pipe[1] >= 0) {
    const char byte = 1;
    (void)!write(stop_pipe[1], &byte, 1);  // async-signal-safe
  }
}

}  // namespace

// The one place where a code becomes an exit code (README, Exit codes).
int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists: return kExitInvalid;
    case StatusCode::kAborted: return kExitWrongVersion;
    case StatusCode::kNotFound: return kExitNotFound;
    case StatusCode::kUnavailable: return kExitUnavailable;
    case StatusCode::kDataLoss: return kExitDamaged;
    case StatusCode::kFailedPrecondition: return kExitRejected;
    case StatusCode::kResourceExhausted: return kExitExhausted;
    case StatusCode::kPermissionDenied: return kExitDenied;
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

Result<std::unique_ptr<EventStore>> OpenForWriting(const Context& context, const StoreOptions& options) {
  return OpenEventStore(context.data_dir, options);
}

Result<std::unique_ptr<EventStore>> OpenForReading(const Context& context) {
  return OpenEventStoreForReading(context.data_dir);
}

Result<std::string> ReadBounded(std::istream& in, size_t limit, const std::string& what) {
  std::string out;
  char buffer[64 << 10];
  while (in) {
    in.read(buffer, sizeof(buffer));
    out.append(buffer, static_cast<size_t>(in.gcount()));
    if (out.size() > limit) {
      return InvalidArgumentError(what + " is larger than " + std::to_string(limit) + " bytes, the largest event");
    }
  }
  if (in.bad()) return InvalidArgumentError("cannot read " + what);
  return out;
}

Result<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string unit = text.substr(digits);
  const uint64_t scale = unit.empty() || unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : 0;
  if (digits == 0 || digits > 9 || scale == 0) {
    return InvalidArgumentError("'" + text + "' is not a duration (250ms, 10s, 2m)");
  }
  return std::chrono::milliseconds(std::stoull(text.substr(0, digits)) * scale);
}

CLI::Validator WholeNumber(uint64_t min) {
  const std::string range = "a whole number from " + std::to_string(min) + " to 18446744073709551615";
  return CLI::Validator(
      [min, range](std::string& text) -> std::string {
        if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) {
          return "'" + text + "' is not " + range;
        }
        errno = 0;
        const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE || value < min) return "'" + text + "' is not " + range;
        return std::string();
      },
      range);
}

CLI::Validator Duration() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        Result<std::chrono::milliseconds> parsed = ParseDuration(text);
        if (!parsed.ok()) return parsed.status().message();
        text = std::to_string(parsed->count());
        return std::string();
      },
      "DURATION");
}

bool WriteOut(std::string_view text) {
  return std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
}

void InstallStopSignals() {
  if (stop_pipe[0] < 0 && pipe2(stop_pipe, O_CLOEXEC) != 0) stop_pipe[0] = stop_pipe[1] = -1;
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
}

bool StopRequested() { return stop_requested != 0; }

void WaitForStopSignal() {
  char byte;
  while (!StopRequested()) {
    if (stop_pipe[0] < 0) return;  // no pipe: nothing to wait on
    if (read(stop_pipe[0], &byte, 1) < 0 && errno != EINTR) return;
  }
}

}  // namespace cairn::cli
