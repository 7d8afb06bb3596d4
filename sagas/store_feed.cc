// The store as a saga feed: one follower per category, each on its own
// strand, reading a page, handing its events over, and saving its
// checkpoint once every event of the page is acknowledged.
#include <atomic>
#include <spdlog/spdlog.h>
#include <vector>

#include "engine/component_driver.h"
#include "sagas/feed.h"
#include "store/subscription.h"

namespace cairn::sagas {
namespace {

class CategoryFollower final : public ComponentDriver {
 public:
  CategoryFollower(Runtime& runtime, EventStore& store, std::string checkpoint, SubscriptionOptions options,
                   SagaFeed::Deliver deliver)
      : ComponentDriver(runtime, &runtime.background()),
        store_(store),
        checkpoint_(std::move(checkpoint)),
        subscription_(store, options),
        deliver_(std::move(deliver)) {}

  void Begin() {
    Post([self = self<CategoryFollower>()] { self->Read(); });
  }

 private:
  // A page if there is one, else a wait for the next commit. The wait holds
  // the follower weakly: a follower that has ended is not woken.
  void Read() {
    if (stopping()) return;
    Result<std::vector<RecordedEvent>> page = subscription_.Next(std::chrono::milliseconds(0));
    if (!page.ok() || !page->empty()) return Deliver(std::move(page));
    store_.NotifyWhenHeadPasses(subscription_.next_position() - 1, [weak = weak_from_this()](uint64_t) {
      if (auto self = std::static_pointer_cast<CategoryFollower>(weak.lock())) self->Post([self] { self->Read(); });
    });
  }

  void Deliver(Result<std::vector<RecordedEvent>> page) {
    if (stopping()) return;
    if (!page.ok()) {
      spdlog::warn("saga feed {}: {}; reading again in 1 s", checkpoint_, page.status().message());
      return After(std::chrono::seconds(1), [this] { Read(); });
    }
    page_ = std::move(*page);
    pending_.store(page_.size() + 1);
    for (const RecordedEvent& event : page_) deliver_(event, [self = self<CategoryFollower>()] { self->Acked(); });
    Acked();  // the page's own share: a page of no events needs no other
  }

  void Acked() {
    if (pending_.fetch_sub(1) != 1) return;
    Post([self = self<CategoryFollower>()] { self->Save(); });
  }

  void Save() {
    const uint64_t position = page_.back().position;
    page_.clear();
    Blocking([this, position] { return store_.SaveCheckpoint(checkpoint_, Checkpoint{.position = position}); },
             [this](Status saved) {
               if (!saved.ok()) spdlog::warn("saga feed {}: saving the checkpoint: {}", checkpoint_, saved.message());
               Read();
             });
  }

  EventStore& store_;
  const std::string checkpoint_;
  CatchUpSubscription subscription_;
  SagaFeed::Deliver deliver_;
  std::vector<RecordedEvent> page_;
  std::atomic<size_t> pending_{0};
};

class StoreFeed final : public SagaFeed {
 public:
  StoreFeed(EventStore& store, std::string prefix, size_t page) : store_(store), prefix_(std::move(prefix)), page_(page) {}

  Status Start(Runtime& runtime, const std::set<std::string>& categories, Deliver deliver) override {
    for (const std::string& category : categories) {
      const std::string name = prefix_ + "." + category;
      CAIRN_ASSIGN_OR_RETURN(std::optional<Checkpoint> checkpoint, store_.LoadCheckpoint(name));
      SubscriptionOptions options;
      options.categories = {category};
      options.page_size = page_;
      options.from_position = checkpoint ? checkpoint->position + 1 : 1;
      followers_.push_back(std::make_shared<CategoryFollower>(runtime, store_, name, options, deliver));
    }
    for (auto& follower : followers_) follower->Begin();
    return OkStatus();
  }

  void Stop() override {
    for (auto& follower : followers_) follower->End();
    followers_.clear();
  }

 private:
  EventStore& store_;
  const std::string prefix_;
  const size_t page_;
  std::vector<std::shared_ptr<CategoryFollower>> followers_;
};

}  // namespace

std::unique_ptr<SagaFeed> NewStoreFeed(EventStore& store, std::string checkpoint_prefix, size_t page) {
  return std::make_unique<StoreFeed>(store, std::move(checkpoint_prefix), page);
}

}  // namespace cairn::sagas
