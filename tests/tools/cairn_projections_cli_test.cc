// `cairn projections` and `cairn query`, run as subprocesses.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

using testing::ProcessResult;

class CairnProjectionsCli : public ::testing::Test {
 protected:
  ProcessResult Cairn(std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", dir_.Sub("data")});
    return testing::Run(CAIRN_BINARY, args);
  }
  void Ok(std::vector<std::string> args) {
    ProcessResult r = Cairn(std::move(args));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::vector<nlohmann::json> Lines(const std::string& text) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }
  void Place(const std::string& order, const std::string& customer) {
    Ok({"command", "order", "place", "--order-id", order, "--customer", customer, "--currency", "EUR", "--line", "tea:2:450"});
  }
  testing::TempDir dir_;
};

TEST_F(CairnProjectionsCli, RebuildThenQueryStatusAndReset) {
  Place("1", "c-1");
  Place("2", "c-1");
  Ok({"command", "order", "confirm", "--order-id", "1"});
  ProcessResult rebuilt = Cairn({"projections", "rebuild", "--all"});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  EXPECT_EQ(Lines(rebuilt.out).size(), 5u);
  for (const auto& line : Lines(Cairn({"projections", "status", "--json"}).out)) {
    EXPECT_EQ(line["state"], "current") << line.dump();
    EXPECT_EQ(line["lag"], 0);
    EXPECT_EQ(line["checkpoint"], 3);
  }
  auto order = nlohmann::json::parse(Cairn({"query", "order", "1"}).out);
  EXPECT_EQ(order["status"], "confirmed");
  EXPECT_EQ(order["total"], 900);
  auto customer = nlohmann::json::parse(Cairn({"query", "customer", "c-1"}).out);
  EXPECT_EQ(customer["orders"], 2);
  EXPECT_EQ(customer["confirmed_totals"]["EUR"], 900);
  // All on one thread: the same models.
  ASSERT_EQ(Cairn({"projections", "rebuild", "--all", "--threads", "1"}).exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(Cairn({"query", "order", "1"}).out), order);
  EXPECT_EQ(nlohmann::json::parse(Cairn({"query", "customer", "c-1"}).out), customer);
  EXPECT_EQ(Cairn({"projections", "rebuild", "--all", "--threads", "many"}).exit_code, 2);
  EXPECT_EQ(Cairn({"query", "order", "404"}).exit_code, 4);
  EXPECT_EQ(Cairn({"projections", "rebuild", "nope"}).exit_code, 2);
  EXPECT_EQ(Cairn({"projections", "rebuild"}).exit_code, 2);

  Ok({"projections", "reset", "order_summary"});
  auto status = Lines(Cairn({"projections", "status", "--json"}).out);
  EXPECT_EQ(status[0]["name"], "order_summary");
  EXPECT_EQ(status[0]["state"], "not built");
  EXPECT_NE(Cairn({"query", "order", "1"}).exit_code, 0);
}

TEST_F(CairnProjectionsCli, AnEventThatCannotBeDecodedIsParkedAndListed) {
  Place("1", "c-1");
  // JSON where the shop expects its protobuf event: the read model cannot decode it.
  Ok({"append", "order-1", "OrderConfirmed", "--data", "{\"order_id\":\"1\"}"});
  Ok({"projections", "rebuild", "order_summary"});
  auto parked = Lines(Cairn({"projections", "parked", "order_summary"}).out);
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0]["position"], 2);
  EXPECT_EQ(parked[0]["type"], "OrderConfirmed");
  EXPECT_NE(parked[0]["error"].get<std::string>().find("no upcaster reads"), std::string::npos) << parked[0].dump();
  ProcessResult replay = Cairn({"projections", "parked", "order_summary", "--replay"});
  EXPECT_EQ(replay.exit_code, 6) << replay.err;  // still undecodable: DataLoss, not a business rule
  EXPECT_NE(replay.err.find("1 of 1 parked events failed again"), std::string::npos) << replay.err;
  EXPECT_FALSE(Lines(replay.out)[0]["replayed"].get<bool>());
  EXPECT_EQ(Lines(Cairn({"projections", "status", "--json"}).out)[0]["parked"], 1);
}

TEST_F(CairnProjectionsCli, ResetOfAReadModelInUseIsRefusedAndItsLockStays) {
  Place("1", "c-1");
  testing::Child runner(CAIRN_BINARY, {"--data-dir", dir_.Sub("data"), "projections", "run", "order_summary"});
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Cairn({"query", "order", "1"}).exit_code != 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ProcessResult reset = Cairn({"projections", "reset", "order_summary"});
  EXPECT_EQ(reset.exit_code, 5) << reset.err;
  EXPECT_NE(reset.err.find("is in use: locked for writing by pid"), std::string::npos) << reset.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.Sub("data") + "/projections/order_summary.sqlite.lock"));
  // A second runner is still refused: the first one still holds the lock.
  ProcessResult second = Cairn({"projections", "run", "order_summary"});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_EQ(runner.Stop(SIGTERM), 0) << runner.Stderr();
  EXPECT_EQ(Cairn({"projections", "reset", "order_summary"}).exit_code, 0);
  EXPECT_NE(Cairn({"query", "order", "1"}).exit_code, 0);
}

TEST_F(CairnProjectionsCli, ProjectionsRunKeepsTheReadModelCurrentUntilSigterm) {
  Place("1", "c-1");
  testing::Child runner(CAIRN_BINARY, {"--data-dir", dir_.Sub("data"), "projections", "run", "order_summary"});
  Place("2", "c-2");  // the runner reads beside the writer that appends
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Cairn({"query", "order", "2"}).exit_code != 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(Cairn({"query", "order", "2"}).exit_code, 0) << runner.Stderr();
  // Any SQLite client reads the model while the projector holds it.
  ProcessResult shell = testing::Run("/usr/bin/sqlite3", {"-readonly", dir_.Sub("data") + "/projections/order_summary.sqlite",
                                                          "SELECT count(*) FROM order_summary"});
  EXPECT_EQ(shell.exit_code, 0) << shell.err;
  EXPECT_EQ(shell.out, "2\n");
  EXPECT_EQ(runner.Stop(SIGTERM), 0) << runner.Stderr();
  ProcessResult second = Cairn({"projections", "status", "--json"});
  EXPECT_EQ(Lines(second.out)[0]["state"], "current");
}

}  // namespace
}  // namespace cairn
