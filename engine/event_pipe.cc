#include "engine/event_pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace cairn {

Result<std::unique_ptr<EventPipe>> EventPipe::Open() {
  std::unique_ptr<EventPipe> pipe(new EventPipe());
  if (::pipe2(pipe->fds_, O_NONBLOCK | O_CLOEXEC) != 0) {
    return UnavailableError(std::string("cannot make an event pipe: ") + std::strerror(errno));
  }
  return pipe;
}

EventPipe::~EventPipe() {
  for (int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
}

int EventPipe::DuplicateReadFd() const { return ::fcntl(fds_[0], F_DUPFD_CLOEXEC, 0); }

void EventPipe::Drain() const {
  char drained[256];
  while (::read(fds_[0], drained, sizeof(drained)) > 0) {
  }
}

}  // namespace cairn
