// Waits in tests for a condition that another thread or process makes true,
// with a deadline, instead of sleeping a fixed time and hoping.
#ifndef CAIRN_TESTS_TESTING_EVENTUALLY_H_
#define CAIRN_TESTS_TESTING_EVENTUALLY_H_

#include <chrono>
#include <thread>

namespace cairn::testing {

// True as soon as `condition()` is; false once `timeout` passed without it.
template <typename Condition>
bool Eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_TESTING_EVENTUALLY_H_
