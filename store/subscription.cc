#include "store/subscription.h"

#include <algorithm>

namespace cairn {

CatchUpSubscription::CatchUpSubscription(EventStore& store, SubscriptionOptions options)
    : store_(store), options_(std::move(options)), next_position_(std::max<uint64_t>(options_.from_position, 1)) {
  // An empty page means "caught up"; a page size of 0 would skip everything.
  options_.page_size = std::max<size_t>(options_.page_size, 1);
}

Result<std::vector<RecordedEvent>> CatchUpSubscription::ReadPage() {
  // The head is read before the page: every event at or below it is visible
  // to the read, so a page that comes back empty proves nothing is missing up
  // to the head and the subscription may move past it.
  const uint64_t head = store_.HeadPosition();
  CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> page,
                         options_.category.empty()
                             ? store_.ReadAll(next_position_, options_.page_size)
                             : store_.ReadCategory(options_.category, next_position_, options_.page_size));
  if (!page.empty()) {
    next_position_ = page.back().position + 1;
  } else {
    next_position_ = std::max(next_position_, head + 1);
  }
  return page;
}

Result<std::vector<RecordedEvent>> CatchUpSubscription::Next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> page, ReadPage());
    if (!page.empty()) return page;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return page;
    store_.WaitForHead(next_position_ - 1,
                       std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
  }
}

}  // namespace cairn
