// The kill -9 harness of the store's crash tests: runs crash_appender as a
// child process, kills it, and returns what it acknowledged.
#ifndef CAIRN_TESTS_STORE_CRASH_HARNESS_H_
#define CAIRN_TESTS_STORE_CRASH_HARNESS_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/acknowledged.h"

namespace cairn::testing {

inline int Cycles() {
  const char* value = std::getenv("STORE_CRASH_CYCLES");
  return value ? std::max(1, std::atoi(value)) : 25;
}

// Runs the appender for `run_for`, kills it with SIGKILL, returns what it acknowledged.
// With `at_least`, it runs on past `run_for` (up to a minute) until more than that many
// events were acknowledged, so that a loaded machine still gives a test its events.
// With `in_flight`, the appender keeps that many asynchronous appends outstanding.
inline std::vector<Acknowledged> RunAndKill(const std::string& dir, unsigned seed, std::chrono::milliseconds run_for,
                                            size_t at_least = 0, int in_flight = 0) {
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  if (child == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::string seed_text = std::to_string(seed), in_flight_text = std::to_string(in_flight);
    execl(CRASH_APPENDER_PATH, "crash_appender", dir.c_str(), seed_text.c_str(),
          in_flight > 0 ? in_flight_text.c_str() : nullptr, nullptr);
    _exit(127);
  }
  close(pipe_fds[1]);
  fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  std::string received;
  char buffer[65536];
  const auto kill_at = std::chrono::steady_clock::now() + run_for;
  const auto give_up = kill_at + std::chrono::minutes(1);
  auto enough = [&] { return at_least == 0 || size_t(std::count(received.begin(), received.end(), '\n')) > at_least; };
  while (std::chrono::steady_clock::now() < kill_at || (!enough() && std::chrono::steady_clock::now() < give_up)) {
    ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
    if (n > 0) received.append(buffer, n);
    else std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status)) << "the appender stopped by itself with status " << status;
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0;) received.append(buffer, n);
  close(pipe_fds[0]);

  return ParseAcknowledged(received);
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_STORE_CRASH_HARNESS_H_
