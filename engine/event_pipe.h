// EventPipe: a non-blocking pipe that a library writes to when it has
// something to serve (librdkafka's queue events), so that a component waits
// for its read end on the io_context instead of polling. The pipe must
// outlive every writer: close it only after the library handle is gone.
//
// Thread safety: Drain from the one reader; the descriptors from anywhere.
#ifndef CAIRN_ENGINE_EVENT_PIPE_H_
#define CAIRN_ENGINE_EVENT_PIPE_H_

#include <memory>

#include "store/status.h"

namespace cairn {

class EventPipe {
 public:
  static Result<std::unique_ptr<EventPipe>> Open();
  ~EventPipe();
  EventPipe(const EventPipe&) = delete;
  EventPipe& operator=(const EventPipe&) = delete;

  int write_fd() const { return fds_[1]; }
  // A copy of the read end for a waiter that closes its own (an Asio descriptor).
  int DuplicateReadFd() const;
  // Reads everything written so far.
  void Drain() const;

 private:
  EventPipe() = default;
  int fds_[2] = {-1, -1};
};

}  // namespace cairn

#endif  // CAIRN_ENGINE_EVENT_PIPE_H_
