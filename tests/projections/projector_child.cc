// projector_child DATA_DIR PROJECTIONS_DIR: runs the counting projector over
// the store until it has caught up, then prints "caught up" and exits. The
// crash test kills it with SIGKILL on the way.
#include <cstdio>

#include "projections/runner.h"
#include "tests/projections/counting_projector.h"

int main(int argc, char** argv) {
  using namespace cairn;
  if (argc != 3) return 2;
  auto store = OpenEventStoreForReading(argv[1]);
  if (!store.ok()) return 5;
  projections::testing::CountingProjector projector;
  projections::ProjectionRunner runner(**store, projector,
                                       {.directory = argv[2], .batch_size = 50, .max_delay = std::chrono::milliseconds(1)});
  while (runner.status().checkpoint < (*store)->HeadPosition() || runner.status().checkpoint == 0) {
    auto ran = runner.RunOnce(std::chrono::milliseconds(10));
    if (!ran.ok()) {
      std::fprintf(stderr, "%s\n", ran.status().ToString().c_str());
      return 1;
    }
  }
  std::printf("caught up at %llu\n", static_cast<unsigned long long>(runner.status().checkpoint));
  return 0;
}
