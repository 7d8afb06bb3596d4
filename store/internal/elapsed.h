// AddElapsed: adds the time from its making to its end to a counter of
// nanoseconds, however the scope ends; the store's stats time its commit
// groups and its syncs of the log with it.
#ifndef CAIRN_STORE_INTERNAL_ELAPSED_H_
#define CAIRN_STORE_INTERNAL_ELAPSED_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace cairn::internal {

class AddElapsed {
 public:
  explicit AddElapsed(std::atomic<uint64_t>& nanos) : nanos_(nanos) {}
  AddElapsed(const AddElapsed&) = delete;
  AddElapsed& operator=(const AddElapsed&) = delete;
  ~AddElapsed() {
    const auto took = std::chrono::steady_clock::now() - start_;
    nanos_.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count(), std::memory_order_relaxed);
  }

 private:
  std::atomic<uint64_t>& nanos_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_ELAPSED_H_
