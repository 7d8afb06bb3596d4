// Verify: one pass over `events` checks positions, the hash chain and stream
// versions, and folds every index entry the log implies into an order-free
// sum; one pass over each index folds what is there. Equal sums and counts
// mean the index agrees with the log; only when they differ does a slower
// pass look up entries one by one to name the first bad global position.
#include <unordered_map>

#include "store/internal/keys.h"
#include "store/internal/record_codec.h"
#include "store/internal/rocksdb_event_store.h"
#include "store/proto/event_record.pb.h"

namespace cairn::internal {
namespace {

std::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

uint64_t Mix(uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Fingerprint(std::string_view key, std::string_view value) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a over key, a separator, value
  for (unsigned char c : key) hash = (hash ^ c) * 0x100000001b3ULL;
  hash = (hash ^ 0xff) * 0x100000001b3ULL;
  for (unsigned char c : value) hash = (hash ^ c) * 0x100000001b3ULL;
  return Mix(hash);
}

struct IndexDigest {
  uint64_t count = 0;
  uint64_t sum = 0;
  void Add(std::string_view key, std::string_view value) {
    ++count;
    sum += Fingerprint(key, value);
  }
  bool operator==(const IndexDigest&) const = default;
};

Status BadAt(uint64_t position, const std::string& what) {
  return DataLossError("first bad global position " + std::to_string(position) + ": " + what);
}

// Damaged records, gathered so that one pass names all of them, not just the first.
class Damage {
 public:
  void Add(uint64_t position, std::string what) {
    if (count_ > 0 && last_ == position) {
      if (found_.back().first == position) found_.back().second += "; " + what;
      return;
    }
    if (found_.size() < kListed) found_.emplace_back(position, std::move(what));
    ++count_;
    last_ = position;
  }
  bool empty() const { return count_ == 0; }
  Status ToStatus() const {
    std::string message = "first bad global position " + std::to_string(found_.front().first) + ": " +
                          found_.front().second + "; " + std::to_string(count_) + " damaged in all:";
    for (const auto& [position, what] : found_) message += " " + std::to_string(position) + " (" + what + ")";
    if (count_ > found_.size()) message += " and " + std::to_string(count_ - found_.size()) + " more";
    return DataLossError(message);
  }

 private:
  static constexpr size_t kListed = 32;
  std::vector<std::pair<uint64_t, std::string>> found_;
  uint64_t count_ = 0;  // damaged records, each counted once
  uint64_t last_ = 0;
};

// After a broken link the chain goes on from the hash the record holds, so
// that one bad record does not make every later one look bad. False when the
// record holds none: the next link cannot be checked.
bool ResyncChain(std::string_view value, std::string& chain) {
  std::optional<std::string_view> stored = StoredChainHash(value);
  if (!stored) return false;
  chain = std::string(*stored);
  return true;
}
}  // namespace

Result<VerifyReport> RocksDbEventStore::Verify(const VerifyOptions& options) {
  // Every pass reads one unchanging view, so appends made meanwhile do not
  // count: a snapshot on the writer; on a read-only instance, no catch-up.
  struct ViewGuard {
    rocksdb::DB* db;
    const rocksdb::Snapshot* snapshot;
    ~ViewGuard() {
      if (snapshot) db->ReleaseSnapshot(snapshot);
    }
  } guard{db_.get(), read_only_ ? nullptr : db_->GetSnapshot()};
  std::unique_lock no_catch_up(catch_up_mu_, std::defer_lock);
  if (read_only_) no_catch_up.lock();
  rocksdb::ReadOptions read;
  read.snapshot = guard.snapshot;
  const uint64_t total = ReadHeadFromMeta(nullptr, read);
  ChainHasher hasher;
  std::string chain(kChainHashBytes, '\0');
  IndexDigest streams, categories, event_ids;
  std::unordered_map<std::string, StreamHeadEntry> heads;
  RecordedEvent event;
  uint64_t position = 1;

  Damage damage;
  bool chain_known = true;           // false right after a record without a chain hash
  uint64_t last_unreadable = 0;      // the last record whose stream is unknown
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, cf(kEventsCf)));
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++position) {
    const uint64_t key = ReadBigEndian64(View(it->key()));
    if (key != position) {
      damage.Add(position, key > position ? "missing from the log, up to " + std::to_string(key - 1)
                                          : "out of order");
      position = key;
      last_unreadable = key - 1;
    }
    if (!CheckChain(View(it->value()), hasher, chain)) {
      if (chain_known) damage.Add(position, "hash chain broken");
      chain_known = ResyncChain(View(it->value()), chain);
    } else {
      chain_known = true;
    }
    Status decoded = DecodeRecord(View(it->value()), position, event);
    if (!decoded.ok()) {
      damage.Add(position, decoded.message());
      last_unreadable = position;
      continue;
    }
    auto [head, is_new] = heads.try_emplace(event.stream, StreamHeadEntry{event.version, position});
    // Past an unreadable record a stream may skip the version that record held.
    const bool may_skip = last_unreadable > 0 && (is_new || head->second.last_position < last_unreadable);
    if (!may_skip &&
        ((is_new && event.version != 0) || (!is_new && event.version != head->second.last_version + 1))) {
      damage.Add(position, "stream " + event.stream + " skips to version " + std::to_string(event.version));
    }
    head->second = {event.version, position};
    const std::string position_key = PositionKey(position);
    streams.Add(StreamVersionKey(event.stream, event.version), position_key);
    categories.Add(CategoryPositionKey(CategoryOf(event.stream), position), "");
    event_ids.Add(event.event_id.bytes(), position_key);
    if (options.progress && position % 65536 == 0) options.progress(position, total);
  }
  if (!it->status().ok()) damage.Add(position, FromRocks(it->status(), "unreadable").message());
  if (!damage.empty()) return damage.ToStatus();
  const uint64_t last = position - 1;
  std::string meta_chain;
  if (last != ReadHeadFromMeta(&meta_chain, read) || (last > 0 && meta_chain != chain)) {
    return BadAt(last + 1, "the log ends at " + std::to_string(last) + " but the store head disagrees");
  }
  if (options.progress) options.progress(last, total);

  auto digest_of = [&](Cf which, IndexDigest& digest) -> Status {
    std::unique_ptr<rocksdb::Iterator> index(db_->NewIterator(read, cf(which)));
    for (index->SeekToFirst(); index->Valid(); index->Next()) digest.Add(View(index->key()), View(index->value()));
    return FromRocks(index->status(), "index unreadable");
  };
  IndexDigest found_streams, found_categories, found_ids;
  CAIRN_RETURN_IF_ERROR(digest_of(kStreamsCf, found_streams));
  CAIRN_RETURN_IF_ERROR(digest_of(kCategoriesCf, found_categories));
  CAIRN_RETURN_IF_ERROR(digest_of(kEventIdsCf, found_ids));

  // Stream heads: each must be exactly where the log says the stream ends.
  uint64_t head_count = 0;
  std::unique_ptr<rocksdb::Iterator> head_it(db_->NewIterator(read, cf(kStreamHeadsCf)));
  for (head_it->SeekToFirst(); head_it->Valid(); head_it->Next(), ++head_count) {
    store::StreamHead head;
    auto found = heads.find(std::string(View(head_it->key())));
    if (!head.ParseFromArray(head_it->value().data(), static_cast<int>(head_it->value().size())) ||
        found == heads.end() || found->second.last_version != head.last_version() ||
        found->second.last_position != head.last_position()) {
      uint64_t at = found == heads.end() ? head.last_position() : found->second.last_position;
      return BadAt(at, "stream head of " + std::string(View(head_it->key())) + " disagrees with the log");
    }
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(head_it->status(), "stream heads unreadable"));
  if (head_count != heads.size()) return BadAt(last, "a stream has no stream head");

  if (found_streams == streams && found_categories == categories && found_ids == event_ids) {
    return VerifyReport{last, heads.size(), HexString(last > 0 ? chain : "")};
  }
  // Slow path: find the first event whose index entries are missing or wrong.
  for (uint64_t p = 1; p <= last; ++p) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<RecordedEvent> one, ReadPositions({p}));
    const RecordedEvent& e = one.front();
    const std::string position_key = PositionKey(p);
    CAIRN_ASSIGN_OR_RETURN(auto in_streams,
                           GetValue(kStreamsCf, StreamVersionKey(e.stream, e.version), read));
    CAIRN_ASSIGN_OR_RETURN(auto in_categories,
                           GetValue(kCategoriesCf, CategoryPositionKey(CategoryOf(e.stream), p), read));
    CAIRN_ASSIGN_OR_RETURN(auto in_ids, GetValue(kEventIdsCf, e.event_id.bytes(), read));
    if (in_streams != position_key) return BadAt(p, "the streams index disagrees");
    if (!in_categories) return BadAt(p, "the categories index misses it");
    if (in_ids != position_key) return BadAt(p, "the event id index disagrees");
  }
  return BadAt(last, "an index holds entries for events that are not in the log");
}

}  // namespace cairn::internal
