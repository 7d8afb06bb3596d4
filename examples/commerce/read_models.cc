#include "examples/commerce/read_models.h"

#include "examples/commerce/charge.h"
#include "examples/commerce/notification.h"
#include "examples/commerce/order.h"
#include "examples/commerce/proto/charging.pb.h"
#include "examples/commerce/proto/notification.pb.h"
#include "examples/commerce/proto/order.pb.h"
#include "engine/aggregate.h"
#include "engine/message_json.h"
#include "projections/typed_projector.h"
#include "store/event_store.h"

namespace cairn::commerce {
namespace {

using projections::Database;
using projections::TypedProjector;

// Orders and their notification state are kept apart and joined by a view:
// notification events live in other streams, which a Kafka feed may deliver
// before or after the order's own, so each side only moves forward.
class OrderSummary final : public TypedProjector {
 public:
  explicit OrderSummary(const EventTypeRegistry& types) : TypedProjector(types) {
    FromCategories({std::string(Order::kCategory), std::string(Notification::kCategory)});
    On(&OrderSummary::Placed);
    On(&OrderSummary::Confirmed);
    On(&OrderSummary::Cancelled);
    On<OrderNotified>([](const RecordedEvent&, const OrderNotified& notified, Database& db) {
      return Notification(db, notified.order_id(), notified.notification_id(), "notified", 4);
    });
    On(&OrderSummary::Queued);
    On<NotificationSent>([](const RecordedEvent&, const NotificationSent& sent, Database& db) {
      return Attempted(db, sent.notification_id(), "sent", 3);
    });
    On<NotificationFailed>([](const RecordedEvent&, const NotificationFailed& failed, Database& db) {
      return failed.gave_up() ? Attempted(db, failed.notification_id(), "gave_up", 3)
                              : Attempted(db, failed.notification_id(), "failing", 2);
    });
  }
  std::string name() const override { return "order_summary"; }
  Status Migrate(Database& db) override {
    return db.Exec(
        "CREATE TABLE IF NOT EXISTS orders (order_id TEXT PRIMARY KEY, status TEXT NOT NULL,"
        " customer_id TEXT NOT NULL, total INTEGER NOT NULL, currency TEXT NOT NULL, charge_id TEXT,"
        " cancel_reason TEXT, placed_at TEXT NOT NULL, confirmed_at TEXT, cancelled_at TEXT);"
        "CREATE INDEX IF NOT EXISTS orders_customer ON orders (customer_id);"
        // rank: queued 1, failing 2, sent or gave_up 3, notified 4; a state only replaces a lower rank.
        "CREATE TABLE IF NOT EXISTS order_notifications (order_id TEXT PRIMARY KEY, notification_id TEXT NOT NULL,"
        " state TEXT NOT NULL, rank INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS notification_orders (notification_id TEXT PRIMARY KEY, order_id TEXT NOT NULL);"
        "CREATE VIEW IF NOT EXISTS order_summary AS SELECT o.order_id, o.status, o.customer_id, o.total, o.currency,"
        " o.charge_id, n.notification_id, ifnull(n.state, 'none') AS notification_state, o.cancel_reason,"
        " o.placed_at, o.confirmed_at, o.cancelled_at FROM orders o LEFT JOIN order_notifications n USING (order_id);");
  }

 private:
  Status Placed(const RecordedEvent& event, const OrderPlaced& placed, Database& db) {
    return db.Run("INSERT INTO orders (order_id, status, customer_id, total, currency, placed_at)"
                  " VALUES (?1, 'placed', ?2, ?3, ?4, ?5)",
                  placed.order_id(), placed.customer_id(), placed.total(), placed.currency(),
                  FormatTimestamp(event.recorded_at_us));
  }
  Status Confirmed(const RecordedEvent& event, const OrderConfirmed& confirmed, Database& db) {
    return db.Run("UPDATE orders SET status = 'confirmed', charge_id = ?2, confirmed_at = ?3 WHERE order_id = ?1",
                  confirmed.order_id(), confirmed.charge_id(), FormatTimestamp(event.recorded_at_us));
  }
  Status Cancelled(const RecordedEvent& event, const OrderCancelled& cancelled, Database& db) {
    return db.Run("UPDATE orders SET status = 'cancelled', cancel_reason = ?2, cancelled_at = ?3 WHERE order_id = ?1",
                  cancelled.order_id(), cancelled.reason(), FormatTimestamp(event.recorded_at_us));
  }
  Status Queued(const RecordedEvent&, const NotificationQueued& queued, Database& db) {
    CAIRN_RETURN_IF_ERROR(db.Run("INSERT OR IGNORE INTO notification_orders (notification_id, order_id) VALUES (?1, ?2)",
                                 queued.notification_id(), queued.order_id()));
    return Notification(db, queued.order_id(), queued.notification_id(), "queued", 1);
  }
  static Status Notification(Database& db, const std::string& order_id, const std::string& notification_id,
                             const std::string& state, int64_t rank) {
    return db.Run("INSERT INTO order_notifications (order_id, notification_id, state, rank) VALUES (?1, ?2, ?3, ?4)"
               " ON CONFLICT(order_id) DO UPDATE SET notification_id = excluded.notification_id,"
               " state = excluded.state, rank = excluded.rank WHERE excluded.rank > rank",
               order_id, notification_id, state, rank);
  }
  // Sent and failed name only the notification; its queued event (same stream, so earlier) named the order.
  static Status Attempted(Database& db, const std::string& notification_id, const std::string& state, int64_t rank) {
    return db.Run("INSERT INTO order_notifications (order_id, notification_id, state, rank)"
               " SELECT order_id, notification_id, ?2, ?3 FROM notification_orders WHERE notification_id = ?1"
               " ON CONFLICT(order_id) DO UPDATE SET notification_id = excluded.notification_id,"
               " state = excluded.state, rank = excluded.rank WHERE excluded.rank > rank",
               notification_id, state, rank);
  }
};

class CustomerOrders final : public TypedProjector {
 public:
  explicit CustomerOrders(const EventTypeRegistry& types) : TypedProjector(types) {
    FromCategories({std::string(Order::kCategory)});
    On(&CustomerOrders::Placed);
    On(&CustomerOrders::Confirmed);
  }
  std::string name() const override { return "customer_orders"; }
  Status Migrate(Database& db) override {
    return db.Exec(
        "CREATE TABLE IF NOT EXISTS customer_orders (customer_id TEXT PRIMARY KEY, orders INTEGER NOT NULL,"
        " last_order_id TEXT NOT NULL, last_order_at TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS customer_confirmed_totals (customer_id TEXT NOT NULL, currency TEXT NOT NULL,"
        " total INTEGER NOT NULL, PRIMARY KEY (customer_id, currency));"
        // What a later OrderConfirmed needs to know of its order.
        "CREATE TABLE IF NOT EXISTS customer_order_totals (order_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL,"
        " total INTEGER NOT NULL, currency TEXT NOT NULL);");
  }

 private:
  Status Placed(const RecordedEvent& event, const OrderPlaced& placed, Database& db) {
    CAIRN_RETURN_IF_ERROR(db.Run("INSERT INTO customer_order_totals (order_id, customer_id, total, currency)"
                                 " VALUES (?1, ?2, ?3, ?4)",
                                 placed.order_id(), placed.customer_id(), placed.total(), placed.currency()));
    // The latest order by time, whatever order the events come in.
    return db.Run("INSERT INTO customer_orders (customer_id, orders, last_order_id, last_order_at) VALUES (?1, 1, ?2, ?3)"
                  " ON CONFLICT(customer_id) DO UPDATE SET orders = orders + 1,"
                  " last_order_id = CASE WHEN (excluded.last_order_at, excluded.last_order_id) > (last_order_at, last_order_id)"
                  " THEN excluded.last_order_id ELSE last_order_id END,"
                  " last_order_at = max(last_order_at, excluded.last_order_at)",
                  placed.customer_id(), placed.order_id(), FormatTimestamp(event.recorded_at_us));
  }
  Status Confirmed(const RecordedEvent&, const OrderConfirmed& confirmed, Database& db) {
    return db.Run("INSERT INTO customer_confirmed_totals (customer_id, currency, total)"
                  " SELECT customer_id, currency, total FROM customer_order_totals WHERE order_id = ?1"
                  " ON CONFLICT(customer_id, currency) DO UPDATE SET total = total + excluded.total",
                  confirmed.order_id());
  }
};

class ChargeLedger final : public TypedProjector {
 public:
  explicit ChargeLedger(const EventTypeRegistry& types) : TypedProjector(types) {
    FromCategories({std::string(Charge::kCategory)});
    On(&ChargeLedger::Charged);
    On(&ChargeLedger::Declined);
    On(&ChargeLedger::Refunded);
  }
  std::string name() const override { return "charge_ledger"; }
  Status Migrate(Database& db) override {
    return db.Exec(
        "CREATE TABLE IF NOT EXISTS charge_ledger (position INTEGER PRIMARY KEY, charge_id TEXT NOT NULL,"
        " order_id TEXT NOT NULL, customer_id TEXT NOT NULL, kind TEXT NOT NULL, amount INTEGER NOT NULL,"
        " currency TEXT NOT NULL, reference TEXT, at TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS charge_ledger_customer ON charge_ledger (customer_id);");
  }

 private:
  static constexpr std::string_view kInsert =
      "INSERT INTO charge_ledger (position, charge_id, order_id, customer_id, kind, amount, currency, reference, at)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

  Status Charged(const RecordedEvent& event, const ChargeSucceeded& charged, Database& db) {
    return db.Run(kInsert, static_cast<int64_t>(event.position), charged.charge_id(), charged.order_id(),
                  charged.customer_id(), std::string("charge"), charged.amount(), charged.currency(),
                  charged.gateway_ref(), FormatTimestamp(event.recorded_at_us));
  }
  Status Declined(const RecordedEvent& event, const ChargeDeclined& declined, Database& db) {
    return db.Run(kInsert, static_cast<int64_t>(event.position), declined.charge_id(), declined.order_id(),
                  declined.customer_id(), std::string("declined"), int64_t{0}, declined.currency(), declined.reason(),
                  FormatTimestamp(event.recorded_at_us));
  }
  // A refund takes the order, customer and currency of its charge, and a negative amount.
  Status Refunded(const RecordedEvent& event, const ChargeRefunded& refunded, Database& db) {
    return db.Run("INSERT INTO charge_ledger (position, charge_id, order_id, customer_id, kind, amount, currency,"
                  " reference, at) SELECT ?1, charge_id, order_id, customer_id, 'refund', -?2, currency, ?3, ?4"
                  " FROM charge_ledger WHERE charge_id = ?5 AND kind = 'charge'",
                  static_cast<int64_t>(event.position), refunded.amount(), refunded.refund_id(),
                  FormatTimestamp(event.recorded_at_us), refunded.charge_id());
  }
};

class NotificationStatus final : public TypedProjector {
 public:
  explicit NotificationStatus(const EventTypeRegistry& types) : TypedProjector(types) {
    FromCategories({std::string(Notification::kCategory)});
    On(&NotificationStatus::Queued);
    On(&NotificationStatus::Sent);
    On(&NotificationStatus::Failed);
  }
  std::string name() const override { return "notification_status"; }
  Status Migrate(Database& db) override {
    return db.Exec(
        "CREATE TABLE IF NOT EXISTS notification_status (notification_id TEXT PRIMARY KEY, order_id TEXT NOT NULL,"
        " recipient TEXT NOT NULL, template TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT,"
        " state TEXT NOT NULL, updated_at TEXT NOT NULL)");
  }

 private:
  Status Queued(const RecordedEvent& event, const NotificationQueued& queued, Database& db) {
    return db.Run("INSERT INTO notification_status (notification_id, order_id, recipient, template, attempts, state,"
                  " updated_at) VALUES (?1, ?2, ?3, ?4, 0, 'queued', ?5)",
                  queued.notification_id(), queued.order_id(), queued.recipient(), queued.template_name(),
                  FormatTimestamp(event.recorded_at_us));
  }
  Status Sent(const RecordedEvent& event, const NotificationSent& sent, Database& db) {
    return db.Run("UPDATE notification_status SET attempts = ?2, state = 'sent', updated_at = ?3 WHERE notification_id = ?1",
                  sent.notification_id(), int64_t{sent.attempt()}, FormatTimestamp(event.recorded_at_us));
  }
  Status Failed(const RecordedEvent& event, const NotificationFailed& failed, Database& db) {
    return db.Run("UPDATE notification_status SET attempts = ?2, last_error = ?3, state = ?4, updated_at = ?5"
                  " WHERE notification_id = ?1",
                  failed.notification_id(), int64_t{failed.attempt()}, failed.error(),
                  std::string(failed.gave_up() ? "gave_up" : "failing"), FormatTimestamp(event.recorded_at_us));
  }
};

class AuditLog final : public TypedProjector {
 public:
  explicit AuditLog(const EventTypeRegistry& types) : TypedProjector(types) {
    FromCategories(
        {std::string(Order::kCategory), std::string(Charge::kCategory), std::string(Notification::kCategory)});
    auto audit = [](const RecordedEvent& event, const google::protobuf::Message& message, Database& db) {
      return Audit(event, message, db);
    };
    On<OrderPlaced>(audit);
    On<OrderConfirmed>(audit);
    On<OrderCancelled>(audit);
    On<OrderNotified>(audit);
    On<ChargeSucceeded>(audit);
    On<ChargeDeclined>(audit);
    On<ChargeRefunded>(audit);
    On<NotificationQueued>(audit);
    On<NotificationSent>(audit);
    On<NotificationFailed>(audit);
  }
  std::string name() const override { return "audit_log"; }
  Status Migrate(Database& db) override {
    return db.Exec(
        "CREATE TABLE IF NOT EXISTS audit_log (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, type TEXT NOT NULL,"
        " event_id TEXT NOT NULL, correlation_id TEXT, causation_id TEXT, recorded_at TEXT NOT NULL, data TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS audit_log_correlation ON audit_log (correlation_id);");
  }

 private:
  static Status Audit(const RecordedEvent& event, const google::protobuf::Message& message, Database& db) {
    CAIRN_ASSIGN_OR_RETURN(const std::string json, MessageToJson(message));
    auto metadata = [&](std::string_view key) -> std::string_view {
      auto it = event.metadata.find(key);
      if (it == event.metadata.end()) return std::string_view("");  // empty, not NULL, when absent
      return it->second;
    };
    return db.Run("INSERT INTO audit_log (position, stream, type, event_id, correlation_id, causation_id, recorded_at, data)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
               static_cast<int64_t>(event.position), event.stream, event.type, event.event_id.ToString(),
               metadata(kCorrelationIdKey), metadata(kCausationIdKey), FormatTimestamp(event.recorded_at_us), json);
  }
};

}  // namespace

std::vector<std::unique_ptr<projections::Projector>> CommerceReadModels(const EventTypeRegistry& types) {
  std::vector<std::unique_ptr<projections::Projector>> models;
  models.push_back(std::make_unique<OrderSummary>(types));
  models.push_back(std::make_unique<CustomerOrders>(types));
  models.push_back(std::make_unique<ChargeLedger>(types));
  models.push_back(std::make_unique<NotificationStatus>(types));
  models.push_back(std::make_unique<AuditLog>(types));
  return models;
}

}  // namespace cairn::commerce
