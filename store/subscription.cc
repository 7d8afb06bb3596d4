#include "store/subscription.h"

#include <algorithm>
#include <iterator>

namespace cairn {

CatchUpSubscription::CatchUpSubscription(EventStore& store, SubscriptionOptions options)
    : store_(store), options_(std::move(options)), next_position_(std::max<uint64_t>(options_.from_position, 1)) {
  // An empty page means "caught up"; a page size of 0 would skip everything.
  options_.page_size = std::max<size_t>(options_.page_size, 1);
  std::sort(options_.categories.begin(), options_.categories.end());
  options_.categories.erase(std::unique(options_.categories.begin(), options_.categories.end()),
                            options_.categories.end());
}

Result<std::vector<RecordedEvent>> CatchUpSubscription::ReadPage() {
  // The head is read before the page: every event at or below it is visible
  // to the read, so a page that comes back empty proves nothing is missing up
  // to the head and the subscription may move past it.
  const uint64_t head = store_.HeadPosition();
  CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> page, options_.categories.empty()
                                                               ? store_.ReadAll(next_position_, options_.page_size)
                                                               : ReadCategories(head));
  if (!page.empty()) {
    next_position_ = std::max(next_position_, page.back().position + 1);
  } else {
    next_position_ = std::max(next_position_, head + 1);
  }
  return page;
}

Result<std::vector<RecordedEvent>> CatchUpSubscription::ReadCategories(uint64_t head) {
  // A category whose page came back full is complete only up to its last
  // event; one that came back short, up to the head read before (a later
  // read may see more, but then another category's read may not have).
  uint64_t complete = head;
  std::vector<RecordedEvent> merged;
  for (const std::string& category : options_.categories) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> page,
                           store_.ReadCategory(category, next_position_, options_.page_size));
    if (page.size() == options_.page_size) complete = std::min(complete, page.back().position);
    std::move(page.begin(), page.end(), std::back_inserter(merged));
  }
  std::erase_if(merged, [complete](const RecordedEvent& event) { return event.position > complete; });
  std::sort(merged.begin(), merged.end(), [](const RecordedEvent& a, const RecordedEvent& b) {
    return a.position < b.position;
  });
  if (merged.size() > options_.page_size) {
    merged.resize(options_.page_size);  // complete up to its last event: ReadPage goes on from there
  } else {
    next_position_ = std::max(next_position_, complete + 1);  // every event up to `complete` is here
  }
  return merged;
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
