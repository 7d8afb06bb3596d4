// EventStore: Cairn's append-only event log, the interface every module
// builds on, and the factories that open one.
//
// Thread safety: every method may be called from any thread at the same
// time. Appends from many threads are merged into one commit (group commit).
#ifndef CAIRN_STORE_EVENT_STORE_H_
#define CAIRN_STORE_EVENT_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/clock.h"
#include "store/event.h"
#include "store/status.h"

namespace cairn {

enum class Durability {
  // The log is synced before an append returns (one sync covers every
  // commit group written meanwhile): an acknowledged append survives a power
  // cut. The default.
  kSync,
  // No fsync: an acknowledged append survives a process crash (kill -9),
  // not a power cut or kernel crash.
  kBuffered,
};

struct StoreOptions {
  Durability durability = Durability::kSync;
  // Largest payload accepted for one event; larger ones are InvalidArgument.
  size_t max_event_bytes = 1 << 20;
  // Largest metadata (keys plus values) accepted for one event.
  size_t max_metadata_bytes = 64 << 10;
  // The writer stops adding requests to a commit group past this many bytes.
  size_t max_group_bytes = 16 << 20;
  // How long opening for writing waits for another process to release the
  // data dir before it gives up (Unavailable, naming the holder). 0: no wait.
  std::chrono::milliseconds lock_wait{0};
  // Where recorded_at, taken_at and updated_at come from; null: SystemClock().
  // Not owned; it must outlive the store.
  const Clock* clock = nullptr;
};

// Sentinel for "the stream's last version" in a backward read.
inline constexpr uint64_t kStreamEnd = UINT64_MAX;

struct ReadStreamOptions {
  // First version returned. Backward reads start here and go down; kStreamEnd
  // starts at the stream's last event.
  uint64_t from_version = 0;
  bool backward = false;
  size_t max_count = 1000;
};

struct Snapshot {
  uint64_t version = 0;  // the stream version the state includes
  std::string type;
  uint32_t schema_version = 1;
  std::string state;
  int64_t taken_at_us = 0;
  // The global position and recorded_at of the event at `version`, so that
  // time travel by position or time can start from the snapshot. 0: not
  // known (a snapshot saved before they were kept).
  uint64_t position = 0;
  int64_t recorded_at_us = 0;
};

struct PartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

// How far a subscriber got: a global position, or offsets per Kafka partition.
struct Checkpoint {
  uint64_t position = 0;
  std::vector<PartitionOffset> offsets;
  int64_t updated_at_us = 0;
};

struct StoreStats {
  uint64_t events = 0;
  uint64_t streams = 0;
  uint64_t categories = 0;
  uint64_t bytes = 0;  // on disk (RocksDB) or in memory (MemoryEventStore)
  uint64_t last_position = 0;
  std::vector<std::string> repairs;  // what each `cairn repair --accept-loss` dropped, oldest first
  // Since this handle opened: commit groups written, the appends they held,
  // the time spent writing them (planning, encoding and RocksDB's write; one
  // group at a time, so against the time open it says how busy the write
  // path is), the syncs of the log that made them durable (Sync mode) and
  // the time those syncs took in all, from the call to its return.
  uint64_t commit_groups = 0;
  uint64_t grouped_appends = 0;
  uint64_t commit_micros = 0;
  uint64_t log_syncs = 0;
  uint64_t log_sync_micros = 0;
};

// What RepairEventStore found, and did.
struct RepairReport {
  bool repaired = false;   // false: nothing was changed
  std::string damage;      // the damaged write-ahead log and offset; empty when there is none
  uint64_t kept_head = 0;  // the last global position of the whole log that is kept
  // The last global position the readable records name. Damaged records may
  // have held more: the loss is at least seen_head - kept_head events.
  uint64_t seen_head = 0;
  // Subscribers whose checkpoint is past the kept head; they must be reset.
  std::vector<std::string> checkpoints_ahead;
  // One line: where the damage is, what is kept, which global positions are lost.
  std::string ToString() const;
};

struct VerifyOptions {
  // Called now and then with events checked so far and the total.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct VerifyReport {
  uint64_t events = 0;
  uint64_t streams = 0;
  std::string chain_head;  // hex SHA-256 of the last record; empty when not kept
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Appends events to one or more streams atomically: all are written or none.
  // Each stream's expected version is checked first. Errors:
  //   InvalidArgument  bad ids, types, sizes (nothing written)
  //   Aborted          a stream is not at its expected version; the message names the actual one
  //   AlreadyExists    an event id is already stored with other content or in another stream
  //   PermissionDenied the store was opened for reading only
  //   Unavailable      the write failed, or the store is closing; the append may be retried
  //   ResourceExhausted the disk is full; nothing was written
  // Appending events whose ids are all stored already, with the same content,
  // succeeds without writing and returns the original positions.
  virtual Result<AppendResult> Append(const std::vector<StreamAppend>& appends) = 0;
  Result<AppendResult> Append(std::string stream, ExpectedVersion expected,
                              std::vector<EventData> events);

  // Called once with the result of an asynchronous append.
  using AppendCallback = std::function<void(Result<AppendResult>)>;
  // Append without waiting: the same checks, errors and commit groups as
  // Append (synchronous and asynchronous appends share groups), and `done`
  // is called exactly once, after the group is durable in Sync mode. It runs
  // on the store's committing thread, so it must not block; an append
  // refused before it is queued (invalid, read-only, closing) calls it on
  // the caller's thread. Appends in flight when the store closes complete.
  // The default runs Append and calls `done` on the caller's thread.
  virtual void AppendAsync(std::vector<StreamAppend> appends, AppendCallback done);

  // Reads one stream. NotFound when the stream has no events.
  virtual Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream,
                                                        const ReadStreamOptions& options) = 0;
  // Reads `$all` from a global position (inclusive), in position order.
  virtual Result<std::vector<RecordedEvent>> ReadAll(uint64_t from_position, size_t max_count) = 0;
  // `$all` from a global position as EventRecord bytes without the chain
  // hash, for relays that pass records on unchanged (the Kafka publisher).
  virtual Result<std::vector<std::string>> ReadAllRecords(uint64_t from_position, size_t max_count) = 0;
  // Reads one category's events from a global position (inclusive), in global order.
  virtual Result<std::vector<RecordedEvent>> ReadCategory(std::string_view category,
                                                          uint64_t from_position,
                                                          size_t max_count) = 0;

  // The event stored under `event_id`; NotFound when there is none.
  virtual Result<RecordedEvent> ReadEvent(const Uuid& event_id) = 0;

  // NotFound when the stream has no events.
  virtual Result<StreamHeadInfo> GetStreamHead(std::string_view stream) = 0;
  // Streams in id order after `after` (exclusive); only `category` when not empty.
  virtual Result<std::vector<StreamHeadInfo>> ListStreams(std::string_view category,
                                                          std::string_view after,
                                                          size_t max_count) = 0;

  // The last committed global position (0 for an empty store).
  virtual uint64_t HeadPosition() = 0;
  // Blocks until the head passes `position` or `timeout` passes; returns the head.
  virtual uint64_t WaitForHead(uint64_t position, std::chrono::milliseconds timeout) = 0;
  // WaitForHead without a thread: `done(head)` is called once, when the head
  // passes `position` (at once, on the caller's thread, if it has), or when
  // the store closes. It runs on the thread that moved the head, so it must
  // not block. A waiter that stops caring just ignores the call.
  using HeadCallback = std::function<void(uint64_t head)>;
  virtual void NotifyWhenHeadPasses(uint64_t position, HeadCallback done) = 0;

  virtual Status SaveCheckpoint(std::string_view name, const Checkpoint& checkpoint) = 0;
  // nullopt when the subscriber has none yet.
  virtual Result<std::optional<Checkpoint>> LoadCheckpoint(std::string_view name) = 0;

  virtual Status SaveSnapshot(std::string_view stream, const Snapshot& snapshot) = 0;
  virtual Result<std::optional<Snapshot>> LoadSnapshot(std::string_view stream) = 0;
  virtual Status DeleteSnapshot(std::string_view stream) = 0;

  // Descriptor sets (serialized google.protobuf.FileDescriptorSet) by payload type name.
  virtual Status SaveSchema(std::string_view type_name, std::string_view descriptor_set) = 0;
  virtual Result<std::optional<std::string>> LoadSchema(std::string_view type_name) = 0;

  virtual Result<StoreStats> Stats() = 0;
  // Checks the whole log: gapless positions, the hash chain, and that every
  // index agrees with `events`. DataLoss names the first bad global position
  // and lists every damaged record the pass met (the first 32, and a count).
  virtual Result<VerifyReport> Verify(const VerifyOptions& options) = 0;
};

// The input rules every store applies before it writes: InvalidArgument naming
// the first rule `appends` breaks. Edges (CLI, HTTP) may check early with it.
Status ValidateAppend(const std::vector<StreamAppend>& appends, const StoreOptions& options = {});

// Opens (creating if needed) the RocksDB store in `path` for writing. Only one
// process writes a data dir at a time: a second gets Unavailable naming the
// lock holder. A folder that holds something else than a Cairn store, or a
// store format version this build does not read, is InvalidArgument.
Result<std::unique_ptr<EventStore>> OpenEventStore(std::string_view path,
                                                   const StoreOptions& options = {});

// Opens an existing store for reading only, beside a writer in another process
// if there is one. It sees everything committed when it opened; WaitForHead
// follows what the writer commits after that. Appends and saves return
// PermissionDenied; a path with no store is NotFound.
Result<std::unique_ptr<EventStore>> OpenEventStoreForReading(std::string_view path);

// The way past a damaged write-ahead log, which every open refuses. Without
// `accept_loss` it only reports what a repair would keep and lose. With it,
// it keeps the longest whole prefix of the log, drops every event after it,
// cuts the indexes, stream heads and snapshots back to match, records the
// repair in the store (StoreStats::repairs) and verifies the result. The loss
// is real: only an operator who has no copy of the data dir should accept it.
Result<RepairReport> RepairEventStore(std::string_view path, bool accept_loss);

// A store that lives in memory, with the same semantics as the RocksDB store;
// for tests of the modules above the store.
std::unique_ptr<EventStore> NewMemoryEventStore(const StoreOptions& options = {});

}  // namespace cairn

#endif  // CAIRN_STORE_EVENT_STORE_H_
