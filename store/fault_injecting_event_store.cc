#include "store/fault_injecting_event_store.h"

#include <algorithm>
#include <thread>

namespace cairn {

void FaultInjectingEventStore::FailNth(StoreOperation operation, uint64_t n, Status status) {
  std::lock_guard lock(mu_);
  Faults& faults = faults_[static_cast<size_t>(operation)];
  faults.nth.insert_or_assign(faults.calls + std::max<uint64_t>(n, 1), std::move(status));
}

void FaultInjectingEventStore::LoseNthReply(StoreOperation operation, uint64_t n, Status status) {
  std::lock_guard lock(mu_);
  Faults& faults = faults_[static_cast<size_t>(operation)];
  faults.lost_replies.insert_or_assign(faults.calls + std::max<uint64_t>(n, 1), std::move(status));
}

void FaultInjectingEventStore::FailUntilHealed(StoreOperation operation, Status status) {
  std::lock_guard lock(mu_);
  faults_[static_cast<size_t>(operation)].until_healed = std::move(status);
}

void FaultInjectingEventStore::AddLatency(StoreOperation operation, std::chrono::milliseconds latency) {
  std::lock_guard lock(mu_);
  faults_[static_cast<size_t>(operation)].latency = latency;
}

void FaultInjectingEventStore::Heal() {
  std::lock_guard lock(mu_);
  for (Faults& faults : faults_) {
    faults.nth.clear();
    faults.lost_replies.clear();
    faults.until_healed.reset();
    faults.latency = std::chrono::milliseconds(0);
  }
}

uint64_t FaultInjectingEventStore::calls(StoreOperation operation) const {
  std::lock_guard lock(mu_);
  return faults_[static_cast<size_t>(operation)].calls;
}

uint64_t FaultInjectingEventStore::injected() const {
  std::lock_guard lock(mu_);
  return injected_;
}

FaultInjectingEventStore::Injection FaultInjectingEventStore::Enter(StoreOperation operation) {
  std::chrono::milliseconds latency{0};
  Injection injection;
  {
    std::lock_guard lock(mu_);
    Faults& faults = faults_[static_cast<size_t>(operation)];
    const uint64_t call = ++faults.calls;
    latency = faults.latency;
    if (auto nth = faults.nth.find(call); nth != faults.nth.end()) {
      injection.before = std::move(nth->second);
      faults.nth.erase(nth);
    } else if (faults.until_healed) {
      injection.before = *faults.until_healed;
    } else if (auto lost = faults.lost_replies.find(call); lost != faults.lost_replies.end()) {
      injection.after = std::move(lost->second);
      faults.lost_replies.erase(lost);
    }
    if (!injection.before.ok() || !injection.after.ok()) ++injected_;
  }
  // A slow disk or network, as the layer above sees it: the call just takes longer.
  if (latency.count() > 0) std::this_thread::sleep_for(latency);
  return injection;
}

Result<AppendResult> FaultInjectingEventStore::Append(const std::vector<StreamAppend>& appends) {
  return Pass(StoreOperation::kAppend, [&] { return base().Append(appends); });
}

void FaultInjectingEventStore::AppendAsync(std::vector<StreamAppend> appends, AppendCallback done) {
  Injection injection = Enter(StoreOperation::kAppend);
  if (!injection.before.ok()) return done(std::move(injection.before));
  if (injection.after.ok()) return base().AppendAsync(std::move(appends), std::move(done));
  base().AppendAsync(std::move(appends), [lost = std::move(injection.after), done = std::move(done)](
                                            Result<AppendResult>) { done(lost); });
}

Result<std::vector<RecordedEvent>> FaultInjectingEventStore::ReadStream(std::string_view stream,
                                                                        const ReadStreamOptions& options) {
  return Pass(StoreOperation::kRead, [&] { return base().ReadStream(stream, options); });
}

Result<std::vector<RecordedEvent>> FaultInjectingEventStore::ReadAll(uint64_t from_position, size_t max_count) {
  return Pass(StoreOperation::kRead, [&] { return base().ReadAll(from_position, max_count); });
}

Result<std::vector<std::string>> FaultInjectingEventStore::ReadAllRecords(uint64_t from_position, size_t max_count) {
  return Pass(StoreOperation::kRead, [&] { return base().ReadAllRecords(from_position, max_count); });
}

Result<std::vector<RecordedEvent>> FaultInjectingEventStore::ReadCategory(std::string_view category,
                                                                          uint64_t from_position, size_t max_count) {
  return Pass(StoreOperation::kRead, [&] { return base().ReadCategory(category, from_position, max_count); });
}

Result<RecordedEvent> FaultInjectingEventStore::ReadEvent(const Uuid& event_id) {
  return Pass(StoreOperation::kRead, [&] { return base().ReadEvent(event_id); });
}

Result<StreamHeadInfo> FaultInjectingEventStore::GetStreamHead(std::string_view stream) {
  return Pass(StoreOperation::kRead, [&] { return base().GetStreamHead(stream); });
}

Result<std::vector<StreamHeadInfo>> FaultInjectingEventStore::ListStreams(std::string_view category,
                                                                          std::string_view after, size_t max_count) {
  return Pass(StoreOperation::kRead, [&] { return base().ListStreams(category, after, max_count); });
}

Status FaultInjectingEventStore::SaveCheckpoint(std::string_view name, const Checkpoint& checkpoint) {
  return Pass(StoreOperation::kSaveCheckpoint, [&] { return base().SaveCheckpoint(name, checkpoint); });
}

Result<std::optional<Checkpoint>> FaultInjectingEventStore::LoadCheckpoint(std::string_view name) {
  return Pass(StoreOperation::kLoadCheckpoint, [&] { return base().LoadCheckpoint(name); });
}

Status FaultInjectingEventStore::SaveSnapshot(std::string_view stream, const Snapshot& snapshot) {
  return Pass(StoreOperation::kSnapshot, [&] { return base().SaveSnapshot(stream, snapshot); });
}

Result<std::optional<Snapshot>> FaultInjectingEventStore::LoadSnapshot(std::string_view stream) {
  return Pass(StoreOperation::kSnapshot, [&] { return base().LoadSnapshot(stream); });
}

Status FaultInjectingEventStore::DeleteSnapshot(std::string_view stream) {
  return Pass(StoreOperation::kSnapshot, [&] { return base().DeleteSnapshot(stream); });
}

Status FaultInjectingEventStore::SaveSchema(std::string_view type_name, std::string_view descriptor_set) {
  return Pass(StoreOperation::kSchema, [&] { return base().SaveSchema(type_name, descriptor_set); });
}

Result<std::optional<std::string>> FaultInjectingEventStore::LoadSchema(std::string_view type_name) {
  return Pass(StoreOperation::kSchema, [&] { return base().LoadSchema(type_name); });
}

Result<StoreStats> FaultInjectingEventStore::Stats() {
  return Pass(StoreOperation::kStats, [&] { return base().Stats(); });
}

Result<VerifyReport> FaultInjectingEventStore::Verify(const VerifyOptions& options) {
  return Pass(StoreOperation::kStats, [&] { return base().Verify(options); });
}

}  // namespace cairn
