#ifndef CAIRN_STORE_INTERNAL_CLOCK_H_
#define CAIRN_STORE_INTERNAL_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace cairn::internal {

// Wall-clock microseconds since the Unix epoch: the `recorded_at` of events.
inline int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_CLOCK_H_
