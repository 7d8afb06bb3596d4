// Backoff: the delays between attempts after a failure that may pass (a
// store or broker that is away): doubling from `first` up to `last`, so a
// component that keeps failing neither spins nor waits long once it heals.
//
// Thread safety: one owner.
#ifndef CAIRN_ENGINE_BACKOFF_H_
#define CAIRN_ENGINE_BACKOFF_H_

#include <algorithm>
#include <chrono>

namespace cairn {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds last) : first_(first), last_(last) {}

  // The delay before the next attempt; the first call after a Reset gives `first`.
  std::chrono::milliseconds Next() {
    const std::chrono::milliseconds delay = failures_ == 0 ? first_ : std::min(last_, previous_ * 2);
    previous_ = delay;
    ++failures_;
    return delay;
  }
  // After a success.
  void Reset() { failures_ = 0; }
  // Failures since the last Reset: 0 while things work.
  int failures() const { return failures_; }

 private:
  std::chrono::milliseconds first_, last_, previous_{0};
  int failures_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_ENGINE_BACKOFF_H_
