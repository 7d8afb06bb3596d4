// ServiceProcess: the order service as a child process of the demo, so the
// demo talks to it over real HTTP as any client does. Its stdout (where it
// says where it listens) comes through a pipe; its log goes to a file.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_DEMO_SERVICE_PROCESS_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_DEMO_SERVICE_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "store/status.h"

namespace cairn::demo {

class ServiceProcess {
 public:
  // Starts `program` with `env` over this process's environment, its
  // stderr appended to `log_path`.
  static Result<std::unique_ptr<ServiceProcess>> Start(const std::string& program,
                                                       const std::map<std::string, std::string>& env,
                                                       const std::string& log_path);
  ~ServiceProcess();  // SIGKILLs and reaps a child still running

  // The rest of the first stdout line that starts with `prefix`;
  // Unavailable when the child ends or `timeout` passes first.
  Result<std::string> WaitForLine(const std::string& prefix, std::chrono::milliseconds timeout);
  void Signal(int signal);
  // Its exit code (128 + n when signal n ended it), or nullopt while it
  // still runs after `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  ServiceProcess(pid_t pid, int out, int pidfd) : pid_(pid), out_(out), pidfd_(pidfd) {}

  pid_t pid_;
  int out_;    // its stdout
  int pidfd_;  // readable once it ended
  std::string pending_;
  std::optional<int> exit_code_;
};

}  // namespace cairn::demo

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_DEMO_SERVICE_PROCESS_H_
