#include "tests/soak/end_checks.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "engine/kafka/kafka_options.h"
#include "examples/commerce/payment_gateway.h"
#include "examples/order_service/http_client.h"
#include "projections/progress.h"
#include "projections/runner.h"
#include "sagas/admin.h"
#include "store/event_store.h"
#include "tests/soak/read_models.h"
#include "tests/testing/subprocess.h"

namespace cairn::soak {
namespace {

using Json = nlohmann::json;

std::string SagaId(const std::string& order_id) { return "order_fulfillment." + order_id; }

// Every store-fed read model and the publisher have applied what the store holds.
bool AtHead(EventStore& store, const std::string& data_dir) {
  const uint64_t head = store.HeadPosition();
  auto published = store.LoadCheckpoint(kafka::KafkaOptions{}.checkpoint_name);
  if (!published.ok() || !published->has_value() || (*published)->position < head) return false;
  for (const std::string& model : ReadModelNames()) {
    auto progress = projections::LoadProgress(projections::ReadModelPath(data_dir + "/projections", model));
    if (!progress.ok() || progress->checkpoint < head) return false;
  }
  return true;
}

}  // namespace

void Mismatches::Add(const std::string& what) {
  if (++count_ <= 20) std::fprintf(stderr, "soak: MISMATCH %s\n", what.c_str());
}

std::vector<std::string> RetryEveryOrder(uint16_t port, std::vector<SentOrder> sent, Mismatches& mismatches) {
  order_service::HttpClient http("127.0.0.1", port, std::chrono::seconds(30));
  std::vector<std::string> order_ids;
  for (SentOrder& order : sent) {
    auto retried = http.PostJson("/orders", order.body, {{"Idempotency-Key", order.key}});
    if (!retried.ok() || retried->status != 202) {
      mismatches.Add("the retry of " + order.key + " got " +
                     (retried.ok() ? std::to_string(retried->status) + " " + retried->body : retried.status().ToString()));
      continue;
    }
    const std::string id = Json::parse(retried->body).value("order_id", "");
    if (!order.order_id.empty() && id != order.order_id) {
      mismatches.Add("the retry of " + order.key + " returned order " + id + ", not " + order.order_id);
    }
    order_ids.push_back(id);
  }
  return order_ids;
}

Status WaitUntilSettled(const std::string& data_dir, const std::vector<std::string>& order_ids,
                        std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string left = "nothing read yet";
  for (bool sagas_done = false; std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(500))) {
    // A reader sees what was committed when it opened: a new one each time.
    auto store = OpenEventStoreForReading(data_dir);
    if (!store.ok()) return store.status();
    if (!sagas_done) {
      auto sagas = sagas::ListSagas(**store);
      if (!sagas.ok()) return sagas.status();
      const size_t running = std::count_if(sagas->begin(), sagas->end(),
                                           [](const sagas::SagaInstance& saga) { return !sagas::IsFinal(saga.status); });
      sagas_done = running == 0 && sagas->size() >= order_ids.size();
      left = std::to_string(running) + " sagas running, " + std::to_string(sagas->size()) + " of " +
             std::to_string(order_ids.size()) + " started";
      continue;
    }
    if (AtHead(**store, data_dir)) return OkStatus();
    left = "the publisher or a read model is behind the head " + std::to_string((*store)->HeadPosition());
  }
  return UnavailableError("not settled after " + std::to_string(timeout.count()) + " s: " + left);
}

SagaCounts CheckOrdersAndSagas(const std::string& data_dir, const std::string& ledger_path,
                               const std::vector<std::string>& order_ids, Mismatches& mismatches) {
  SagaCounts counts;
  auto store = OpenEventStoreForReading(data_dir);
  if (!store.ok()) return mismatches.Add("the service's store: " + store.status().ToString()), counts;
  commerce::SimulatedPaymentGateway gateway({.ledger_path = ledger_path});
  if (Status opened = gateway.Open(); !opened.ok()) mismatches.Add("the provider's ledger: " + opened.ToString());
  const std::map<std::string, commerce::LedgerEntry> ledger = gateway.Ledger();
  for (const auto& [charge_id, entry] : ledger) {
    if (entry.charges > 1) mismatches.Add("charge " + charge_id + " was taken " + std::to_string(entry.charges) + " times");
  }

  auto sagas = sagas::ListSagas(**store);
  if (!sagas.ok()) return mismatches.Add("listing sagas: " + sagas.status().ToString()), counts;
  std::map<std::string, sagas::SagaStatus> status_of;
  for (const sagas::SagaInstance& saga : *sagas) {
    ++counts[std::string(sagas::SagaStatusName(sagas::ShownStatus(saga)))];
    status_of[saga.id] = sagas::ShownStatus(saga);
  }
  for (const std::string& id : std::set<std::string>(order_ids.begin(), order_ids.end())) {
    auto events = (*store)->ReadStream("order-" + id, {});
    const long placed = events.ok() ? std::count_if(events->begin(), events->end(),
                                                    [](const RecordedEvent& e) { return e.type == "OrderPlaced"; })
                                    : 0;
    if (placed != 1) mismatches.Add("order " + id + " was placed " + std::to_string(placed) + " times");
    auto saga = status_of.find(SagaId(id));
    if (saga == status_of.end()) {
      mismatches.Add("order " + id + " has no saga");
      continue;
    }
    auto charge = ledger.find("ch-" + id);
    const bool charged = charge != ledger.end() && charge->second.state == commerce::LedgerEntry::State::kCharged;
    switch (saga->second) {
      case sagas::SagaStatus::kCompleted:
        if (!charged) mismatches.Add("order " + id + " completed but the provider holds no charge for it");
        break;
      case sagas::SagaStatus::kCompensated:
      case sagas::SagaStatus::kCancelled:
        if (charged) mismatches.Add("order " + id + " was compensated but its charge was kept");
        break;
      default:
        mismatches.Add("the saga of order " + id + " ended " + std::string(sagas::SagaStatusName(saga->second)));
    }
  }
  return counts;
}

void CheckVerifies(const std::string& data_dir, Mismatches& mismatches) {
  testing::ProcessResult verified = testing::Run(CAIRN_CLI_PATH, {"--data-dir", data_dir, "verify"});
  if (verified.exit_code != 0) {
    mismatches.Add("cairn verify " + data_dir + " exited " + std::to_string(verified.exit_code) + ": " + verified.out +
                   verified.err);
  }
}

void CheckAppended(const std::string& data_dir, const std::vector<testing::Acknowledged>& appended,
                   Mismatches& mismatches) {
  auto store = OpenEventStoreForReading(data_dir);
  if (!store.ok()) return mismatches.Add("the appender's store: " + store.status().ToString());
  std::vector<const testing::Acknowledged*> by_position;
  for (const testing::Acknowledged& ack : appended) by_position.push_back(&ack);
  std::sort(by_position.begin(), by_position.end(), [](auto* a, auto* b) { return a->position < b->position; });
  std::vector<RecordedEvent> page;
  size_t at = 0;  // in page
  for (const testing::Acknowledged* ack : by_position) {
    while (!page.empty() && at < page.size() && page[at].position < ack->position) ++at;
    if (page.empty() || at == page.size()) {
      auto read = (*store)->ReadAll(ack->position, 10'000);
      if (!read.ok()) return mismatches.Add("reading the appender's store: " + read.status().ToString());
      page = std::move(read).value();
      at = 0;
    }
    const bool found = at < page.size() && page[at].position == ack->position &&
                       page[at].event_id.ToString() == ack->event_id && page[at].stream == ack->stream &&
                       page[at].version == ack->version;
    if (!found) mismatches.Add("acknowledged event " + ack->event_id + " at " + std::to_string(ack->position) + " is lost");
  }
}

}  // namespace cairn::soak
