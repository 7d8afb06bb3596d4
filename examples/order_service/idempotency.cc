#include "examples/order_service/idempotency.h"

#include <openssl/sha.h>

namespace cairn::order_service {

Result<std::string> ParseIdempotencyKey(std::string_view header) {
  std::string_view key = header;
  if (key.size() >= 2 && key.front() == '"' && key.back() == '"') key = key.substr(1, key.size() - 2);
  if (key.empty()) return InvalidArgumentError("Idempotency-Key is empty");
  if (key.size() > 255) return InvalidArgumentError("Idempotency-Key is longer than 255 characters");
  for (char c : key) {
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
      return InvalidArgumentError("Idempotency-Key may hold only printable ASCII characters other than '\"' and '\\'");
    }
  }
  return std::string(key);
}

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * sizeof(digest));
  for (unsigned char byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0xf];
  }
  return hex;
}

IdempotencyKeys::IdempotencyKeys(std::chrono::milliseconds retention, uint64_t max_keys, Clock clock)
    : retention_(retention),
      max_keys_(max_keys == 0 ? 1 : max_keys),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}

IdempotencyKeys::Begun IdempotencyKeys::Begin(const std::string& key, const std::string& fingerprint) {
  const auto now = clock_();
  std::lock_guard lock(mu_);
  EvictLocked(now);
  auto found = entries_.find(key);
  if (found != entries_.end()) {
    const Entry& entry = found->second;
    if (entry.fingerprint != fingerprint) return {Seen::kOtherRequest, {}};
    if (!entry.answer) return {Seen::kInFlight, {}};
    return {Seen::kAnswered, *entry.answer};
  }
  // In flight, a key is never evicted by age: its retention starts with its answer.
  const uint64_t generation = next_generation_++;
  entries_[key] = Entry{fingerprint, std::nullopt, std::chrono::steady_clock::time_point::max(), generation};
  order_.emplace_back(key, generation);
  return {Seen::kFirst, {}};
}

void IdempotencyKeys::Finish(const std::string& key, HttpResponse answer) {
  const auto now = clock_();
  std::lock_guard lock(mu_);
  auto found = entries_.find(key);
  if (found == entries_.end()) return;
  found->second.answer = std::move(answer);
  found->second.kept_until = now + retention_;
}

void IdempotencyKeys::Forget(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

size_t IdempotencyKeys::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void IdempotencyKeys::EvictLocked(std::chrono::steady_clock::time_point now) {
  // Keys come in order of arrival and are answered in about that order, so
  // the oldest at the front are the first to expire; one in flight there
  // holds the rest back only until it is answered.
  while (!order_.empty()) {
    const auto& [key, generation] = order_.front();
    auto found = entries_.find(key);
    if (found != entries_.end() && found->second.generation == generation) {
      const bool expired = found->second.kept_until <= now;
      const bool full = entries_.size() >= max_keys_;  // room for the key about to come
      if (!expired && !full) break;
      entries_.erase(found);
    }
    order_.pop_front();
  }
}

}  // namespace cairn::order_service
