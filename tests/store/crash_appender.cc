// crash_appender DATA_DIR SEED [IN_FLIGHT [RATE]]: appends with Sync
// durability until killed and prints "position event_id stream version" for
// every acknowledged event, one line each, flushed as soon as it is
// acknowledged. With IN_FLIGHT, one thread keeps that many asynchronous
// appends outstanding and prints from their callbacks; with RATE, it starts
// at most that many appends a second (the chaos soak shares the machine).
// The crash tests kill it with SIGKILL and check that every printed event
// survived.
#include <chrono>
#include <cstdio>
#include <random>
#include <semaphore>
#include <thread>

#include "store/event_store.h"

namespace {

// Prints what an append acknowledged; false after a failure, which ends the run.
bool Print(const cairn::Result<cairn::AppendResult>& result) {
  if (!result.ok()) {
    std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
    return false;
  }
  for (const auto& event : result->events) {
    std::printf("%llu %s %s %llu\n", static_cast<unsigned long long>(event.position),
                event.event_id.ToString().c_str(), event.stream.c_str(),
                static_cast<unsigned long long>(event.version));
  }
  std::fflush(stdout);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: crash_appender DATA_DIR SEED [IN_FLIGHT [RATE]]\n");
    return 2;
  }
  const long in_flight = argc >= 4 ? std::stol(argv[3]) : 0;
  const long rate = argc == 5 ? std::stol(argv[4]) : 0;
  auto next_start = std::chrono::steady_clock::now();
  std::counting_semaphore<4096> slots(in_flight);
  auto store = cairn::OpenEventStore(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 5;
  }
  std::mt19937 random(static_cast<unsigned>(std::stoul(argv[2])));
  for (;;) {
    if (rate > 0) {
      next_start += std::chrono::microseconds(1'000'000 / rate);
      std::this_thread::sleep_until(next_start);
    }
    std::vector<cairn::StreamAppend> appends(1 + random() % 2);
    for (size_t s = 0; s < appends.size(); ++s) {
      appends[s].stream = "order-" + std::to_string(s * 100 + random() % 20);
      for (size_t n = 1 + random() % 3; n > 0; --n) {
        cairn::EventData event;
        event.event_id = cairn::Uuid::Random();
        event.type = "Crashed";
        event.data = std::string(50 + random() % 400, 'x');
        appends[s].events.push_back(std::move(event));
      }
    }
    if (in_flight == 0) {
      if (!Print((*store)->Append(appends))) return 1;
      continue;
    }
    slots.acquire();
    (*store)->AppendAsync(std::move(appends), [&slots](cairn::Result<cairn::AppendResult> result) {
      if (!Print(result)) std::_Exit(1);
      slots.release();
    });
  }
}
