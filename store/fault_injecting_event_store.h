// FaultInjectingEventStore: an EventStore that passes every call on to
// another one, except those it was told to fail or slow down. For tests of
// the layers above the store (as LevelDB's EnvWrapper is for its Env):
//
//   auto base = NewMemoryEventStore();
//   FaultInjectingEventStore store(*base);
//   store.FailNth(StoreOperation::kAppend, 2, UnavailableError("disk away"));
//   store.FailUntilHealed(StoreOperation::kRead, UnavailableError("down"));
//   ...
//   store.Heal();
//
// A failed call reaches nothing: the wrapped store is left as it was, so a
// failed append wrote nothing; only a lost reply (LoseNthReply) reaches it.
// HeadPosition and WaitForHead pass through.
//
// Thread safety: as EventStore; faults may be set from any thread.
#ifndef CAIRN_STORE_FAULT_INJECTING_EVENT_STORE_H_
#define CAIRN_STORE_FAULT_INJECTING_EVENT_STORE_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "store/event_store.h"
#include "store/event_store_wrapper.h"

namespace cairn {

// The kinds of call a fault can target.
enum class StoreOperation {
  kAppend,
  kRead,  // ReadStream, ReadAll, ReadAllRecords, ReadCategory, ReadEvent, GetStreamHead, ListStreams
  kSaveCheckpoint,
  kLoadCheckpoint,
  kSnapshot,  // SaveSnapshot, LoadSnapshot, DeleteSnapshot
  kSchema,    // SaveSchema, LoadSchema
  kStats,     // Stats, Verify
};
inline constexpr size_t kStoreOperations = 7;

class FaultInjectingEventStore final : public EventStoreWrapper {
 public:
  using EventStoreWrapper::EventStoreWrapper;

  // The `n`th call of `operation` from now (1 is the next one) returns
  // `status` instead of reaching the store; the calls around it pass.
  void FailNth(StoreOperation operation, uint64_t n, Status status);
  // The `n`th call of `operation` from now reaches the store, and then
  // returns `status` instead of the store's answer: a reply lost on the way,
  // so an append took effect that its caller saw fail.
  void LoseNthReply(StoreOperation operation, uint64_t n, Status status);
  // Every call of `operation` returns `status` until Heal().
  void FailUntilHealed(StoreOperation operation, Status status);
  // Every call of `operation` waits `latency` before it goes on.
  void AddLatency(StoreOperation operation, std::chrono::milliseconds latency);
  // Removes every fault and latency.
  void Heal();

  // Calls of `operation` so far, failed ones included.
  uint64_t calls(StoreOperation operation) const;
  // Calls that got an injected status instead of the store's answer.
  uint64_t injected() const;

  Result<AppendResult> Append(const std::vector<StreamAppend>& appends) override;
  using EventStore::Append;
  // Counted, failed and delayed as Append (the latency on the caller's thread).
  void AppendAsync(std::vector<StreamAppend> appends, AppendCallback done) override;
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, const ReadStreamOptions& options) override;
  Result<std::vector<RecordedEvent>> ReadAll(uint64_t from_position, size_t max_count) override;
  Result<std::vector<std::string>> ReadAllRecords(uint64_t from_position, size_t max_count) override;
  Result<std::vector<RecordedEvent>> ReadCategory(std::string_view category, uint64_t from_position,
                                                  size_t max_count) override;
  Result<RecordedEvent> ReadEvent(const Uuid& event_id) override;
  Result<StreamHeadInfo> GetStreamHead(std::string_view stream) override;
  Result<std::vector<StreamHeadInfo>> ListStreams(std::string_view category, std::string_view after,
                                                  size_t max_count) override;
  Status SaveCheckpoint(std::string_view name, const Checkpoint& checkpoint) override;
  Result<std::optional<Checkpoint>> LoadCheckpoint(std::string_view name) override;
  Status SaveSnapshot(std::string_view stream, const Snapshot& snapshot) override;
  Result<std::optional<Snapshot>> LoadSnapshot(std::string_view stream) override;
  Status DeleteSnapshot(std::string_view stream) override;
  Status SaveSchema(std::string_view type_name, std::string_view descriptor_set) override;
  Result<std::optional<std::string>> LoadSchema(std::string_view type_name) override;
  Result<StoreStats> Stats() override;
  Result<VerifyReport> Verify(const VerifyOptions& options) override;

 private:
  struct Faults {
    uint64_t calls = 0;
    std::map<uint64_t, Status> nth;           // by the call number that fails
    std::map<uint64_t, Status> lost_replies;  // by the call number whose reply is lost
    std::optional<Status> until_healed;
    std::chrono::milliseconds latency{0};
  };
  struct Injection {
    Status before = OkStatus();  // returned instead of calling the store
    Status after = OkStatus();   // returned instead of the store's answer
  };
  // Counts the call, waits its latency, and says what to inject.
  Injection Enter(StoreOperation operation);
  template <typename Call>
  auto Pass(StoreOperation operation, Call call) -> decltype(call()) {
    Injection injection = Enter(operation);
    if (!injection.before.ok()) return injection.before;
    auto answer = call();
    if (!injection.after.ok()) return injection.after;
    return answer;
  }

  mutable std::mutex mu_;
  std::array<Faults, kStoreOperations> faults_;
  uint64_t injected_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_STORE_FAULT_INJECTING_EVENT_STORE_H_
