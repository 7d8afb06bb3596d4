#include "store/internal/record_codec.h"

#include <openssl/evp.h>

#include "store/internal/digest.h"
#include "store/proto/event_record.pb.h"

namespace cairn::internal {
namespace {

// chain_hash is field 15, length-delimited: tag byte (15 << 3 | 2), then length 32.
constexpr char kChainTag = static_cast<char>(15 << 3 | 2);
constexpr size_t kChainSuffixBytes = 2 + kChainHashBytes;

// The payload fields are named alike in EventData and RecordedEvent.
template <typename Event>
void Serialize(const Event& event, const RecordPlacement& placement, std::string& out) {
  thread_local store::EventRecord record;  // reused: its strings keep their memory
  record.Clear();
  record.set_event_id(std::string(placement.event_id.bytes()));
  record.set_stream(std::string(placement.stream));
  record.set_version(placement.version);
  record.set_position(placement.position);
  record.set_type(event.type);
  record.set_schema_version(event.schema_version);
  record.set_content_type(event.content_type);
  record.set_recorded_at_us(placement.recorded_at_us);
  for (const auto& [key, value] : event.metadata) (*record.mutable_metadata())[key] = value;
  record.set_data(event.data);
  out.clear();
  record.AppendToString(&out);
}

}  // namespace

void SerializeRecord(const EventData& event, const RecordPlacement& placement, std::string& out) {
  Serialize(event, placement, out);
}

void SerializeRecord(const RecordedEvent& event, std::string& out) {
  Serialize(event, {event.event_id, event.stream, event.version, event.position, event.recorded_at_us}, out);
}

struct ChainHasher::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

ChainHasher::ChainHasher() : context_(std::make_unique<Context>()) {}
ChainHasher::~ChainHasher() = default;

std::string ChainHasher::Next(std::string_view previous, std::string_view record_bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestInit_ex(context_->ctx, Sha256(), nullptr);
  EVP_DigestUpdate(context_->ctx, previous.data(), previous.size());
  EVP_DigestUpdate(context_->ctx, record_bytes.data(), record_bytes.size());
  EVP_DigestFinal_ex(context_->ctx, digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

void EncodeRecord(const EventData& event, const RecordPlacement& placement, ChainHasher& hasher,
                  std::string& chain, std::string& out) {
  SerializeRecord(event, placement, out);
  chain = hasher.Next(chain, out);
  out.push_back(kChainTag);
  out.push_back(static_cast<char>(kChainHashBytes));
  out.append(chain);
}

Status DecodeRecord(std::string_view value, uint64_t position, RecordedEvent& out) {
  store::EventRecord record;
  if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return DataLossError("record at global position " + std::to_string(position) + " does not parse");
  }
  std::optional<Uuid> id = Uuid::FromBytes(record.event_id());
  if ((position != 0 && record.position() != position) || record.position() == 0 || !id) {
    return DataLossError("record at global position " + std::to_string(position) +
                         " claims global position " + std::to_string(record.position()));
  }
  out.event_id = *id;
  out.stream = std::move(*record.mutable_stream());
  out.version = record.version();
  out.position = record.position();
  out.type = std::move(*record.mutable_type());
  out.schema_version = record.schema_version();
  out.content_type = std::move(*record.mutable_content_type());
  out.recorded_at_us = record.recorded_at_us();
  out.metadata.clear();
  for (auto& [key, val] : *record.mutable_metadata()) out.metadata.emplace(key, std::move(val));
  out.data = std::move(*record.mutable_data());
  return OkStatus();
}

bool StripChainHash(std::string_view& value) {
  if (value.size() < kChainSuffixBytes) return false;
  const size_t body = value.size() - kChainSuffixBytes;
  if (value[body] != kChainTag || value[body + 1] != static_cast<char>(kChainHashBytes)) return false;
  value = value.substr(0, body);
  return true;
}

std::optional<std::string_view> StoredChainHash(std::string_view value) {
  std::string_view body = value;
  if (!StripChainHash(body)) return std::nullopt;
  return value.substr(body.size() + 2);  // past the field's tag and length bytes
}

bool CheckChain(std::string_view value, ChainHasher& hasher, std::string& chain) {
  std::string_view body = value;
  if (!StripChainHash(body)) return false;
  std::string expected = hasher.Next(chain, body);
  if (value.substr(body.size() + 2) != expected) return false;
  chain = std::move(expected);
  return true;
}

std::string HexString(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

}  // namespace cairn::internal
