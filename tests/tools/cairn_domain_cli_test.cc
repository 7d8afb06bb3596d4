// `cairn state` and `cairn command`, run as a subprocess.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

using testing::ProcessResult;

class CairnDomainCli : public ::testing::Test {
 protected:
  ProcessResult Cairn(std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", dir_.Sub("data")});
    return testing::Run(CAIRN_BINARY, args);
  }
  nlohmann::json Ok(std::vector<std::string> args) {
    ProcessResult r = Cairn(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }
  nlohmann::json Place(const std::string& order_id) {
    return Ok({"command", "order", "place", "--order-id", order_id, "--customer", "c-7", "--currency", "EUR",
               "--line", "tea:2:450", "--line", "cup:1:1200"});
  }
  testing::TempDir dir_;
};

TEST_F(CairnDomainCli, PlaceConfirmAndReadTheState) {
  auto placed = Place("1001");
  EXPECT_EQ(placed["stream"], "order-1001");
  EXPECT_EQ(placed["version"], 0);
  EXPECT_EQ(placed["events"], 1);
  Ok({"command", "order", "confirm", "--order-id", "1001", "--charge-id", "ch-1"});
  auto state = Ok({"state", "order-1001"});
  EXPECT_EQ(state["version"], 1);
  EXPECT_EQ(state["state"]["status"], "CONFIRMED");
  EXPECT_EQ(state["state"]["total"], "2100");
  EXPECT_EQ(state["state"]["charge_id"], "ch-1");
}

TEST_F(CairnDomainCli, RejectionsNameTheRuleAndExitSevenAndATakenIdExitsTwo) {
  Place("1001");
  Ok({"command", "order", "cancel", "--order-id", "1001", "--reason", "changed my mind"});
  ProcessResult confirm = Cairn({"command", "order", "confirm", "--order-id", "1001"});
  EXPECT_EQ(confirm.exit_code, 7);
  EXPECT_NE(confirm.err.find("a cancelled order cannot be confirmed"), std::string::npos) << confirm.err;
  ProcessResult duplicate = Cairn({"command", "order", "place", "--order-id", "1001", "--customer", "c-8",
                                   "--currency", "EUR", "--line", "tea:1:1"});
  EXPECT_EQ(duplicate.exit_code, 2);  // AlreadyExists: the id is taken, not a rule of the order
  EXPECT_NE(duplicate.err.find("already placed with other content"), std::string::npos) << duplicate.err;
}

TEST_F(CairnDomainCli, MissingAggregatesExitFourAndBadInputExitsTwo) {
  EXPECT_EQ(Cairn({"command", "order", "confirm", "--order-id", "404"}).exit_code, 4);
  EXPECT_EQ(Cairn({"command", "charge", "refund", "--charge-id", "ch-404", "--refund-id", "r-1"}).exit_code, 4);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"command", "order", "place", "--order-id", "1", "--customer", "c", "--currency", "XYZ", "--line", "a:1:1"},
           {"command", "order", "place", "--order-id", "1", "--customer", "c", "--currency", "EUR", "--line", "a:one:1"},
           {"command", "order", "place", "--order-id", "1", "--customer", "c", "--currency", "EUR", "--line", "a:-1:1"},
           {"command", "order", "place", "--order-id", "1", "--customer", "c", "--currency", "EUR"},
           {"command", "charge", "customer", "--charge-id", "ch", "--order-id", "1", "--customer", "c", "--amount",
            "-5", "--currency", "EUR", "--gateway-ref", "g"},
           {"command", "charge", "customer", "--charge-id", "ch", "--order-id", "1", "--customer", "c", "--amount",
            "5", "--currency", "EUR"},
           {"command", "notification", "send", "--notification-id", "n", "--recipient", "nobody", "--template", "t",
            "--order-id", "1"},
           {"command", "order", "confirm", "--order-id", "1", "--command-id", "nope"},
           {"state", "shipment-1"},
           {"state", "order-1", "--at-time", "yesterday"},
       }) {
    ProcessResult r = Cairn(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << " " << args[2] << ": " << r.err;
  }
}

TEST_F(CairnDomainCli, ResendingACommandIdAppendsNothingTwice) {
  Place("1001");
  const std::string id = "7d9f3c2a-1b4e-4f60-8a71-92b3c4d5e6f7";
  auto first = Ok({"command", "order", "confirm", "--order-id", "1001", "--command-id", id});
  auto again = Ok({"command", "order", "confirm", "--order-id", "1001", "--command-id", id});
  EXPECT_FALSE(first["duplicate"].get<bool>());
  EXPECT_TRUE(again["duplicate"].get<bool>());
  EXPECT_EQ(again["position"], first["position"]);
  EXPECT_EQ(nlohmann::json::parse(Cairn({"stats"}).out)["events"], 2);
}

TEST_F(CairnDomainCli, StateAsOfAVersionAPositionOrATime) {
  Place("1001");
  auto placed_line = nlohmann::json::parse(Cairn({"read", "order-1001"}).out);
  Place("1002");
  Ok({"command", "order", "confirm", "--order-id", "1001"});
  EXPECT_EQ(Ok({"state", "order-1001", "--at-version", "0"})["state"]["status"], "PLACED");
  EXPECT_EQ(Ok({"state", "order-1001", "--at-position", "2"})["state"]["status"], "PLACED");
  EXPECT_EQ(Ok({"state", "order-1001", "--at-position", "3"})["state"]["status"], "CONFIRMED");
  EXPECT_EQ(Ok({"state", "order-1001", "--at-time", placed_line["recorded_at"]})["state"]["status"], "PLACED");
  EXPECT_EQ(Cairn({"state", "order-1001", "--at-time", "2001-01-01T00:00:00Z"}).exit_code, 4);
  EXPECT_EQ(Cairn({"state", "order-1001", "--at-version", "0", "--at-position", "1"}).exit_code, 2);
}

TEST_F(CairnDomainCli, ChargesAndNotificationsByHand) {
  auto charged = Ok({"command", "charge", "customer", "--charge-id", "ch-1", "--order-id", "1001", "--customer",
                     "c-7", "--amount", "2100", "--currency", "EUR", "--gateway-ref", "psp-1"});
  EXPECT_EQ(charged["stream"], "charge-ch-1");
  EXPECT_EQ(Ok({"state", "charge-ch-1"})["state"]["status"], "SUCCEEDED");
  Ok({"command", "charge", "refund", "--charge-id", "ch-1", "--refund-id", "rf-1", "--amount", "100"});
  EXPECT_EQ(Ok({"state", "charge-ch-1"})["state"]["refunded_amount"], "100");
  EXPECT_EQ(Cairn({"command", "charge", "refund", "--charge-id", "ch-1", "--refund-id", "rf-2"}).exit_code, 7);

  Ok({"command", "notification", "send", "--notification-id", "n-1", "--recipient", "ada@example.com", "--template",
      "order-confirmed", "--order-id", "1001"});
  Ok({"command", "notification", "deliver", "--notification-id", "n-1"});
  auto state = Ok({"state", "notification-n-1"});
  EXPECT_EQ(state["state"]["status"], "SENT");
  EXPECT_EQ(state["state"]["attempts"], 1);
  // The payloads render as JSON through the schemas the commands saved.
  auto replay = nlohmann::json::parse(Cairn({"replay", "--type", "ChargeSucceeded"}).out);
  EXPECT_EQ(replay["data"]["gateway_ref"], "psp-1");
}

TEST_F(CairnDomainCli, ADeclineIsRecordedWithItsReasonAndAConfigurationTypoExitsTwo) {
  const std::vector<std::string> charge = {"--data-dir", dir_.Sub("data"), "command", "charge", "customer",
                                           "--charge-id", "ch-1", "--order-id", "1", "--customer", "c-7",
                                           "--amount", "5000", "--currency", "EUR", "--declined", "over the limit"};
  ProcessResult declined = testing::Run(CAIRN_BINARY, charge, "", {});
  ASSERT_EQ(declined.exit_code, 0) << declined.err;
  auto state = Ok({"state", "charge-ch-1"});
  EXPECT_EQ(state["state"]["status"], "DECLINED");
  EXPECT_EQ(state["state"]["decline_reason"], "over the limit");
  ProcessResult typo = testing::Run(CAIRN_BINARY, charge, "", {"CAIRN_GATEWAY_FAIL_PERCENTS=1"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("CAIRN_GATEWAY_FAIL_PERCENTS"), std::string::npos) << typo.err;
}

TEST_F(CairnDomainCli, ReplayShowsEventsAsStoredOrUpcastOnRequest) {
  Ok({"append", "order-7", "OrderPlaced", "--data",
      R"({"order_id":"7","customer":"c-7","currency":"EUR","items":[{"sku":"tea","qty":2,"price":450}]})"});
  // The CLI appends JSON events at schema version 1: OrderPlaced v1.
  auto current = nlohmann::json::parse(Cairn({"replay", "--upcast"}).out);
  EXPECT_EQ(current["data"]["customer_id"], "c-7");
  EXPECT_EQ(current["data"]["total"], "900");
  EXPECT_EQ(nlohmann::json::parse(Cairn({"read", "order-7", "--upcast"}).out)["data"]["total"], "900");
  auto raw = nlohmann::json::parse(Cairn({"read", "order-7"}).out);
  EXPECT_EQ(raw["data"]["customer"], "c-7");
  EXPECT_FALSE(raw["data"].contains("total"));
  EXPECT_EQ(Ok({"state", "order-7"})["state"]["total"], "900");
}

}  // namespace
}  // namespace cairn
