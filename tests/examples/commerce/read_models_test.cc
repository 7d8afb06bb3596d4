// The commerce read models after a scripted purchase story, against values
// worked out by hand.
#include "examples/commerce/read_models.h"

#include <gtest/gtest.h>

#include "examples/commerce/commerce.h"
#include "projections/rebuild.h"
#include "projections/runner.h"
#include "tests/examples/commerce/commerce_messages.h"
#include "tests/testing/temp_dir.h"

namespace cairn::commerce {
namespace {

using namespace testing;
using projections::Database;

class ReadModelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Commerce shop(*store_, {.notification_max_attempts = 2});
    auto ok = [](const Result<CommandResult>& r) { ASSERT_TRUE(r.ok()) << r.status().ToString(); };
    CommandContext checkout = CommandContext::New();
    checkout.correlation_id = "checkout-1";
    ok(shop.Handle(AsCommand(Place("o-1", "c-1", {{"tea", 2, 450}, {"cup", 1, 1200}})), checkout));
    ok(shop.Handle(AsCommand(Place("o-2", "c-1", {{"mug", 3, 500}}, "USD"))));
    ok(shop.Handle(AsCommand(Place("o-3", "c-2", {{"tea", 1, 450}}))));
    ok(shop.Handle(ChargeFor("ch-1", "c-1", 2100, "o-1")));
    ok(shop.Handle(Confirm("o-1", "ch-1")));
    ok(shop.Handle(ChargeFor("ch-2", "c-2", 450, "o-3", "customer c-2 is declined")));
    ok(shop.Handle(Cancel("o-3", "payment declined")));
    ok(shop.Handle(Send("n-1", "ada@example.com", "o-1")));
    ok(shop.Handle(Deliver("n-1")));
    OrderCommand mark;
    mark.mutable_mark_notified()->set_order_id("o-1");
    mark.mutable_mark_notified()->set_notification_id("n-1");
    ok(shop.Handle(mark));
    ChargeCommand usd = ChargeFor("ch-3", "c-1", 1500, "o-2");
    usd.mutable_charge()->set_currency("USD");
    ok(shop.Handle(usd));
    ok(shop.Handle(Confirm("o-2", "ch-3")));
    ok(shop.Handle(Refund("ch-3", "rf-1", 500)));
    ok(shop.Handle(Send("n-2", "lost@example.com", "o-2")));
    ok(shop.Handle(Deliver("n-2", "mailbox lost@example.com rejected the message")));
    ok(shop.Handle(Deliver("n-2", "mailbox lost@example.com rejected the message")));  // the second gives up

    RegisterCommerceEvents(types_);
    models_ = CommerceReadModels(types_);
    std::vector<projections::Projector*> all;
    for (auto& model : models_) all.push_back(model.get());
    Status rebuilt = projections::Rebuild(*store_, all, dir_.Sub("projections"));
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.ToString();
  }

  // The rows of `sql` on read model `name`, each row's columns joined by '|'.
  std::vector<std::string> Rows(const std::string& name, const std::string& sql) {
    std::vector<std::string> rows;
    auto db = Database::OpenReadOnly(projections::ReadModelPath(dir_.Sub("projections"), name));
    EXPECT_TRUE(db.ok()) << name;
    if (!db.ok()) return rows;
    auto query = (*db)->Prepare(sql);
    EXPECT_TRUE(query.ok()) << query.status().ToString();
    if (!query.ok()) return rows;
    for (;;) {
      auto row = query->Step();
      if (!row.ok() || !*row) break;
      std::string text;
      for (int column = 0; column < query->columns(); ++column) text += (column ? "|" : "") + query->Text(column);
      rows.push_back(text);
    }
    return rows;
  }

  cairn::testing::TempDir dir_;
  std::unique_ptr<EventStore> store_ = NewMemoryEventStore();
  EventTypeRegistry types_;
  std::vector<std::unique_ptr<projections::Projector>> models_;
};

TEST_F(ReadModelsTest, OrderSummaryHasOneRowPerOrder) {
  EXPECT_EQ(Rows("order_summary",
                 "SELECT order_id, status, customer_id, total, currency, ifnull(charge_id, '-'),"
                 " notification_state, ifnull(cancel_reason, '-') FROM order_summary ORDER BY order_id"),
            (std::vector<std::string>{"o-1|confirmed|c-1|2100|EUR|ch-1|notified|-",
                                      "o-2|confirmed|c-1|1500|USD|ch-3|gave_up|-",
                                      "o-3|cancelled|c-2|450|EUR|-|none|payment declined"}));
  EXPECT_EQ(Rows("order_summary", "SELECT count(*) FROM order_summary WHERE placed_at LIKE '20%Z'"),
            (std::vector<std::string>{"3"}));
  EXPECT_EQ(Rows("order_summary", "SELECT order_id FROM order_summary WHERE confirmed_at IS NOT NULL ORDER BY 1"),
            (std::vector<std::string>{"o-1", "o-2"}));
}

TEST_F(ReadModelsTest, CustomerOrdersCountsOrdersAndConfirmedTotalsPerCurrency) {
  EXPECT_EQ(Rows("customer_orders", "SELECT customer_id, orders, last_order_id FROM customer_orders ORDER BY 1"),
            (std::vector<std::string>{"c-1|2|o-2", "c-2|1|o-3"}));
  EXPECT_EQ(Rows("customer_orders", "SELECT customer_id, currency, total FROM customer_confirmed_totals ORDER BY 1, 2"),
            (std::vector<std::string>{"c-1|EUR|2100", "c-1|USD|1500"}));
}

TEST_F(ReadModelsTest, ChargeLedgerGivesEachCustomersBalance) {
  EXPECT_EQ(Rows("charge_ledger", "SELECT charge_id, kind, amount, currency, customer_id FROM charge_ledger ORDER BY position"),
            (std::vector<std::string>{"ch-1|charge|2100|EUR|c-1", "ch-2|declined|0|EUR|c-2", "ch-3|charge|1500|USD|c-1",
                                      "ch-3|refund|-500|USD|c-1"}));
  EXPECT_EQ(Rows("charge_ledger", "SELECT currency, sum(amount) FROM charge_ledger WHERE customer_id = 'c-1' GROUP BY 1 ORDER BY 1"),
            (std::vector<std::string>{"EUR|2100", "USD|1000"}));
}

TEST_F(ReadModelsTest, NotificationStatusShowsAttemptsAndTheFinalState) {
  EXPECT_EQ(Rows("notification_status",
                 "SELECT notification_id, order_id, attempts, state, ifnull(last_error, '-') FROM notification_status ORDER BY 1"),
            (std::vector<std::string>{"n-1|o-1|1|sent|-",
                                      "n-2|o-2|2|gave_up|mailbox lost@example.com rejected the message"}));
}

TEST_F(ReadModelsTest, AuditLogHoldsEveryCommerceEventWithItsIds) {
  EXPECT_EQ(Rows("audit_log", "SELECT count(*), min(position), max(position) FROM audit_log"),
            (std::vector<std::string>{std::to_string(store_->HeadPosition()) + "|1|" +
                                      std::to_string(store_->HeadPosition())}));
  EXPECT_EQ(Rows("audit_log", "SELECT stream, type, correlation_id FROM audit_log WHERE position = 1"),
            (std::vector<std::string>{"order-o-1|OrderPlaced|checkout-1"}));
  auto data = Rows("audit_log", "SELECT data FROM audit_log WHERE type = 'ChargeRefunded'");
  ASSERT_EQ(data.size(), 1u);
  EXPECT_NE(data[0].find("\"refund_id\":\"rf-1\""), std::string::npos) << data[0];
}

}  // namespace
}  // namespace cairn::commerce
