// WriteScheduler: pages of events read once, written into several read
// models by a few threads. Each read model takes the pages in order, one at
// a time, but any thread may write it; a free thread takes the read model
// that is furthest behind. Fair time slices would starve the heaviest read
// model, which then decides how long the whole rebuild takes.
//
// A page is kept until every read model is past it, and the reader waits
// while `max_pages` are kept, so memory stays bounded.
//
// Thread safety: Push and Close from the reader; Work from each writer.
#ifndef CAIRN_PROJECTIONS_INTERNAL_WRITE_SCHEDULER_H_
#define CAIRN_PROJECTIONS_INTERNAL_WRITE_SCHEDULER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "store/event.h"
#include "store/status.h"

namespace cairn::projections::internal {

using Page = std::vector<RecordedEvent>;

class WriteScheduler {
 public:
  // Writes `page` into read model `model`.
  using WriteFn = std::function<Status(size_t model, const Page& page)>;

  WriteScheduler(size_t models, size_t max_pages);

  // Waits for room, then queues `page` for every read model. False once a
  // write has failed: the reader should stop.
  bool Push(std::shared_ptr<const Page> page);
  // No more pages: Work returns once every queued page is written.
  void Close();
  // A writer thread's loop: writes until closed and drained, or a failure.
  void Work(const WriteFn& write);
  // The last global position written into every read model.
  uint64_t written() const;
  // The first failure of a write (or one given to Fail), else OK.
  Status error() const;
  void Fail(Status error);

 private:
  struct Task {
    size_t model;
    std::shared_ptr<const Page> page;
  };
  // The free read model with a page to write that is furthest behind.
  std::optional<Task> NextTask();
  bool Drained() const;
  uint64_t end() const { return first_ + pages_.size(); }

  const size_t max_pages_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<const Page>> pages_;
  uint64_t first_ = 0;          // the sequence number of pages_.front()
  std::vector<uint64_t> next_;  // per read model: the sequence number of its next page
  std::vector<bool> busy_;      // per read model: a thread is writing it
  bool closed_ = false;
  uint64_t written_ = 0;
  Status error_;
};

}  // namespace cairn::projections::internal

#endif  // CAIRN_PROJECTIONS_INTERNAL_WRITE_SCHEDULER_H_
