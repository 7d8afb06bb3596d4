// publisher_child DATA_DIR BOOTSTRAP append|drain: a node that holds the
// store and runs the publisher against the cluster at BOOTSTRAP. With
// "append" it also appends events until killed; with "drain" it waits until
// the checkpoint reaches the head, prints "drained <position>" and exits.
#include <cstdio>
#include <thread>

#include "engine/kafka/publisher.h"

int main(int argc, char** argv) {
  using namespace cairn;
  if (argc != 4) return 2;
  auto store = OpenEventStore(argv[1]);
  if (!store.ok()) return 5;
  Runtime runtime;
  kafka::Publisher publisher(**store, {.brokers = argv[2], .checkpoint_interval = std::chrono::milliseconds(20)});
  if (!publisher.Start(runtime).ok()) return 1;
  if (std::string(argv[3]) == "drain") {
    const uint64_t head = (*store)->HeadPosition();
    if (!publisher.WaitForCheckpoint(head, std::chrono::seconds(60))) return 1;
    std::printf("drained %llu\n", static_cast<unsigned long long>(head));
    return publisher.Stop().ok() ? 0 : 1;
  }
  for (int i = 0;; ++i) {
    EventData event;
    event.type = "Placed";
    event.data = "{\"n\":" + std::to_string(i) + "}";
    if (!(*store)->Append("order-" + std::to_string(i % 13), ExpectedVersion::Any(), {event}).ok()) return 1;
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
}
