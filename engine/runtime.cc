#include "engine/runtime.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "store/thread_name.h"

namespace cairn {

namespace {
// Niceness of the background threads: the OS gives them what requests leave.
constexpr int kBackgroundNice = 10;
}  // namespace

Runtime::Runtime(int io_threads, int blocking_threads, int background_threads)
    // The hints let a context run by one thread post to itself without a lock.
    : io_(std::max(1, io_threads)),
      work_(boost::asio::make_work_guard(io_)),
      blocking_threads_(std::max(1, blocking_threads)),
      blocking_(static_cast<size_t>(blocking_threads_)),
      background_(std::max(1, background_threads)),
      background_work_(boost::asio::make_work_guard(background_)) {
  for (int i = 0; i < std::max(1, io_threads); ++i) {
    NameThread(io_threads_.emplace_back([this] { io_.run(); }), "cairn-io");
  }
  for (int i = 0; i < std::max(1, background_threads); ++i) {
    std::thread& thread = background_threads_.emplace_back([this] {
      // On Linux a thread's niceness is its own (setpriority on its thread id).
      (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kBackgroundNice);
      background_.run();
    });
    NameThread(thread, "cairn-bg");
  }
}

Runtime::~Runtime() {
  Stop();
  io_.shutdown();
  blocking_.shutdown();
  background_.shutdown();
}

void Runtime::Stop() {
  work_.reset();
  io_.stop();
  for (std::thread& thread : io_threads_) {
    if (thread.joinable()) thread.join();
  }
  background_work_.reset();
  background_.stop();
  for (std::thread& thread : background_threads_) {
    if (thread.joinable()) thread.join();
  }
  blocking_.stop();
  blocking_.join();
}

}  // namespace cairn
