// The Service: work on the pool, a drain before the components stop, and a
// real SIGTERM to a child node that must exit 0 with nothing lost.
#include "engine/service.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

class Recorder final : public Component {
 public:
  Recorder(std::string name, std::vector<std::string>& log, std::atomic<int>* pending = nullptr)
      : name_(std::move(name)), log_(log), pending_(pending) {}
  std::string name() const override { return name_; }
  Status Start() override {
    log_.push_back("start " + name_);
    return OkStatus();
  }
  Status Stop() override {
    log_.push_back("stop " + name_ + (pending_ ? " pending=" + std::to_string(pending_->load()) : ""));
    return OkStatus();
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
  std::atomic<int>* pending_;
};

TEST(Service, DrainsInFlightWorkBeforeStoppingComponentsInReverseOrder) {
  Service service({.threads = 2, .drain_timeout = std::chrono::seconds(10)});
  std::vector<std::string> log;
  std::atomic<int> pending{0};
  Recorder first("first", log, &pending), second("second", log, &pending);
  service.Add(first);
  service.Add(second);
  std::thread stopper([&] {
    for (int i = 0; i < 20; ++i) {
      ++pending;
      ASSERT_TRUE(service.Submit([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        --pending;
      }));
    }
    service.Stop();
  });
  EXPECT_EQ(service.Run(), 0);
  stopper.join();
  EXPECT_EQ(log, (std::vector<std::string>{"start first", "start second", "stop second pending=0", "stop first pending=0"}));
  EXPECT_FALSE(service.Submit([] {}));
  EXPECT_FALSE(service.accepting());
}

TEST(Service, AComponentThatFailsToStartStopsTheServiceWithExitOne) {
  class Broken final : public Component {
   public:
    std::string name() const override { return "broken"; }
    Status Start() override { return UnavailableError("no disk"); }
    Status Stop() override { return OkStatus(); }
  };
  Service service({});
  std::vector<std::string> log;
  Recorder before("before", log);
  Broken broken;
  service.Add(before);
  service.Add(broken);
  EXPECT_EQ(service.Run(), 1);
  EXPECT_EQ(log, (std::vector<std::string>{"start before", "stop before"}));
}

TEST(Service, WorkThatDoesNotDrainInTimeMakesTheExitCodeOne) {
  Service service({.threads = 1, .drain_timeout = std::chrono::milliseconds(50)});
  std::atomic<bool> release{false};
  ASSERT_TRUE(service.Submit([&] {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }));
  service.Stop();
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    release = true;
  });
  EXPECT_EQ(service.Run(), 1);
  releaser.join();
}

TEST(Service, SigtermStopsANodeCleanlyWithEveryAcceptedCommandDone) {
  for (int round = 0; round < 3; ++round) {
    testing::TempDir dir;
    testing::Child node(SERVICE_CHILD_PATH, {dir.Sub("data")});
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto done_count = [&] {
      const std::string out = node.Stdout();
      size_t count = 0;
      for (size_t at = out.find("done "); at != std::string::npos; at = out.find("done ", at + 1)) ++count;
      return count;
    };
    while (done_count() < 30 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_GE(done_count(), 30u) << node.Stderr();
    EXPECT_EQ(node.Stop(SIGTERM), 0) << node.Stderr();

    std::istringstream out(node.Stdout());
    std::vector<std::string> done;
    uint64_t checkpoint = 0;
    int accepted = -1, completed = -1;
    for (std::string word; out >> word;) {
      if (word == "done") out >> done.emplace_back();
      else if (word == "checkpoint") out >> checkpoint;
      else if (word == "stopped") out >> accepted >> completed;
    }
    EXPECT_EQ(accepted, completed) << "accepted commands were dropped at stop";
    EXPECT_EQ(static_cast<int>(done.size()), completed);

    auto store = OpenEventStore(dir.Sub("data"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->HeadPosition(), done.size());
    for (const std::string& id : done) EXPECT_TRUE((*store)->GetStreamHead("order-" + id).ok()) << id;
    auto saved = (*store)->LoadCheckpoint("intake");
    ASSERT_TRUE(saved.ok() && saved->has_value()) << "the checkpoint was not flushed at stop";
    EXPECT_EQ((*saved)->position, checkpoint);
    EXPECT_EQ(checkpoint, (*store)->HeadPosition());
    EXPECT_TRUE((*store)->Verify({}).ok());
  }
}

}  // namespace
}  // namespace cairn
