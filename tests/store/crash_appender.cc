// crash_appender DATA_DIR SEED: appends with Sync durability until killed and
// prints "position event_id stream version" for every acknowledged event, one
// line each, flushed before the next append. The crash test kills it with
// SIGKILL and checks that every printed event survived.
#include <cstdio>
#include <random>

#include "store/event_store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_appender DATA_DIR SEED\n");
    return 2;
  }
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
    auto result = (*store)->Append(appends);
    if (!result.ok()) {
      std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
      return 1;
    }
    for (const auto& event : result->events) {
      std::printf("%llu %s %s %llu\n", static_cast<unsigned long long>(event.position),
                  event.event_id.ToString().c_str(), event.stream.c_str(),
                  static_cast<unsigned long long>(event.version));
    }
    std::fflush(stdout);
  }
}
