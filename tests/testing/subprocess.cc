#include "tests/testing/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace cairn::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

std::string MakeDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cairn-proc-XXXXXX").string();
  return mkdtemp(pattern.data());
}

pid_t Spawn(const std::string& program, const std::vector<std::string>& args, const std::string& dir,
            const std::vector<std::string>& env) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int in = open((dir + "/in").c_str(), O_RDONLY | O_CREAT, 0644);
  int out = open((dir + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err = open((dir + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(in, STDIN_FILENO);
  dup2(out, STDOUT_FILENO);
  dup2(err, STDERR_FILENO);
  for (const std::string& pair : env) putenv(const_cast<char*>(pair.c_str()));
  std::vector<char*> argv{const_cast<char*>(program.c_str())};
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  execv(program.c_str(), argv.data());
  _exit(127);
}

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

ProcessResult Run(const std::string& program, const std::vector<std::string>& args, const std::string& input,
                  const std::vector<std::string>& env) {
  const std::string dir = MakeDir();
  std::ofstream(dir + "/in", std::ios::binary) << input;
  pid_t pid = Spawn(program, args, dir, env);
  int status = 0;
  waitpid(pid, &status, 0);
  ProcessResult result{ExitCode(status), Slurp(dir + "/out"), Slurp(dir + "/err")};
  std::filesystem::remove_all(dir);
  return result;
}

Child::Child(const std::string& program, const std::vector<std::string>& args, const std::vector<std::string>& env)
    : dir_(MakeDir()) {
  pid_ = Spawn(program, args, dir_, env);
}

Child::~Child() {
  if (pid_ > 0) Stop(SIGKILL);
  std::filesystem::remove_all(dir_);
}

std::string Child::Stdout() const { return Slurp(dir_ + "/out"); }
std::string Child::Stderr() const { return Slurp(dir_ + "/err"); }

int Child::Wait() {
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitCode(status);
}

bool Child::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == 0) return true;
  pid_ = -1;
  ended_with_ = ExitCode(status);
  end_signal_ = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return false;
}

int Child::Stop(int signal) {
  if (pid_ <= 0) return ended_with_;  // ended already: no pid to signal
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitCode(status);
}

}  // namespace cairn::testing
