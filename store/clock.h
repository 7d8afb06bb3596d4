// Clock: where Cairn takes the wall-clock time from (when an event was
// recorded, a snapshot taken, a checkpoint saved), so that a test can set it
// instead of sleeping until the time has moved.
//
// Thread safety: NowMicros from any thread; a ManualClock may be moved from
// any thread too.
#ifndef CAIRN_STORE_CLOCK_H_
#define CAIRN_STORE_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace cairn {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch.
  virtual int64_t NowMicros() const = 0;
};

// The system's wall clock.
const Clock& SystemClock();

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  // 2023-11-14T22:13:20Z: a fixed, recent start.
  static constexpr int64_t kStartMicros = 1'700'000'000'000'000;

  explicit ManualClock(int64_t now_us = kStartMicros) : now_us_(now_us) {}
  int64_t NowMicros() const override { return now_us_.load(std::memory_order_relaxed); }
  void Advance(std::chrono::microseconds by) { now_us_.fetch_add(by.count(), std::memory_order_relaxed); }
  void Set(int64_t now_us) { now_us_.store(now_us, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_us_;
};

}  // namespace cairn

#endif  // CAIRN_STORE_CLOCK_H_
