#include "store/clock.h"

namespace cairn {
namespace {

class SystemWallClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

const Clock& SystemClock() {
  static const SystemWallClock clock;
  return clock;
}

}  // namespace cairn
