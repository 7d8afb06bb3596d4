// A node that runs the fulfillment saga on a data dir until it is killed
// ("run"), or until every order's saga has ended ("finish", exit 0). The
// crash test kills it with SIGKILL at random points.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "examples/commerce/commerce.h"
#include "sagas/admin.h"
#include "sagas/orchestrator.h"

using namespace cairn;
using std::chrono::milliseconds;

namespace {

// Every order has a saga, and none is going on.
bool AllEnded(EventStore& store) {
  auto orders = store.ListStreams("order", "", 100000);
  auto sagas = sagas::ListSagas(store);
  if (!orders.ok() || !sagas.ok() || sagas->size() < orders->size()) return false;
  for (const sagas::SagaInstance& saga : *sagas) {
    if (!sagas::IsFinal(saga.status) && saga.status != sagas::SagaStatus::kStuck) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const std::string dir = argv[1], mode = argv[2];
  auto store = OpenEventStore(dir + "/data", {.lock_wait = milliseconds(5000)});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  commerce::CommerceOptions options;
  options.gateway = {.decline_above = 100000, .fail_percent = 10, .latency = milliseconds(3),
                     .ledger_path = dir + "/ledger.jsonl"};
  options.mail_file = dir + "/mail.jsonl";
  commerce::Commerce shop(**store, options);
  if (!shop.Start().ok()) return 1;
  commerce::FulfillmentOptions fast;
  fast.charge_retry = {.max_attempts = 4, .first_delay = milliseconds(5), .max_delay = milliseconds(20)};
  fast.charge_attempt_timeout = milliseconds(150);
  fast.refund_retry = {.max_attempts = 12, .first_delay = milliseconds(5), .max_delay = milliseconds(20)};
  fast.mail_retry = {.first_delay = milliseconds(5), .max_delay = milliseconds(20)};
  Runtime runtime(2, 1);
  sagas::Orchestrator orchestrator(**store, shop.types(), shop.bus());
  orchestrator.AddBreaker(std::string(commerce::kPaymentBreaker), {});
  orchestrator.AddBreaker(std::string(commerce::kMailBreaker), {});
  if (!orchestrator.Register(shop.Fulfillment(fast)).ok() || !orchestrator.Start(runtime).ok()) return 1;
  std::printf("started\n");
  std::fflush(stdout);
  // Checking reads every saga, so not often: it would starve the sagas it waits for.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(mode == "finish" ? 180 : 3600);
  while (std::chrono::steady_clock::now() < give_up) {
    if (mode == "finish" && orchestrator.counts().in_flight == 0 && AllEnded(**store)) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  const bool ended = mode == "finish" && AllEnded(**store);
  (void)orchestrator.Stop();
  runtime.Stop();
  std::printf("%s resumed=%llu\n", ended ? "ended" : "gave up", (unsigned long long)orchestrator.counts().resumed);
  return ended ? 0 : 1;
}
