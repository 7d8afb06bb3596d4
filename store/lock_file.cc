#include "store/lock_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>

namespace cairn {
namespace {

std::string ProgramName() {
  std::ifstream comm("/proc/self/comm");
  std::string name;
  std::getline(comm, name);
  return name.empty() ? "unknown" : name;
}

std::string HolderDescription() {
  char when[32];
  std::time_t now = std::time(nullptr);
  std::tm utc;
  gmtime_r(&now, &utc);
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return "pid " + std::to_string(getpid()) + " (" + ProgramName() + ", since " + when + ")";
}

std::string ReadHolder(int fd) {
  char holder[256] = {};
  ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);
  return n > 0 ? std::string(holder, n) : std::string();
}

}  // namespace

Result<std::unique_ptr<LockFile>> LockFile::Acquire(const std::string& path,
                                                    std::chrono::milliseconds wait) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return UnavailableError("cannot open the lock file " + path + ": " + std::strerror(errno));
  }
  // A holder that exits closes the file: inotify reports the close, so a
  // waiter wakes when the lock may be free instead of trying on a timer.
  int watch = -1;
  if (wait.count() > 0) {
    watch = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (watch >= 0 && inotify_add_watch(watch, path.c_str(), IN_CLOSE) < 0) {
      close(watch);
      watch = -1;
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) break;
    const int error = errno;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (error != EWOULDBLOCK || watch < 0 || left.count() <= 0) {
      std::string who = ReadHolder(fd);
      close(fd);
      if (watch >= 0) close(watch);
      if (error != EWOULDBLOCK) return UnavailableError("cannot lock " + path + ": " + std::strerror(error));
      return UnavailableError("locked for writing by " + (who.empty() ? "another process" : who) +
                              (wait.count() > 0 ? " (waited " + std::to_string(wait.count()) + " ms)" : ""));
    }
    pollfd ready{watch, POLLIN, 0};
    if (poll(&ready, 1, static_cast<int>(left.count())) > 0) {
      char events[4096];
      while (read(watch, events, sizeof(events)) > 0) {
      }
    }
  }
  if (watch >= 0) close(watch);
  std::string holder = HolderDescription();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, holder.data(), holder.size(), 0) < 0) {
    // The lock holds even when the description cannot be written.
  }
  return std::unique_ptr<LockFile>(new LockFile(fd));
}

std::optional<LockFile::Holder> LockFile::FindHolder(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
    flock(fd, LOCK_UN);
    close(fd);
    return std::nullopt;
  }
  Holder holder;
  holder.description = ReadHolder(fd);
  close(fd);
  if (holder.description.rfind("pid ", 0) == 0) holder.pid = std::atoi(holder.description.c_str() + 4);
  if (holder.description.empty()) holder.description = "another process";
  return holder;
}

LockFile::~LockFile() {
  flock(fd_, LOCK_UN);
  close(fd_);
}

}  // namespace cairn
