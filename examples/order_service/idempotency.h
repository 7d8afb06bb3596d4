// IdempotencyKeys: the answers a client may ask for again with the same
// Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header). A key
// is first in flight, then answered; its answer is kept for the retention
// time, and at most max_keys keys are kept, the oldest going first. This
// table is the fast path and refuses a retry in flight; the key also
// derives the command id (see OrderApi), so that a retry after a restart,
// once the table is gone, still appends nothing.
//
// Thread safety: any thread.
#ifndef CAIRN_EXAMPLES_ORDER_SERVICE_IDEMPOTENCY_H_
#define CAIRN_EXAMPLES_ORDER_SERVICE_IDEMPOTENCY_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "examples/order_service/http_server.h"
#include "store/status.h"

namespace cairn::order_service {

// The key from the header's value: a structured-field string ("…") or a
// bare token, 1 to 255 printable ASCII characters. InvalidArgument otherwise.
Result<std::string> ParseIdempotencyKey(std::string_view header);

// SHA-256 of `text` in lower-case hex.
std::string Sha256Hex(std::string_view text);

class IdempotencyKeys {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  IdempotencyKeys(std::chrono::milliseconds retention, uint64_t max_keys, Clock clock = nullptr);

  enum class Seen {
    kFirst,         // the caller goes on, then calls Finish or Forget
    kInFlight,      // the first request with this key has not been answered: 409
    kOtherRequest,  // the key came with another request before: 422
    kAnswered,      // `answer` is the first request's
  };
  struct Begun {
    Seen seen = Seen::kFirst;
    HttpResponse answer;
  };
  // `fingerprint` tells requests apart (a hash of the method, path and body).
  Begun Begin(const std::string& key, const std::string& fingerprint);
  // Keeps `answer` for retries.
  void Finish(const std::string& key, HttpResponse answer);
  // Forgets a key whose request failed in a way that a retry may mend (5xx).
  void Forget(const std::string& key);

  size_t size() const;

 private:
  struct Entry {
    std::string fingerprint;
    std::optional<HttpResponse> answer;  // none while in flight
    std::chrono::steady_clock::time_point kept_until;
    uint64_t generation = 0;
  };
  void EvictLocked(std::chrono::steady_clock::time_point now);

  const std::chrono::milliseconds retention_;
  const uint64_t max_keys_;
  const Clock clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  // Keys in the order they came, with the generation they had then: a key
  // forgotten and begun again is evicted by its newest place only.
  std::deque<std::pair<std::string, uint64_t>> order_;
  uint64_t next_generation_ = 0;
};

}  // namespace cairn::order_service

#endif  // CAIRN_EXAMPLES_ORDER_SERVICE_IDEMPOTENCY_H_
