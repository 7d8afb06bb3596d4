// SagaFeed: where an orchestrator hears the events that start and cancel
// saga instances. In one node that is the store (NewStoreFeed: a catch-up
// subscription per category, its checkpoint in the store); across services
// it would be Kafka. A feed moves its checkpoint only past events that the
// orchestrator acknowledged, which it does once each reaction is durable.
//
// Thread safety: an acknowledgement may come from any thread.
#ifndef CAIRN_SAGAS_FEED_H_
#define CAIRN_SAGAS_FEED_H_

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "engine/runtime.h"
#include "store/event_store.h"

namespace cairn::sagas {

class SagaFeed {
 public:
  using Ack = std::function<void()>;
  // Called once per event, in order within a category; `ack` once per event.
  using Deliver = std::function<void(const RecordedEvent& event, Ack ack)>;

  virtual ~SagaFeed() = default;
  virtual Status Start(Runtime& runtime, const std::set<std::string>& categories, Deliver deliver) = 0;
  // Returns once nothing more is delivered; saves what was acknowledged.
  virtual void Stop() = 0;
};

// Follows each category of the store from its checkpoint
// "<checkpoint_prefix>.<category>", a page of up to `page` events at a time.
std::unique_ptr<SagaFeed> NewStoreFeed(EventStore& store, std::string checkpoint_prefix, size_t page);

}  // namespace cairn::sagas

#endif  // CAIRN_SAGAS_FEED_H_
