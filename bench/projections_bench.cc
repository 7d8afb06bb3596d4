#include "bench/projections_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <filesystem>

#include "examples/commerce/commerce.h"
#include "examples/commerce/read_models.h"
#include "projections/database.h"
#include "projections/rebuild.h"
#include "projections/runner.h"
#include "bench/workload.h"

namespace cairn::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using projections::Database;
using projections::Statement;

constexpr uint64_t kCustomers = 5000;

// The story of one order, as the shop's handlers would have recorded it.
std::vector<std::pair<std::string, std::unique_ptr<google::protobuf::Message>>> OrderStory(uint64_t n) {
  const std::string id = std::to_string(n);
  const std::string customer = "c-" + std::to_string(n % kCustomers);
  std::vector<std::pair<std::string, std::unique_ptr<google::protobuf::Message>>> story;
  auto placed = std::make_unique<commerce::OrderPlaced>();
  placed->set_order_id(id);
  placed->set_customer_id(customer);
  placed->set_currency("EUR");
  auto* line = placed->add_lines();
  line->set_sku("tea");
  line->set_quantity(2);
  line->set_unit_price(450);
  placed->set_total(900);
  story.emplace_back("order-" + id, std::move(placed));
  auto charged = std::make_unique<commerce::ChargeSucceeded>();
  charged->set_charge_id("ch-" + id);
  charged->set_order_id(id);
  charged->set_customer_id(customer);
  charged->set_amount(900);
  charged->set_currency("EUR");
  charged->set_gateway_ref("sim-ch-" + id);
  story.emplace_back("charge-ch-" + id, std::move(charged));
  auto confirmed = std::make_unique<commerce::OrderConfirmed>();
  confirmed->set_order_id(id);
  confirmed->set_charge_id("ch-" + id);
  story.emplace_back("order-" + id, std::move(confirmed));
  auto queued = std::make_unique<commerce::NotificationQueued>();
  queued->set_notification_id("n-" + id);
  queued->set_recipient(customer + "@example.com");
  queued->set_template_name("order-confirmed");
  queued->set_order_id(id);
  story.emplace_back("notification-n-" + id, std::move(queued));
  return story;
}

// The baseline: every row the five read-model files end up with, table for
// table, inserted with prepared statements in transactions of 5,000 events,
// synced once at the end.
Status RawInserts(const std::string& dir, uint64_t orders) {
  fs::create_directories(dir);
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(dir + "/raw.sqlite", projections::Durability::kOff));
  // The settings and indexes the rebuild has.
  CAIRN_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=MEMORY; PRAGMA cache_size=-65536"));
  CAIRN_RETURN_IF_ERROR(db->Exec(
      "CREATE TABLE orders (order_id TEXT PRIMARY KEY, status TEXT, customer_id TEXT, total INTEGER, currency TEXT,"
      " charge_id TEXT, cancel_reason TEXT, placed_at TEXT, confirmed_at TEXT, cancelled_at TEXT);"
      "CREATE INDEX orders_customer ON orders (customer_id);"
      "CREATE TABLE order_notifications (order_id TEXT PRIMARY KEY, notification_id TEXT, state TEXT, rank INTEGER);"
      "CREATE TABLE notification_orders (notification_id TEXT PRIMARY KEY, order_id TEXT);"
      "CREATE TABLE customer_order_totals (order_id TEXT PRIMARY KEY, customer_id TEXT, total INTEGER, currency TEXT);"
      "CREATE TABLE customer_orders (customer_id TEXT PRIMARY KEY, orders INTEGER, last_order_id TEXT, last_order_at TEXT);"
      "CREATE TABLE customer_confirmed_totals (customer_id TEXT, currency TEXT, total INTEGER,"
      " PRIMARY KEY (customer_id, currency));"
      "CREATE TABLE charge_ledger (position INTEGER PRIMARY KEY, charge_id TEXT, order_id TEXT, customer_id TEXT,"
      " kind TEXT, amount INTEGER, currency TEXT, reference TEXT, at TEXT);"
      "CREATE INDEX charge_ledger_customer ON charge_ledger (customer_id);"
      "CREATE TABLE notification_status (notification_id TEXT PRIMARY KEY, order_id TEXT, recipient TEXT,"
      " template TEXT, attempts INTEGER, last_error TEXT, state TEXT, updated_at TEXT);"
      "CREATE TABLE audit_log (position INTEGER PRIMARY KEY, stream TEXT, type TEXT, event_id TEXT,"
      " correlation_id TEXT, causation_id TEXT, recorded_at TEXT, data TEXT);"
      "CREATE INDEX audit_log_correlation ON audit_log (correlation_id);"));
  CAIRN_ASSIGN_OR_RETURN(Statement order, db->Prepare(
      "INSERT INTO orders VALUES (?1, 'confirmed', ?2, 900, 'EUR', ?3, NULL, ?4, ?4, NULL)"));
  CAIRN_ASSIGN_OR_RETURN(Statement order_notification, db->Prepare(
      "INSERT INTO order_notifications VALUES (?1, ?2, 'queued', 1)"));
  CAIRN_ASSIGN_OR_RETURN(Statement notification_order, db->Prepare("INSERT INTO notification_orders VALUES (?1, ?2)"));
  CAIRN_ASSIGN_OR_RETURN(Statement totals, db->Prepare("INSERT INTO customer_order_totals VALUES (?1, ?2, 900, 'EUR')"));
  CAIRN_ASSIGN_OR_RETURN(Statement ledger, db->Prepare(
      "INSERT INTO charge_ledger VALUES (?1, ?2, ?3, ?4, 'charge', 900, 'EUR', ?5, ?6)"));
  CAIRN_ASSIGN_OR_RETURN(Statement notification, db->Prepare(
      "INSERT INTO notification_status VALUES (?1, ?2, ?3, 'order-confirmed', 0, NULL, 'queued', ?4)"));
  CAIRN_ASSIGN_OR_RETURN(Statement audit, db->Prepare("INSERT INTO audit_log VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)"));
  CAIRN_ASSIGN_OR_RETURN(Statement customer, db->Prepare("INSERT INTO customer_orders VALUES (?1, ?2, ?3, ?4)"));
  CAIRN_ASSIGN_OR_RETURN(Statement confirmed, db->Prepare("INSERT INTO customer_confirmed_totals VALUES (?1, 'EUR', ?2)"));
  const std::string at = "2026-11-26T10:00:00.000000Z";
  const std::string json = R"({"order_id":"1","customer_id":"c-1","lines":[{"sku":"tea","quantity":"2","unit_price":"450"}],"currency":"EUR","total":"900"})";
  CAIRN_RETURN_IF_ERROR(db->Exec("BEGIN"));
  for (uint64_t n = 0; n < orders; ++n) {
    const std::string id = std::to_string(n), customer_id = "c-" + std::to_string(n % kCustomers);
    const std::string charge_id = "ch-" + id, notification_id = "n-" + id;
    CAIRN_RETURN_IF_ERROR(order.Run(id, customer_id, charge_id, at));
    CAIRN_RETURN_IF_ERROR(order_notification.Run(id, notification_id));
    CAIRN_RETURN_IF_ERROR(notification_order.Run(notification_id, id));
    CAIRN_RETURN_IF_ERROR(totals.Run(id, customer_id));
    CAIRN_RETURN_IF_ERROR(ledger.Run(static_cast<int64_t>(4 * n + 2), charge_id, id, customer_id, "sim-" + charge_id, at));
    CAIRN_RETURN_IF_ERROR(notification.Run(notification_id, id, customer_id + "@example.com", at));
    for (int k = 1; k <= 4; ++k) {
      CAIRN_RETURN_IF_ERROR(audit.Run(static_cast<int64_t>(4 * n + k), "order-" + id, "OrderPlaced",
                                      "00000000-0000-0000-0000-000000000000", "corr-" + id, at, json));
    }
    if (n % 1250 == 1249) CAIRN_RETURN_IF_ERROR(db->Exec("COMMIT; BEGIN"));  // 5,000 events a transaction
  }
  for (uint64_t c = 0; c < std::min(orders, kCustomers); ++c) {
    const std::string customer_id = "c-" + std::to_string(c);
    const int64_t count = static_cast<int64_t>((orders - c + kCustomers - 1) / kCustomers);
    CAIRN_RETURN_IF_ERROR(customer.Run(customer_id, count, std::to_string(c), at));
    CAIRN_RETURN_IF_ERROR(confirmed.Run(customer_id, 900 * count));
  }
  CAIRN_RETURN_IF_ERROR(db->Exec("COMMIT"));
  CAIRN_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  CAIRN_RETURN_IF_ERROR(db->SetDurability(projections::Durability::kFull));
  return db->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace

Result<std::vector<CaseResult>> RunRebuildCases(uint64_t events, const std::string& work_dir) {
  CaseResult result;
  result.durability = "off, 1 sync";
  result.clients = 1;
  result.batch = 5000;
  const uint64_t orders = std::max<uint64_t>(1, events / 4);
  result.events = orders * 4;
  result.baseline = "raw SQLite on one thread inserting every row the read models hold, same indexes and settings";
  std::vector<CaseResult> results;
  const std::string dir = work_dir + "/rebuild";
  fs::remove_all(dir);
  {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store,
                           OpenEventStore(dir + "/data", {.durability = Durability::kBuffered}));
    EventTypeRegistry types;
    commerce::RegisterCommerceEvents(types);
    // 250 orders an append; an order's two order events share one StreamAppend.
    std::vector<StreamAppend> appends;
    for (uint64_t n = 0; n < orders; ++n) {
      for (auto& [stream, message] : OrderStory(n)) {
        CAIRN_ASSIGN_OR_RETURN(EventData data, types.Encode(*message));
        data.metadata[std::string(kCorrelationIdKey)] = "corr-" + std::to_string(n);
        auto same = std::find_if(appends.end() - std::min<size_t>(appends.size(), 3), appends.end(),
                                 [&name = stream](const StreamAppend& a) { return a.stream == name; });
        if (same != appends.end()) {
          same->events.push_back(std::move(data));
        } else {
          appends.push_back({stream, ExpectedVersion::Any(), {std::move(data)}});
        }
      }
      if (n % 250 == 249 || n + 1 == orders) {
        CAIRN_RETURN_IF_ERROR(store->Append(appends).status());
        appends.clear();
      }
    }
    auto baseline_start = Clock::now();
    CAIRN_RETURN_IF_ERROR(RawInserts(dir + "/raw", orders));
    result.baseline_events_per_s = result.events / std::chrono::duration<double>(Clock::now() - baseline_start).count();

    auto models = commerce::CommerceReadModels(types);
    std::vector<projections::Projector*> all;
    for (auto& model : models) all.push_back(model.get());
    // On one thread, then with a writer thread per core beside the reader.
    const size_t cores = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, all.size());
    for (size_t threads : {size_t{1}, cores}) {
      result.name = "rebuild 5 read models, " + std::to_string(threads) + (threads == 1 ? " thread" : " writers");
      result.clients = static_cast<int>(threads);
      auto start = Clock::now();
      CAIRN_RETURN_IF_ERROR(projections::Rebuild(*store, all, dir + "/projections", {.threads = threads}));
      result.cairn_events_per_s = result.events / std::chrono::duration<double>(Clock::now() - start).count();
      results.push_back(result);
    }
  }
  fs::remove_all(dir);
  return results;
}

Result<ProjectionLagResult> RunProjectionLagCase(int rate, int seconds, const std::string& work_dir) {
  ProjectionLagResult result;
  result.rate = rate;
  result.events = static_cast<uint64_t>(rate) * seconds;
  const std::string dir = work_dir + "/lag";
  fs::remove_all(dir);
  {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<EventStore> store, OpenEventStore(dir + "/data"));
    EventTypeRegistry types;
    commerce::RegisterCommerceEvents(types);
    auto models = commerce::CommerceReadModels(types);
    Runtime runtime;
    projections::ProjectionRunner runner(*store, *models.front(),  // order_summary
                                         {.directory = dir + "/projections", .max_delay = std::chrono::milliseconds(1)});
    CAIRN_RETURN_IF_ERROR(runner.Start(runtime));
    std::vector<Clock::time_point> appended(result.events + 1);
    std::atomic<uint64_t> last_appended{0};
    std::vector<double> latencies;
    std::atomic<bool> probing{true};
    std::thread probe([&] {
      uint64_t seen = 0;
      while (probing || seen < last_appended) {
        const uint64_t visible = std::min(runner.status().checkpoint, last_appended.load());
        const auto now = Clock::now();
        for (; seen < visible; ++seen) latencies.push_back(std::chrono::duration<double, std::milli>(now - appended[seen + 1]).count());
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
    });
    Status appending = OkStatus();
    Paced(rate, seconds, [&](int n) {
      if (!appending.ok()) return;
      auto story = OrderStory(static_cast<uint64_t>(n));
      Result<EventData> data = types.Encode(*story.front().second);
      Result<AppendResult> done =
          data.ok() ? store->Append(story.front().first, ExpectedVersion::Any(), {*data}) : Result<AppendResult>(data.status());
      if (!done.ok()) {
        appending = done.status();
        return;
      }
      appended[done->events.front().position] = Clock::now();
      last_appended = done->events.front().position;
    });
    CAIRN_RETURN_IF_ERROR(appending);
    const auto give_up = Clock::now() + std::chrono::seconds(30);
    while (runner.status().checkpoint < result.events && Clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    probing = false;
    probe.join();
    CAIRN_RETURN_IF_ERROR(runner.Stop());
    result.cairn_ms = Percentiles(latencies);
  }
  {
    // Raw SQLite: the same row in a transaction of its own, at the same rate.
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(dir + "/raw.sqlite"));
    CAIRN_RETURN_IF_ERROR(db->Exec("CREATE TABLE order_summary (order_id TEXT PRIMARY KEY, status TEXT, customer_id TEXT,"
                                   " total INTEGER, currency TEXT, placed_at TEXT)"));
    CAIRN_ASSIGN_OR_RETURN(Statement insert, db->Prepare("INSERT INTO order_summary VALUES (?1, 'placed', ?2, 900, 'EUR', ?3)"));
    std::vector<double> latencies;
    Status inserting = OkStatus();
    Paced(rate, seconds, [&](int n) {
      if (!inserting.ok()) return;
      const auto begin = Clock::now();
      inserting = db->Exec("BEGIN");
      insert.Bind(1, std::to_string(n)).Bind(2, "c-" + std::to_string(n % kCustomers)).Bind(3, "2026-11-26T10:00:00Z");
      if (inserting.ok()) inserting = insert.Run();
      if (inserting.ok()) inserting = db->Exec("COMMIT");
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
    });
    CAIRN_RETURN_IF_ERROR(inserting);
    result.baseline_ms = Percentiles(latencies);
  }
  fs::remove_all(dir);
  return result;
}

}  // namespace cairn::bench
