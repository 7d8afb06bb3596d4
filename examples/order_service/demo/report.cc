#include "examples/order_service/demo/report.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/kafka/topic_counts.h"
#include "examples/order_service/node_config.h"
#include "projections/database.h"
#include "projections/runner.h"

namespace cairn::demo {
namespace {

using Json = nlohmann::json;

void Heading(const std::string& title) { std::printf("\n%s\n", title.c_str()); }

void Orders(const Scenario& scenario) {
  Heading("Orders by final state");
  std::map<std::string, int> by_status;
  for (const DemoOrder& order : scenario.orders()) {
    ++by_status[order.status];
    std::printf("  %-10s %-6s %-38s %s\n", order.status.c_str(), order.customer.c_str(), order.id.c_str(),
                order.what.c_str());
  }
  for (const auto& [status, count] : by_status) std::printf("  %d %s\n", count, status.c_str());
}

void Timeline(order_service::HttpClient& client, const DemoOrder& order) {
  auto answer = client.Get("/sagas/order_fulfillment." + order.id);
  if (!answer.ok() || answer->status != 200) return;
  const Json saga = Json::parse(answer->body, nullptr, false);
  if (saga.is_discarded()) return;
  std::printf("  %s (%s's order): %s\n", saga.value("saga_id", "").c_str(), order.customer.c_str(),
              saga.value("status", "").c_str());
  for (const Json& step : saga["steps"]) {
    std::printf("    %-12s %-19s %s, %d attempt(s)%s%s\n", step.value("direction", "").c_str(),
                step.value("step", "").c_str(), step.value("outcome", "").c_str(), step.value("attempts", 0),
                step.contains("error") ? "  last error: " : "", step.value("error", "").c_str());
  }
}

// The ledger file holds one line per change; the last line of a charge id is its state.
void Ledger(const std::string& path, const Scenario& scenario, Checks& checks) {
  Heading("The payment provider's ledger");
  struct Entry {
    std::string order_id, state;
    int64_t amount = 0, refunded = 0;
    int charges = 0;
  };
  std::map<std::string, Entry> ledger;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const Json change = Json::parse(line, nullptr, false);
    if (change.is_discarded()) continue;
    Entry& entry = ledger[change.value("charge_id", "")];
    entry.order_id = change.value("order_id", entry.order_id);
    entry.state = change.value("state", entry.state);
    entry.amount = change.value("amount", entry.amount);
    entry.refunded = change.value("refunded", entry.refunded);
    entry.charges += entry.state == "charged";
  }
  int most = 0;
  for (const auto& [charge_id, entry] : ledger) {
    std::printf("  %-44s %-9s amount %6lld  refunded %6lld  taken %d time(s)\n", charge_id.c_str(),
                entry.state.c_str(), static_cast<long long>(entry.amount), static_cast<long long>(entry.refunded),
                entry.charges);
    most = std::max(most, entry.charges);
  }
  checks.Expect(!ledger.empty() && most <= 1, "no charge was taken twice");
  const Entry& frank = ledger["ch-" + scenario.Find("frank").id];
  checks.Expect(frank.state == "refunded" && frank.refunded == frank.amount,
                "frank's payment, cancelled while it was taken, is refunded in full");
  const Entry& erin = ledger["ch-" + scenario.Find("erin").id];
  checks.Expect(erin.state == "declined" && erin.charges == 0, "erin's charge is declined and nothing is taken");
  for (const char* customer : {"grace", "heidi", "ivan"}) {
    auto found = ledger.find("ch-" + scenario.Find(customer).id);
    const bool kept = found != ledger.end() && found->second.state == "charged";
    checks.Expect(!kept, std::string(customer) + " keeps no charge from the outage");
  }
}

Result<int64_t> Count(const std::string& directory, const std::string& model, const std::string& sql) {
  CAIRN_ASSIGN_OR_RETURN(auto db, projections::Database::OpenReadOnly(projections::ReadModelPath(directory, model)));
  CAIRN_ASSIGN_OR_RETURN(projections::Statement query, db->Prepare(sql));
  CAIRN_ASSIGN_OR_RETURN(bool row, query.Step());
  return row ? query.Int(0) : 0;
}

void ReadModels(const std::string& data_dir, const Scenario& scenario, Checks& checks) {
  Heading("Read models (SQLite)");
  const std::string directory = order_service::ProjectionsDirectory(data_dir);
  const std::pair<const char*, const char*> tables[] = {{"order_summary", "orders"},
                                                        {"customer_orders", "customer_orders"},
                                                        {"charge_ledger", "charge_ledger"},
                                                        {"notification_status", "notification_status"},
                                                        {"audit_log", "audit_log"}};
  for (const auto& [model, table] : tables) {
    auto rows = Count(directory, model, std::string("SELECT count(*) FROM ") + table);
    std::printf("  %-20s %s\n", model, rows.ok() ? (std::to_string(*rows) + " rows").c_str() : rows.status().message().c_str());
  }
  auto orders = Count(directory, "order_summary", "SELECT count(*) FROM orders");
  checks.Expect(orders.ok() && *orders == static_cast<int64_t>(scenario.orders().size()),
                "order_summary holds every order once");
  auto attempts = Count(directory, "notification_status",
                        "SELECT attempts FROM notification_status WHERE order_id = '" + scenario.Find("dora").id +
                            "' AND template = 'order-confirmed'");
  checks.Expect(attempts.ok() && *attempts == 2, "dora's confirmation mail failed once and went out on the retry");
}

Result<int64_t> Published(const std::string& bootstrap, std::map<std::string, int64_t>& counts) {
  CAIRN_ASSIGN_OR_RETURN(counts, kafka::TopicCounts(bootstrap, "cairn."));
  int64_t total = 0;
  for (const auto& [topic, count] : counts) total += count;
  return total;
}

// The publisher follows the store closely; the demo gives it a moment to catch up with the head.
void Kafka(const std::string& bootstrap, uint64_t head, Checks& checks) {
  Heading("Kafka topics (the store is the outbox; one topic per category)");
  std::map<std::string, int64_t> counts;
  Result<int64_t> total = Published(bootstrap, counts);
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       total.ok() && *total < static_cast<int64_t>(head) && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    total = Published(bootstrap, counts);
  }
  if (!total.ok()) {
    std::printf("  %s\n", total.status().message().c_str());
    return checks.Expect(false, "Kafka answers at " + bootstrap);
  }
  for (const auto& [topic, count] : counts) {
    std::printf("  %-22s %lld messages\n", topic.c_str(), static_cast<long long>(count));
  }
  checks.Expect(*total == static_cast<int64_t>(head),
                "every event of the store (" + std::to_string(head) + ") is in Kafka, once");
}

void Breaker(order_service::HttpClient& client) {
  Heading("Payment circuit breaker");
  auto metrics = client.Get("/metrics");
  if (!metrics.ok()) return;
  const std::string prefix = "cairn_circuit_breaker_transitions_total{breaker=\"payment\",to=\"";
  for (size_t at = metrics->body.find(prefix); at != std::string::npos; at = metrics->body.find(prefix, at + 1)) {
    const size_t end = metrics->body.find('\n', at);
    const std::string line = metrics->body.substr(at + prefix.size(), end - at - prefix.size());
    const size_t quote = line.find('"');
    std::printf("  entered %-10s %s time(s)\n", line.substr(0, quote).c_str(), line.substr(line.rfind(' ') + 1).c_str());
  }
}

}  // namespace

void PrintReport(const Scenario& scenario, order_service::HttpClient& client, const ReportSources& sources,
                 Checks& checks) {
  Orders(scenario);
  Heading("Saga timelines");
  Timeline(client, scenario.Find("alice"));  // completed
  Timeline(client, scenario.Find("erin"));   // compensated: declined
  Timeline(client, scenario.Find("frank"));  // cancelled by the customer while paying
  Ledger(sources.ledger_path, scenario, checks);
  ReadModels(sources.data_dir, scenario, checks);
  uint64_t head = 0;
  if (auto ready = client.Get("/readyz"); ready.ok()) {
    head = Json::parse(ready->body, nullptr, false).value("head", uint64_t{0});
  }
  Kafka(sources.kafka_bootstrap, head, checks);
  Breaker(client);
}

}  // namespace cairn::demo
