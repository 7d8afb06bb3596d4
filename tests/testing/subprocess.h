// Runs a program as a child process with its output in files, for tests of
// command-line tools.
#ifndef CAIRN_TESTS_TESTING_SUBPROCESS_H_
#define CAIRN_TESTS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace cairn::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs `program` with `args` to completion; `input` is its stdin.
ProcessResult Run(const std::string& program, const std::vector<std::string>& args,
                  const std::string& input = "", const std::vector<std::string>& env = {});

// A child left running, its stdout and stderr going to files that can be read meanwhile.
class Child {
 public:
  // `env`: NAME=value pairs over this process's environment.
  Child(const std::string& program, const std::vector<std::string>& args, const std::vector<std::string>& env = {});
  ~Child();  // kills the child if it still runs
  std::string Stdout() const;
  std::string Stderr() const;
  // Sends `signal`, waits, returns the exit code (-1 when the signal killed it);
  // for a child that ended already, the code it ended with.
  int Stop(int signal);
  // Waits for the child to end by itself; its exit code.
  int Wait();
  // True while the child runs; false once it ended (it is reaped).
  bool Running();
  // The signal that ended it, as Running() saw; 0 when it exited.
  int end_signal() const { return end_signal_; }

 private:
  pid_t pid_ = -1;
  int ended_with_ = -1;  // the exit code Running() saw
  int end_signal_ = 0;
  std::string dir_;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_TESTING_SUBPROCESS_H_
