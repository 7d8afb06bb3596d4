// CatchUpSubscription: reads history in pages, then follows live appends, with
// no gap and no duplicate. The consumer pulls, so a slow consumer only ever
// holds one page.
//
// Not thread-safe: one consumer thread per subscription.
#ifndef CAIRN_STORE_SUBSCRIPTION_H_
#define CAIRN_STORE_SUBSCRIPTION_H_

#include <chrono>
#include <string>
#include <vector>

#include "store/event_store.h"

namespace cairn {

struct SubscriptionOptions {
  // First global position delivered; a checkpoint's position + 1 resumes after it.
  uint64_t from_position = 1;
  // Only these categories' events, merged in global order, when not empty:
  // each is read through the store's category index, so the events of the
  // others cost nothing. next_position() still moves past them.
  std::vector<std::string> categories;
  size_t page_size = 1024;
};

class CatchUpSubscription {
 public:
  CatchUpSubscription(EventStore& store, SubscriptionOptions options);

  // The next events in global order. When the subscriber has caught up it
  // waits up to `timeout` for new commits; an empty page means none came.
  Result<std::vector<RecordedEvent>> Next(std::chrono::milliseconds timeout);

  // The global position the next page starts from.
  uint64_t next_position() const { return next_position_; }
  EventStore& store() const { return store_; }

 private:
  Result<std::vector<RecordedEvent>> ReadPage();
  // One page of each category, merged, cut where every category is complete.
  Result<std::vector<RecordedEvent>> ReadCategories(uint64_t head);

  EventStore& store_;
  SubscriptionOptions options_;
  uint64_t next_position_;
};

}  // namespace cairn

#endif  // CAIRN_STORE_SUBSCRIPTION_H_
