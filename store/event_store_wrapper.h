// EventStoreWrapper: an EventStore that passes every call on to another one,
// as LevelDB's EnvWrapper does for its Env. Derive from it and override only
// the calls to change (a fault injector, a tracer, a test adapter).
//
// Thread safety: that of the wrapped store.
#ifndef CAIRN_STORE_EVENT_STORE_WRAPPER_H_
#define CAIRN_STORE_EVENT_STORE_WRAPPER_H_

#include <memory>
#include <utility>

#include "store/event_store.h"

namespace cairn {

class EventStoreWrapper : public EventStore {
 public:
  // `base` must outlive the wrapper.
  explicit EventStoreWrapper(EventStore& base) : base_(base) {}
  // Owns `base`.
  explicit EventStoreWrapper(std::unique_ptr<EventStore> base) : owned_(std::move(base)), base_(*owned_) {}

  EventStore& base() { return base_; }

  using EventStore::Append;
  Result<AppendResult> Append(const std::vector<StreamAppend>& appends) override { return base_.Append(appends); }
  void AppendAsync(std::vector<StreamAppend> appends, AppendCallback done) override {
    base_.AppendAsync(std::move(appends), std::move(done));
  }
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, const ReadStreamOptions& options) override {
    return base_.ReadStream(stream, options);
  }
  Result<std::vector<RecordedEvent>> ReadAll(uint64_t from_position, size_t max_count) override {
    return base_.ReadAll(from_position, max_count);
  }
  Result<std::vector<std::string>> ReadAllRecords(uint64_t from_position, size_t max_count) override {
    return base_.ReadAllRecords(from_position, max_count);
  }
  Result<std::vector<RecordedEvent>> ReadCategory(std::string_view category, uint64_t from_position,
                                                  size_t max_count) override {
    return base_.ReadCategory(category, from_position, max_count);
  }
  Result<RecordedEvent> ReadEvent(const Uuid& event_id) override { return base_.ReadEvent(event_id); }
  Result<StreamHeadInfo> GetStreamHead(std::string_view stream) override { return base_.GetStreamHead(stream); }
  Result<std::vector<StreamHeadInfo>> ListStreams(std::string_view category, std::string_view after,
                                                  size_t max_count) override {
    return base_.ListStreams(category, after, max_count);
  }
  uint64_t HeadPosition() override { return base_.HeadPosition(); }
  uint64_t WaitForHead(uint64_t position, std::chrono::milliseconds timeout) override {
    return base_.WaitForHead(position, timeout);
  }
  void NotifyWhenHeadPasses(uint64_t position, HeadCallback done) override {
    base_.NotifyWhenHeadPasses(position, std::move(done));
  }
  Status SaveCheckpoint(std::string_view name, const Checkpoint& checkpoint) override {
    return base_.SaveCheckpoint(name, checkpoint);
  }
  Result<std::optional<Checkpoint>> LoadCheckpoint(std::string_view name) override {
    return base_.LoadCheckpoint(name);
  }
  Status SaveSnapshot(std::string_view stream, const Snapshot& snapshot) override {
    return base_.SaveSnapshot(stream, snapshot);
  }
  Result<std::optional<Snapshot>> LoadSnapshot(std::string_view stream) override { return base_.LoadSnapshot(stream); }
  Status DeleteSnapshot(std::string_view stream) override { return base_.DeleteSnapshot(stream); }
  Status SaveSchema(std::string_view type_name, std::string_view descriptor_set) override {
    return base_.SaveSchema(type_name, descriptor_set);
  }
  Result<std::optional<std::string>> LoadSchema(std::string_view type_name) override {
    return base_.LoadSchema(type_name);
  }
  Result<StoreStats> Stats() override { return base_.Stats(); }
  Result<VerifyReport> Verify(const VerifyOptions& options) override { return base_.Verify(options); }

 private:
  std::unique_ptr<EventStore> owned_;
  EventStore& base_;
};

}  // namespace cairn

#endif  // CAIRN_STORE_EVENT_STORE_WRAPPER_H_
