// The order-fulfillment saga end to end: a real store, the orchestrator on a
// Runtime, the payment and mail simulators, and their ledgers.
#include "examples/commerce/fulfillment.h"

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/aggregate.h"
#include "examples/commerce/commerce.h"
#include "sagas/admin.h"
#include "sagas/orchestrator.h"
#include "tests/examples/commerce/commerce_messages.h"
#include "tests/testing/eventually.h"
#include "tests/testing/temp_dir.h"

namespace cairn::commerce {
namespace {

using std::chrono::milliseconds;
using sagas::SagaStatus;
using namespace testing;
using cairn::testing::Eventually;

// The shop's bus, except that the customer cancels order `order_id` just
// before its confirmation is decided: the confirmation is rejected after a
// successful charge.
class CancelBeforeConfirm final : public sagas::CommandBus {
 public:
  CancelBeforeConfirm(Commerce& shop, std::string order_id) : shop_(shop), order_id_(std::move(order_id)) {}
  Result<PreparedCommand> Prepare(const google::protobuf::Message& command, CommandContext context) override {
    const auto* order = As<OrderCommand>(command);
    if (order && order->has_confirm() && order->confirm().order_id() == order_id_ && !cancelled_) {
      cancelled_ = true;
      CAIRN_RETURN_IF_ERROR(shop_.Handle(Cancel(order_id_, "changed my mind")).status());
    }
    return shop_.bus().Prepare(command, std::move(context));
  }

 private:
  Commerce& shop_;
  const std::string order_id_;
  bool cancelled_ = false;
};

class FulfillmentTest : public ::testing::Test {
 protected:
  void StartShop(CommerceOptions options) {
    options.notification_max_attempts = 3;
    store_ = std::move(OpenEventStore(dir_.Sub("store")).value());
    shop_ = std::make_unique<Commerce>(*store_, options);
    ASSERT_TRUE(shop_->Start().ok());
    runtime_ = std::make_unique<Runtime>(2, 1);
    if (!cancel_before_confirm_.empty()) bus_ = std::make_unique<CancelBeforeConfirm>(*shop_, cancel_before_confirm_);
    orchestrator_ = std::make_unique<sagas::Orchestrator>(*store_, shop_->types(), bus_ ? *bus_ : shop_->bus(),
                                                          sagas::OrchestratorOptions{}, &metrics_);
    orchestrator_->AddBreaker(std::string(kPaymentBreaker), breaker_);
    orchestrator_->AddBreaker(std::string(kMailBreaker), sagas::BreakerOptions{});
    ASSERT_TRUE(orchestrator_->Register(shop_->Fulfillment(saga_)).ok());
    ASSERT_TRUE(orchestrator_->Start(*runtime_).ok());
  }
  void TearDown() override {
    if (!orchestrator_) return;
    EXPECT_TRUE(orchestrator_->Stop().ok());
    runtime_->Stop();
  }

  void PlaceOrder(const std::string& order, const std::string& customer = "c-1", int64_t price = 450) {
    ASSERT_TRUE(shop_->Handle(AsCommand(Place(order, customer, {{"tea", 2, price}}))).ok());
  }
  nlohmann::json State(const std::string& stream) {
    auto json = shop_->StateJson(stream);
    return json.ok() ? nlohmann::json::parse(*json)["state"] : nlohmann::json();
  }
  sagas::SagaInstance Saga(const std::string& order) {
    auto saga = sagas::LoadSaga(*store_, sagas::SagaIdOf(kFulfillmentSaga, order));
    return saga.ok() ? *saga : sagas::SagaInstance();
  }
  bool Ends(const std::string& order, SagaStatus status) {
    return Eventually([&] { return Saga(order).status == status; }, std::chrono::seconds(20));
  }
  int Mails(const std::string& notification_id) {
    int sent = 0;
    for (const auto& mail : static_cast<SimulatedNotificationChannel&>(shop_->channel()).Sent()) {
      sent += mail.notification_id == notification_id;
    }
    return sent;
  }

  cairn::testing::TempDir dir_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<Commerce> shop_;
  std::unique_ptr<Runtime> runtime_;
  MetricsRegistry metrics_;
  sagas::BreakerOptions breaker_;
  std::string cancel_before_confirm_;
  std::unique_ptr<sagas::CommandBus> bus_;
  FulfillmentOptions saga_{.charge_retry = {.max_attempts = 2, .first_delay = milliseconds(10)},
                           .charge_attempt_timeout = milliseconds(2000),
                           .refund_retry = {.max_attempts = 5, .first_delay = milliseconds(10)},
                           .mail_retry = {.first_delay = milliseconds(10)}};
  std::unique_ptr<sagas::Orchestrator> orchestrator_;
};

TEST_F(FulfillmentTest, APlacedOrderIsChargedConfirmedAndMailed) {
  StartShop({});
  PlaceOrder("o-1");
  ASSERT_TRUE(Ends("o-1", SagaStatus::kCompleted));
  EXPECT_EQ(State("order-o-1")["status"], "CONFIRMED");
  EXPECT_EQ(State("charge-ch-o-1")["status"], "SUCCEEDED");
  EXPECT_EQ(State("notification-n-o-1-order-confirmed")["status"], "SENT");
  auto ledger = shop_->gateway().Ledger();
  EXPECT_EQ(ledger.at("ch-o-1").charges, 1);
  EXPECT_EQ(ledger.at("ch-o-1").amount, 900);
  EXPECT_EQ(Mails("n-o-1-order-confirmed"), 1);
}

TEST_F(FulfillmentTest, ADeclinedChargeCancelsTheOrderWithTheReasonAndMailsTheCustomer) {
  StartShop({.gateway = {.decline_above = 500}});
  PlaceOrder("o-2");
  ASSERT_TRUE(Ends("o-2", SagaStatus::kCompensated));
  auto order = State("order-o-2");
  EXPECT_EQ(order["status"], "CANCELLED");
  EXPECT_NE(order["cancel_reason"].get<std::string>().find("above the limit of 500"), std::string::npos) << order;
  EXPECT_EQ(State("charge-ch-o-2")["status"], "DECLINED");
  EXPECT_EQ(shop_->gateway().Ledger().at("ch-o-2").charges, 0);
  EXPECT_EQ(Mails("n-o-2-order-cancelled"), 1);
  EXPECT_EQ(Mails("n-o-2-order-confirmed"), 0);
}

TEST_F(FulfillmentTest, AChargeThatTimesOutIsUndoneAndTheLateChargeRefunded) {
  saga_.charge_attempt_timeout = milliseconds(40);
  StartShop({.gateway = {.latency = milliseconds(150)}});
  PlaceOrder("o-3");
  ASSERT_TRUE(Ends("o-3", SagaStatus::kCompensated));
  EXPECT_EQ(State("order-o-3")["status"], "CANCELLED");
  // The provider took the charge after the saga stopped waiting: it is refunded, once, in full.
  ASSERT_TRUE(Eventually([&] { return shop_->gateway().Ledger().at("ch-o-3").state == LedgerEntry::State::kRefunded; }));
  const LedgerEntry entry = shop_->gateway().Ledger().at("ch-o-3");
  EXPECT_EQ(entry.charges, 1);
  EXPECT_EQ(entry.refunded, entry.amount);
  EXPECT_TRUE(State("charge-ch-o-3").is_null());  // never recorded as paid: nothing to record as refunded
}

TEST_F(FulfillmentTest, ACustomerWhoCancelsWhileTheChargeIsOutIsRefundedOnce) {
  StartShop({.gateway = {.latency = milliseconds(100)}});
  PlaceOrder("o-4");
  ASSERT_TRUE(Eventually([&] { return Saga("o-4").requested; }));
  ASSERT_TRUE(shop_->Handle(Cancel("o-4", "changed my mind")).ok());
  ASSERT_TRUE(Ends("o-4", SagaStatus::kCancelled));
  ASSERT_TRUE(Eventually([&] { return shop_->gateway().Ledger().count("ch-o-4") > 0; }));
  const LedgerEntry entry = shop_->gateway().Ledger().at("ch-o-4");
  EXPECT_LE(entry.charges, 1);
  EXPECT_EQ(entry.refunded, entry.charges ? entry.amount : 0);  // refunded once, or voided before it was taken
  EXPECT_EQ(State("order-o-4")["status"], "CANCELLED");
  EXPECT_EQ(Mails("n-o-4-order-cancelled"), 1);
}

TEST_F(FulfillmentTest, AConfirmationRejectedAfterTheChargeRefundsThenMails) {
  cancel_before_confirm_ = "o-7";
  StartShop({});
  PlaceOrder("o-7");
  ASSERT_TRUE(Eventually([&] {
    const SagaStatus status = Saga("o-7").status;
    return status == SagaStatus::kCompensated || status == SagaStatus::kCancelled;
  }, std::chrono::seconds(20)));
  const LedgerEntry entry = shop_->gateway().Ledger().at("ch-o-7");
  EXPECT_EQ(entry.charges, 1);
  EXPECT_EQ(entry.refunded, entry.amount);  // refunded, once, in full
  EXPECT_EQ(State("charge-ch-o-7")["status"], "REFUNDED");
  EXPECT_EQ(State("order-o-7")["status"], "CANCELLED");
  EXPECT_EQ(Mails("n-o-7-order-cancelled"), 1);
  EXPECT_EQ(Mails("n-o-7-order-confirmed"), 0);
}

TEST_F(FulfillmentTest, AMailThatKeepsFailingEndsAsFailedAndUndoesNothing) {
  StartShop({.channel = {.failing_recipients = {"c-lost@customers.example"}}});
  PlaceOrder("o-5", "c-lost");
  ASSERT_TRUE(Ends("o-5", SagaStatus::kCompleted));
  EXPECT_EQ(State("order-o-5")["status"], "CONFIRMED");
  EXPECT_EQ(State("charge-ch-o-5")["status"], "SUCCEEDED");
  auto notification = State("notification-n-o-5-order-confirmed");
  EXPECT_EQ(notification["status"], "GAVE_UP");
  EXPECT_EQ(notification["attempts"], 3);
}

TEST_F(FulfillmentTest, AnOutageOpensTheBreakerAndStuckRefundsHealOnRetry) {
  breaker_.min_calls = 4;
  breaker_.window = 4;
  breaker_.open_for = milliseconds(300);
  saga_.refund_retry.max_attempts = 2;
  StartShop({});
  shop_->gateway().SetOutage(true);
  std::vector<std::string> orders;
  for (int i = 0; i < 4; ++i) orders.push_back("o-6" + std::to_string(i));
  for (const std::string& order : orders) PlaceOrder(order);
  // A charge that went out unanswered may have been taken: its refund cannot
  // reach the provider either, so those sagas wait, stuck, for an operator.
  for (const std::string& order : orders) {
    ASSERT_TRUE(Eventually([&] {
      const SagaStatus status = Saga(order).status;
      return status == SagaStatus::kStuck || status == SagaStatus::kCompensated;
    }, std::chrono::seconds(20)));
  }
  EXPECT_NE(metrics_.RenderPrometheus().find("cairn_circuit_breaker_state{breaker=\"payment\"} 1"), std::string::npos);
  shop_->gateway().SetOutage(false);
  std::this_thread::sleep_for(milliseconds(300));  // the breaker lets trial calls through again
  for (const std::string& order : orders) {
    if (Saga(order).status != SagaStatus::kStuck) continue;
    std::promise<Status> retried;
    orchestrator_->Retry(sagas::SagaIdOf(kFulfillmentSaga, order), "the provider is back",
                         [&](Status status) { retried.set_value(status); });
    ASSERT_TRUE(retried.get_future().get().ok());
  }
  for (const std::string& order : orders) {
    ASSERT_TRUE(Ends(order, SagaStatus::kCompensated)) << order;
    EXPECT_EQ(State("order-" + order)["status"], "CANCELLED");
    // Nothing taken: voided by its refund, or never reached (the breaker refused every attempt).
    auto ledger = shop_->gateway().Ledger();
    EXPECT_EQ(ledger.count("ch-" + order) ? ledger.at("ch-" + order).charges : 0, 0);
  }
}

}  // namespace
}  // namespace cairn::commerce
