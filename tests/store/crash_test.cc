// Kill -9 while appending: every acknowledged event survives, the log stays
// gapless and verifies. STORE_CRASH_CYCLES sets the number of cycles (the soak
// target runs many more).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <sstream>
#include <thread>

#include "store/event_store.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

struct Acknowledged {
  uint64_t position;
  std::string event_id;
  std::string stream;
  uint64_t version;
};

int Cycles() {
  const char* value = std::getenv("STORE_CRASH_CYCLES");
  return value ? std::max(1, std::atoi(value)) : 25;
}

// Runs the appender for `run_for`, kills it with SIGKILL, returns what it acknowledged.
std::vector<Acknowledged> RunAndKill(const std::string& dir, unsigned seed, std::chrono::milliseconds run_for) {
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  if (child == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::string seed_text = std::to_string(seed);
    execl(CRASH_APPENDER_PATH, "crash_appender", dir.c_str(), seed_text.c_str(), nullptr);
    _exit(127);
  }
  close(pipe_fds[1]);
  fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  std::string received;
  char buffer[65536];
  const auto kill_at = std::chrono::steady_clock::now() + run_for;
  while (std::chrono::steady_clock::now() < kill_at) {
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

  std::vector<Acknowledged> acknowledged;
  std::istringstream lines(received);
  for (std::string line; std::getline(lines, line);) {
    if (lines.eof()) break;  // a line cut by the kill was never acknowledged in full
    Acknowledged ack;
    std::istringstream fields(line);
    if (fields >> ack.position >> ack.event_id >> ack.stream >> ack.version) acknowledged.push_back(ack);
  }
  return acknowledged;
}

TEST(StoreCrash, EveryAcknowledgedAppendSurvivesKillNine) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  std::mt19937 random(20261126);
  uint64_t total_acknowledged = 0;
  const int cycles = Cycles();
  for (int cycle = 0; cycle < cycles; ++cycle) {
    auto acknowledged = RunAndKill(data, random(), std::chrono::milliseconds(30 + random() % 120));
    total_acknowledged += acknowledged.size();

    auto store = OpenEventStore(data);
    ASSERT_TRUE(store.ok()) << "cycle " << cycle << ": " << store.status().ToString();
    const uint64_t head = (*store)->HeadPosition();
    for (const Acknowledged& ack : acknowledged) {
      ASSERT_LE(ack.position, head) << "cycle " << cycle;
      auto events = (*store)->ReadAll(ack.position, 1);
      ASSERT_TRUE(events.ok() && events->size() == 1) << "cycle " << cycle << " position " << ack.position;
      const RecordedEvent& event = events->front();
      EXPECT_EQ(event.event_id.ToString(), ack.event_id);
      EXPECT_EQ(event.stream, ack.stream);
      EXPECT_EQ(event.version, ack.version);
    }
    auto report = (*store)->Verify({});
    ASSERT_TRUE(report.ok()) << "cycle " << cycle << ": " << report.status().ToString();
    EXPECT_EQ(report->events, head);
  }
  EXPECT_GT(total_acknowledged, static_cast<uint64_t>(cycles));
  std::printf("%d cycles, %llu acknowledged events checked\n", cycles,
              static_cast<unsigned long long>(total_acknowledged));
}

}  // namespace
}  // namespace cairn
