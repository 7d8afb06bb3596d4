// crash_appender DATA_DIR SEED [IN_FLIGHT]: appends with Sync durability
// until killed and prints "position event_id stream version" for every
// acknowledged event, one line each, flushed as soon as it is acknowledged.
// With IN_FLIGHT, one thread keeps that many asynchronous appends
// outstanding and prints from their callbacks. The crash test kills it with
// SIGKILL and checks that every printed event survived.
#include <cstdio>
#include <random>
#include <semaphore>

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
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: crash_appender DATA_DIR SEED [IN_FLIGHT]\n");
    return 2;
  }
  const long in_flight = argc == 4 ? std::stol(argv[3]) : 0;
  std::counting_semaphore<4096> slots(in_flight);
  auto store = cairn::OpenEventStore(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 5;
  }
  std::mt19937 random(static_cast<unsigned>(std::stoul(argv[2])));
  for (;;) {
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
