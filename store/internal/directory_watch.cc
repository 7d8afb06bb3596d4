#include "store/internal/directory_watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace cairn::internal {

DirectoryWatch::DirectoryWatch(const std::string& path) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) return;
  if (inotify_add_watch(fd_, path.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
    close(fd_);
    fd_ = -1;
  }
}

DirectoryWatch::~DirectoryWatch() {
  if (fd_ >= 0) close(fd_);
}

void DirectoryWatch::Wait(std::chrono::milliseconds timeout) {
  pollfd ready{fd_, POLLIN, 0};
  if (poll(fd_ >= 0 ? &ready : nullptr, fd_ >= 0 ? 1 : 0, static_cast<int>(timeout.count())) <= 0) return;
  // Drain what arrived: the caller looks at the folder's contents, not at the events.
  alignas(inotify_event) char buffer[4096];
  while (read(fd_, buffer, sizeof(buffer)) > 0) {
  }
}

}  // namespace cairn::internal
