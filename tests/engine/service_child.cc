// service_child DATA_DIR: a node that places orders until SIGTERM. It prints
// "ready", then "done <order id>" for every order whose command completed,
// and at the end "checkpoint <position>" and "stopped <accepted> <completed>".
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "engine/service.h"
#include "examples/commerce/commerce.h"

namespace {

using namespace cairn;

std::mutex out_mu;
void Say(const std::string& line) {
  std::lock_guard lock(out_mu);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// Feeds PlaceOrder commands into the service until it stops taking them.
class Intake final : public Component {
 public:
  Intake(Service& service, EventStore& store, commerce::Commerce& commerce)
      : service_(service), store_(store), commerce_(commerce) {}
  std::string name() const override { return "intake"; }

  Status Start(Runtime&) override {
    producer_ = std::thread([this] {
      for (int i = 0;; ++i) {
        const std::string id = "o-" + std::to_string(i);
        const bool accepted = service_.Submit([this, id] {
          commerce::OrderCommand command;
          commerce::PlaceOrder* place = command.mutable_place();
          place->set_order_id(id);
          place->set_customer_id("c-1");
          place->set_currency("EUR");
          auto* line = place->add_lines();
          line->set_sku("tea");
          line->set_quantity(1);
          line->set_unit_price(450);
          std::this_thread::sleep_for(std::chrono::milliseconds(2));  // work that takes a while
          if (commerce_.Handle(command).ok()) {
            ++completed_;
            Say("done " + id);
          }
        });
        if (!accepted) return;
        ++accepted_;
        if (i == 0) Say("ready");
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    return OkStatus();
  }

  // Runs after in-flight commands drained: the checkpoint covers all of them.
  Status Stop() override {
    producer_.join();
    Checkpoint checkpoint;
    checkpoint.position = store_.HeadPosition();
    CAIRN_RETURN_IF_ERROR(store_.SaveCheckpoint("intake", checkpoint));
    Say("checkpoint " + std::to_string(checkpoint.position));
    return OkStatus();
  }

  int accepted() const { return accepted_; }
  int completed() const { return completed_; }

 private:
  Service& service_;
  EventStore& store_;
  commerce::Commerce& commerce_;
  std::thread producer_;
  std::atomic<int> accepted_{0}, completed_{0};
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  ServiceOptions options;
  options.threads = 4;
  options.log.level = "warn";
  if (!ConfigureLogging(options.log).ok()) return 1;
  auto store = OpenEventStore(argv[1]);
  if (!store.ok()) return 5;
  commerce::Commerce commerce(**store);
  Service service(options);
  Intake intake(service, **store, commerce);
  service.Add(intake);
  const int code = service.Run();
  Say("stopped " + std::to_string(intake.accepted()) + " " + std::to_string(intake.completed()));
  return code;
}
