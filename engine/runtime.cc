#include "engine/runtime.h"

#include <algorithm>

namespace cairn {

Runtime::Runtime(int io_threads, int blocking_threads)
    : work_(boost::asio::make_work_guard(io_)),
      blocking_threads_(std::max(1, blocking_threads)),
      blocking_(static_cast<size_t>(blocking_threads_)) {
  for (int i = 0; i < std::max(1, io_threads); ++i) io_threads_.emplace_back([this] { io_.run(); });
}

Runtime::~Runtime() { Stop(); }

void Runtime::Stop() {
  work_.reset();
  io_.stop();
  for (std::thread& thread : io_threads_) {
    if (thread.joinable()) thread.join();
  }
  blocking_.stop();
  blocking_.join();
}

}  // namespace cairn
