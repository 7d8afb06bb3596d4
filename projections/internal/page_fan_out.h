// PageFanOut: one reader hands the same pages of events to several
// consumers, each on its own thread, in order. A page is kept until every
// consumer is past it, and the reader waits while `max_pages` are kept, so
// memory stays bounded when a consumer is slower than the log.
//
// Thread safety: Push and Close from the reader; Next, Done and Fail from
// the consumers; everything else from any thread.
#ifndef CAIRN_PROJECTIONS_INTERNAL_PAGE_FAN_OUT_H_
#define CAIRN_PROJECTIONS_INTERNAL_PAGE_FAN_OUT_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "store/event.h"
#include "store/status.h"

namespace cairn::projections::internal {

using Page = std::vector<RecordedEvent>;

class PageFanOut {
 public:
  PageFanOut(size_t consumers, size_t max_pages);

  // Waits for room, then offers `page` to every consumer. False once a
  // consumer has failed: the reader should stop.
  bool Push(std::shared_ptr<const Page> page);
  // No more pages: consumers drain what is queued, then Next returns null.
  void Close();

  // The consumer's next page; null when closed and drained, or failed.
  std::shared_ptr<const Page> Next(size_t consumer);
  // The consumer has applied the page Next gave it.
  void Done(size_t consumer);
  // Records the first failure; every wait ends.
  void Fail(Status error);
  Status error() const;

 private:
  uint64_t end() const { return first_ + pages_.size(); }

  const size_t max_pages_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<const Page>> pages_;
  uint64_t first_ = 0;          // the sequence number of pages_.front()
  std::vector<uint64_t> next_;  // per consumer: the sequence number of its next page
  bool closed_ = false;
  Status error_;
};

}  // namespace cairn::projections::internal

#endif  // CAIRN_PROJECTIONS_INTERNAL_PAGE_FAN_OUT_H_
