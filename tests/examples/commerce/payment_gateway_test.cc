// The payment simulator keeps the promises of a real provider: one charge
// per id, a refund never above its charge, a void that refuses a late
// charge, and a ledger that outlives the process.
#include "examples/commerce/payment_gateway.h"

#include <gtest/gtest.h>

#include <fstream>

#include <boost/asio/io_context.hpp>

#include "tests/testing/temp_dir.h"

namespace cairn::commerce {
namespace {

class GatewayTest : public ::testing::Test {
 protected:
  Result<GatewayDecision> Charge(SimulatedPaymentGateway& gateway, const std::string& id, int64_t amount = 900) {
    Result<GatewayDecision> answer = InternalError("no answer");
    gateway.Charge({id, "o-" + id, "c-1", amount, "EUR"}, io_.get_executor(),
                   [&](Result<GatewayDecision> decision) { answer = std::move(decision); });
    io_.restart();
    io_.run();
    return answer;
  }
  Result<RefundReceipt> Refund(SimulatedPaymentGateway& gateway, const std::string& id, const std::string& refund_id) {
    Result<RefundReceipt> answer = InternalError("no answer");
    gateway.Refund({id, refund_id}, io_.get_executor(), [&](Result<RefundReceipt> receipt) { answer = std::move(receipt); });
    io_.restart();
    io_.run();
    return answer;
  }

  boost::asio::io_context io_;
};

TEST_F(GatewayTest, AChargeIdIsChargedOnceAndRefundedOnce) {
  SimulatedPaymentGateway gateway({});
  ASSERT_TRUE(Charge(gateway, "ch-1")->approved);
  ASSERT_TRUE(Charge(gateway, "ch-1")->approved);  // the first answer again
  EXPECT_EQ(gateway.Ledger().at("ch-1").charges, 1);
  EXPECT_TRUE(Refund(gateway, "ch-1", "rf-1")->refunded);
  EXPECT_TRUE(Refund(gateway, "ch-1", "rf-1")->refunded);
  EXPECT_TRUE(Refund(gateway, "ch-1", "rf-2")->refunded);  // already refunded: no second refund
  EXPECT_EQ(gateway.Ledger().at("ch-1").refunded, 900);
}

TEST_F(GatewayTest, ARefundBeforeTheChargeVoidsTheId) {
  SimulatedPaymentGateway gateway({});
  EXPECT_FALSE(Refund(gateway, "ch-2", "rf-2")->refunded);
  auto late = Charge(gateway, "ch-2");
  EXPECT_FALSE(late->approved);
  EXPECT_NE(late->reason.find("voided"), std::string::npos);
  EXPECT_EQ(gateway.Ledger().at("ch-2").charges, 0);
}

TEST_F(GatewayTest, DeclinesOutagesAndLatency) {
  SimulatedPaymentGateway gateway({.decline_above = 500, .latency = std::chrono::milliseconds(20)});
  const auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(Charge(gateway, "ch-3")->approved);
  EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(20));
  gateway.SetOutage(true);
  EXPECT_EQ(Charge(gateway, "ch-4", 100).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(gateway.Ledger().count("ch-4"), 0u);  // an outage takes nothing
}

TEST_F(GatewayTest, TheLedgerFileOutlivesTheProcess) {
  cairn::testing::TempDir dir;
  const std::string ledger = dir.Sub("ledger.jsonl");
  {
    SimulatedPaymentGateway gateway({.ledger_path = ledger});
    ASSERT_TRUE(gateway.Open().ok());
    ASSERT_TRUE(Charge(gateway, "ch-5")->approved);
    ASSERT_TRUE(Refund(gateway, "ch-5", "rf-5")->refunded);
    EXPECT_FALSE(Refund(gateway, "ch-6", "rf-6")->refunded);
  }
  SimulatedPaymentGateway reopened({.ledger_path = ledger});
  ASSERT_TRUE(reopened.Open().ok());
  auto entries = reopened.Ledger();
  EXPECT_EQ(entries.at("ch-5").charges, 1);
  EXPECT_EQ(entries.at("ch-5").refunded, 900);
  EXPECT_FALSE(Charge(reopened, "ch-6")->approved);  // still void
  ASSERT_TRUE(Charge(reopened, "ch-5")->approved);   // the first answer, nothing taken again
  EXPECT_EQ(reopened.Ledger().at("ch-5").charges, 1);
}

// Killed inside a write, the provider leaves part of a line at the end of its
// ledger. Opening cuts it off, so the lines that follow stay whole.
TEST_F(GatewayTest, ATornLastLineIsCutOffAndTheNextOpenStillReads) {
  cairn::testing::TempDir dir;
  const std::string ledger = dir.Sub("ledger.jsonl");
  {
    SimulatedPaymentGateway gateway({.ledger_path = ledger});
    ASSERT_TRUE(gateway.Open().ok());
    ASSERT_TRUE(Charge(gateway, "ch-7")->approved);
  }
  std::ofstream(ledger, std::ios::app) << R"({"charge_id":"ch-8","order_id":"o-8","sta)";
  {
    SimulatedPaymentGateway gateway({.ledger_path = ledger});
    ASSERT_TRUE(gateway.Open().ok());
    EXPECT_EQ(gateway.Ledger().count("ch-8"), 0u);  // never answered: not taken
    ASSERT_TRUE(Charge(gateway, "ch-9")->approved);
  }
  SimulatedPaymentGateway reopened({.ledger_path = ledger});
  ASSERT_TRUE(reopened.Open().ok()) << "a torn line was left inside the ledger";
  EXPECT_EQ(reopened.Ledger().at("ch-7").charges, 1);
  EXPECT_EQ(reopened.Ledger().at("ch-9").charges, 1);
}

}  // namespace
}  // namespace cairn::commerce
