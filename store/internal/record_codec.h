// EventRecord bytes: encoding with the hash chain, decoding into RecordedEvent.
#ifndef CAIRN_STORE_INTERNAL_RECORD_CODEC_H_
#define CAIRN_STORE_INTERNAL_RECORD_CODEC_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/event.h"
#include "store/status.h"

namespace cairn::internal {

inline constexpr size_t kChainHashBytes = 32;

// SHA-256 chaining: next = SHA-256(previous || record bytes). Not thread-safe;
// one per writer or verifier.
class ChainHasher {
 public:
  ChainHasher();
  ~ChainHasher();
  ChainHasher(const ChainHasher&) = delete;
  ChainHasher& operator=(const ChainHasher&) = delete;

  std::string Next(std::string_view previous, std::string_view record_bytes);

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// Where the writer put an event.
struct RecordPlacement {
  Uuid event_id;
  std::string_view stream;
  uint64_t version = 0;
  uint64_t position = 0;
  int64_t recorded_at_us = 0;
};

// Serializes the record for `event` at `placement` into `out`, without a chain hash.
void SerializeRecord(const EventData& event, const RecordPlacement& placement, std::string& out);
// Serializes a stored event's record again, without its chain hash.
void SerializeRecord(const RecordedEvent& event, std::string& out);

// Serializes the record for `event` at `placement` into `out`, then appends
// the chain_hash field computed from `chain`, and sets `chain` to it.
void EncodeRecord(const EventData& event, const RecordPlacement& placement, ChainHasher& hasher,
                  std::string& chain, std::string& out);

// Parses a stored value. DataLoss when it does not parse or is not at
// `position` (0: wherever the record says).
Status DecodeRecord(std::string_view value, uint64_t position, RecordedEvent& out);

// Checks that `value` ends with a chain hash that follows from `chain`; on
// success sets `chain` to it.
bool CheckChain(std::string_view value, ChainHasher& hasher, std::string& chain);

// Drops the chain_hash field from the end of a stored value; false when the
// value does not end with one.
bool StripChainHash(std::string_view& value);
// The chain hash a stored value ends with; nullopt when it has none.
std::optional<std::string_view> StoredChainHash(std::string_view value);

std::string HexString(std::string_view bytes);

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_RECORD_CODEC_H_
