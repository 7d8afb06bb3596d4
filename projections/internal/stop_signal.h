// StopSignal: how a runner's thread waits between attempts. Stop() wakes it
// at once; nothing polls.
#ifndef CAIRN_PROJECTIONS_INTERNAL_STOP_SIGNAL_H_
#define CAIRN_PROJECTIONS_INTERNAL_STOP_SIGNAL_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace cairn::projections::internal {

class StopSignal {
 public:
  void Request() {
    {
      std::lock_guard lock(mu_);
      requested_ = true;
    }
    cv_.notify_all();
  }
  void Reset() {
    std::lock_guard lock(mu_);
    requested_ = false;
  }
  bool requested() const {
    std::lock_guard lock(mu_);
    return requested_;
  }
  // Waits up to `how_long`; true when a stop was requested.
  template <typename Rep, typename Period>
  bool WaitFor(std::chrono::duration<Rep, Period> how_long) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, how_long, [this] { return requested_; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
};

}  // namespace cairn::projections::internal

#endif  // CAIRN_PROJECTIONS_INTERNAL_STOP_SIGNAL_H_
