// Runtime: what a node's components run on. Waiting happens on an
// io_context — timers, the store's commit notifications, librdkafka's queue
// events, completions of appends — and costs no thread. Library calls that
// block (an SQLite commit, a page read from RocksDB, a librdkafka flush) go
// to a small pool of their own, whose threads sleep until work is posted, so
// that a blocked call never holds up the io_context. Work that may lag
// behind requests (the sagas) runs on a second io_context, the background
// one, whose threads the OS schedules at a lower priority: under load a
// request's handling comes first, and the background catches up when the
// load eases.
//
// Thread safety: any thread. Stop() (or the destructor) ends the pools:
// handlers not yet run never run, so components stop before it. The
// destructor destroys those handlers in every pool before it destroys any
// pool, since a handler of one may own a timer of another.
#ifndef CAIRN_ENGINE_RUNTIME_H_
#define CAIRN_ENGINE_RUNTIME_H_

// <utility> first: Boost 1.74's Asio misses it under C++20.
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <thread>
#include <vector>

namespace cairn {

class Runtime {
 public:
  // Starts `io_threads` threads on the io_context, `blocking_threads` for
  // blocking calls and `background_threads` on the background io_context.
  // They are named cairn-io, cairn-blocking and cairn-bg.
  explicit Runtime(int io_threads = 1, int blocking_threads = 1, int background_threads = 1);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  boost::asio::io_context& io() { return io_.context; }
  boost::asio::io_context& blocking() { return blocking_.context; }
  boost::asio::io_context& background() { return background_.context; }
  // Threads of the three pools.
  int threads() const { return io_.size() + blocking_.size() + background_.size(); }

  // Ends the pools and joins their threads; the second call does nothing.
  void Stop();

 private:
  // An io_context and the threads that run it until Stop().
  class Pool {
   public:
    // `nice` > 0 lowers the threads' priority by that much.
    Pool(int threads, const char* name, int nice);
    void Stop();
    // Destroys the handlers not yet run. Asio keeps shutdown() protected:
    // a handler left in one pool may own an object of another, such as a
    // component's timer, so every pool drops its handlers before any pool
    // is destroyed.
    void Drop() { context.shutdown(); }
    int size() const { return static_cast<int>(threads_.size()); }

    struct Context : boost::asio::io_context {
      using io_context::io_context;
      using boost::asio::execution_context::shutdown;
    } context;

   private:
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::vector<std::thread> threads_;
  };

  Pool io_;
  Pool blocking_;
  Pool background_;
};

// Runs `work()` on the runtime's blocking pool, then `done(result)` on
// `executor` (a component's strand). `executor` is kept busy meanwhile.
template <typename Executor, typename Work, typename Done>
void RunBlocking(Runtime& runtime, Executor executor, Work work, Done done) {
  boost::asio::post(runtime.blocking(), [guard = boost::asio::make_work_guard(executor), work = std::move(work),
                                         done = std::move(done)]() mutable {
    auto result = work();
    boost::asio::post(guard.get_executor(),
                      [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
  });
}

}  // namespace cairn

#endif  // CAIRN_ENGINE_RUNTIME_H_
