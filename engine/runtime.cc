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

// The hint lets a context run by one thread post to itself without a lock.
Runtime::Pool::Pool(int threads, const char* name, int nice)
    : context(std::max(1, threads)), work_(boost::asio::make_work_guard(context)) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    NameThread(threads_.emplace_back([this, nice] {
                 // On Linux a thread's niceness is its own (setpriority on its thread id).
                 if (nice > 0) (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice);
                 context.run();
               }),
               name);
  }
}

void Runtime::Pool::Stop() {
  work_.reset();
  context.stop();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

Runtime::Runtime(int io_threads, int blocking_threads, int background_threads)
    : io_(io_threads, "cairn-io", 0),
      blocking_(blocking_threads, "cairn-blocking", 0),
      background_(background_threads, "cairn-bg", kBackgroundNice) {}

Runtime::~Runtime() {
  Stop();
  io_.Drop();
  blocking_.Drop();
  background_.Drop();
}

void Runtime::Stop() {
  io_.Stop();
  background_.Stop();
  blocking_.Stop();
}

}  // namespace cairn
