// The Service: work on the pool, a drain before the components stop, and a
// real SIGTERM to a child node that must exit 0 with nothing lost.
#include "engine/service.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
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
  Status Start(Runtime&) override {
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

// Goes down and up again, then fails for good, from its own thread.
class Flaky final : public Component {
 public:
  explicit Flaky(std::vector<std::string>& log) : log_(log) {}
  ~Flaky() override {
    if (thread_.joinable()) thread_.join();
  }
  std::string name() const override { return "flaky"; }
  Status Start(Runtime&) override {
    thread_ = std::thread([this] {
      ReportDown("store away");
      ReportUp();
      ReportFailed("read model locked by another process");
      ReportFailed("said twice");
    });
    return OkStatus();
  }
  Status Stop() override {
    if (thread_.joinable()) thread_.join();
    log_.push_back("stop flaky");
    return OkStatus();
  }

 private:
  std::vector<std::string>& log_;
  std::thread thread_;
};

TEST(Service, AComponentThatCannotGoOnStopsTheNodeWithExitOne) {
  MetricsRegistry metrics;
  Service service({.threads = 1}, &metrics);
  std::vector<std::string> log;
  Recorder before("before", log);
  Flaky flaky(log);
  service.Add(before);
  service.Add(flaky);
  EXPECT_EQ(service.Run(), 1);
  EXPECT_EQ(log, (std::vector<std::string>{"start before", "stop flaky", "stop before"}));
  const std::string text = metrics.RenderPrometheus();
  EXPECT_NE(text.find("cairn_component_up{component=\"flaky\"} 0\n"), std::string::npos) << text;
}

TEST(Service, ComponentsThatRunAreUpAndGoDownWhenTheyStop) {
  MetricsRegistry metrics;
  Service service({.threads = 1}, &metrics);
  std::vector<std::string> log;
  Recorder one("one", log);
  service.Add(one);
  std::thread checker([&] {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto up = [&] { return metrics.RenderPrometheus().find("cairn_component_up{component=\"one\"} 1\n") != std::string::npos; };
    while (!up() && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    log.push_back(up() ? "seen up" : "never up");
    service.Stop();
  });
  EXPECT_EQ(service.Run(), 0);
  checker.join();
  EXPECT_NE(std::find(log.begin(), log.end(), "seen up"), log.end());
  EXPECT_NE(metrics.RenderPrometheus().find("cairn_component_up{component=\"one\"} 0\n"), std::string::npos);
}

TEST(Service, AComponentThatFailsToStartStopsTheServiceWithExitOne) {
  class Broken final : public Component {
   public:
    std::string name() const override { return "broken"; }
    Status Start(Runtime&) override { return UnavailableError("no disk"); }
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
