// The cairn tool run as a subprocess: output, exit codes and messages.
#include <gtest/gtest.h>
#include <google/protobuf/descriptor.pb.h>
#include <rocksdb/db.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "store/event_store.h"
#include "store/proto/event_record.pb.h"
#include "tests/testing/raw_db.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

using testing::ProcessResult;

class CairnCli : public ::testing::Test {
 protected:
  ProcessResult Cairn(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--data-dir", data_dir_});
    return testing::Run(CAIRN_BINARY, args, input);
  }
  static std::vector<nlohmann::json> Lines(const std::string& text) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }
  void Seed() {
    ASSERT_EQ(Cairn({"append", "order-1", "OrderPlaced", "--data", R"({"total":1250})"}).exit_code, 0);
    ASSERT_EQ(Cairn({"append", "charge-1", "ChargeRequested", "--data", R"({"amount":1250})"}).exit_code, 0);
    ASSERT_EQ(Cairn({"append", "order-1", "OrderConfirmed", "--data", "{}"}).exit_code, 0);
  }

  testing::TempDir dir_;
  std::string data_dir_ = dir_.Sub("data");
};

TEST_F(CairnCli, AppendPrintsWhereTheEventLanded) {
  ProcessResult r = Cairn({"append", "order-1", "OrderPlaced", "--data", R"({"total":1250})",
                           "--metadata", "correlation_id=c-1", "--metadata", "user=ada"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["stream"], "order-1");
  EXPECT_EQ(out["version"], 0);
  EXPECT_EQ(out["position"], 1);
  EXPECT_TRUE(Uuid::Parse(out["event_id"].get<std::string>()).has_value());
  auto read = Lines(Cairn({"read", "order-1"}).out);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0]["metadata"]["correlation_id"], "c-1");
  EXPECT_EQ(read[0]["metadata"]["user"], "ada");
}

TEST_F(CairnCli, AppendReadsTheEventFromStdinOrAFile) {
  ASSERT_EQ(Cairn({"append", "order-1", "OrderPlaced"}, R"({"from":"stdin"})").exit_code, 0);
  std::ofstream(dir_.Sub("event.json")) << R"({"from":"file"})";
  ASSERT_EQ(Cairn({"append", "order-1", "OrderNoted", "--data-file", dir_.Sub("event.json")}).exit_code, 0);
  auto read = Lines(Cairn({"read", "order-1"}).out);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0]["data"]["from"], "stdin");
  EXPECT_EQ(read[1]["data"]["from"], "file");
}

TEST_F(CairnCli, WrongExpectedVersionExitsThreeNamingTheActualVersion) {
  Seed();
  ProcessResult r = Cairn({"append", "order-1", "OrderCancelled", "--data", "{}", "--expected-version", "0"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("order-1 is at version 1"), std::string::npos) << r.err;
  EXPECT_EQ(Cairn({"append", "order-1", "X", "--data", "{}", "--expected-version", "no-stream"}).exit_code, 3);
  EXPECT_EQ(Cairn({"append", "order-9", "X", "--data", "{}", "--expected-version", "exists"}).exit_code, 3);
  EXPECT_EQ(Cairn({"append", "order-1", "X", "--data", "{}", "--expected-version", "1"}).exit_code, 0);
}

TEST_F(CairnCli, RetryWithTheSameEventIdAppendsNothingTwice) {
  const std::string id = "0f8fad5b-d9cb-469f-a165-70867728950e";
  ProcessResult first = Cairn({"append", "order-1", "OrderPlaced", "--data", "{}", "--event-id", id});
  ProcessResult retry = Cairn({"append", "order-1", "OrderPlaced", "--data", "{}", "--event-id", id});
  ASSERT_EQ(first.exit_code, 0);
  ASSERT_EQ(retry.exit_code, 0);
  EXPECT_EQ(first.out, retry.out);
  ProcessResult conflict = Cairn({"append", "order-1", "OrderPlaced", "--data", R"({"x":1})", "--event-id", id});
  EXPECT_EQ(conflict.exit_code, 2);
  EXPECT_NE(conflict.err.find("already stored"), std::string::npos) << conflict.err;
}

TEST_F(CairnCli, InvalidInputExitsTwoWithOneLineAndWritesNothing) {
  const std::vector<std::vector<std::string>> cases = {
      {"append", "order-1", "OrderPlaced", "--data", "{not json"},
      {"append", "order-1", "OrderPlaced", "--data", "{}", "--expected-version", "sometimes"},
      {"append", "order-1", "OrderPlaced", "--data", "{}", "--event-id", "not-a-uuid"},
      {"append", "order-1", "OrderPlaced", "--data", "{}", "--metadata", "no-equals-sign"},
      {"append", "$all", "OrderPlaced", "--data", "{}"},
      {"append", "order-1", "", "--data", "{}"},
      {"append", "order-1", "OrderPlaced", "--data-file", "/nonexistent/file.json"},
      {"append", "order-1"},
      {"frobnicate"},
      {"read", "order-1", "--limit", "zero"},
  };
  for (const auto& args : cases) {
    ProcessResult r = Cairn(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("cairn: error: ", 0), 0u) << r.err;
  }
  EXPECT_EQ(Cairn({"stats"}).exit_code, 5);  // nothing was ever written: no store
}

TEST_F(CairnCli, MissingStreamExitsFourAndMissingDataDirExitsFive) {
  Seed();
  ProcessResult missing = Cairn({"read", "order-404"});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_NE(missing.err.find("order-404 not found"), std::string::npos);
  ProcessResult no_dir = testing::Run(CAIRN_BINARY, {"--data-dir", dir_.Sub("nothing"), "replay"});
  EXPECT_EQ(no_dir.exit_code, 5);
  EXPECT_NE(no_dir.err.find("no Cairn store"), std::string::npos);
}

TEST_F(CairnCli, DataDirComesFromTheEnvironmentWhenNotGiven) {
  ProcessResult r = testing::Run(CAIRN_BINARY, {"append", "order-1", "OrderPlaced", "--data", "{}"}, "",
                                 {"CAIRN_DATA_DIR=" + data_dir_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(Cairn({"read", "order-1"}).out).size(), 1u);
}

TEST_F(CairnCli, ReadAndReplayPrintJsonLinesWithEveryField) {
  Seed();
  auto all = Lines(Cairn({"replay"}).out);
  ASSERT_EQ(all.size(), 3u);
  for (const char* field : {"position", "stream", "version", "type", "event_id", "recorded_at", "metadata", "data"}) {
    EXPECT_TRUE(all[0].contains(field)) << field;
  }
  EXPECT_EQ(all[0]["data"]["total"], 1250);
  EXPECT_EQ(all[1]["stream"], "charge-1");
  EXPECT_EQ(all[2]["position"], 3);
  EXPECT_EQ(all[0]["recorded_at"].get<std::string>().back(), 'Z');

  EXPECT_EQ(Lines(Cairn({"replay", "--category", "order"}).out).size(), 2u);
  auto confirmed = Lines(Cairn({"replay", "--type", "OrderConfirmed"}).out);
  ASSERT_EQ(confirmed.size(), 1u);
  EXPECT_EQ(confirmed[0]["position"], 3);
  auto window = Lines(Cairn({"replay", "--from", "2", "--to", "2"}).out);
  ASSERT_EQ(window.size(), 1u);
  EXPECT_EQ(window[0]["position"], 2);
  auto backward = Lines(Cairn({"read", "order-1", "--backward", "--limit", "1"}).out);
  ASSERT_EQ(backward.size(), 1u);
  EXPECT_EQ(backward[0]["type"], "OrderConfirmed");
  auto from_one = Lines(Cairn({"read", "order-1", "--from", "1"}).out);
  ASSERT_EQ(from_one.size(), 1u);
  EXPECT_EQ(from_one[0]["version"], 1);
}

TEST_F(CairnCli, StreamsStatsAndVerifyDescribeTheLog) {
  Seed();
  auto streams = Lines(Cairn({"streams"}).out);
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[1]["stream"], "order-1");
  EXPECT_EQ(streams[1]["last_version"], 1);
  EXPECT_EQ(Lines(Cairn({"streams", "--category", "charge"}).out).size(), 1u);
  auto stats = nlohmann::json::parse(Cairn({"stats"}).out);
  EXPECT_EQ(stats["events"], 3);
  EXPECT_EQ(stats["streams"], 2);
  EXPECT_EQ(stats["categories"], 2);
  EXPECT_EQ(stats["last_position"], 3);
  EXPECT_GT(stats["bytes"].get<uint64_t>(), 0u);
  ProcessResult verify = Cairn({"verify"});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(nlohmann::json::parse(verify.out)["events"], 3);
}

TEST_F(CairnCli, ReadOnlyCommandsWorkBesideARunningWriterAndAppendIsRefused) {
  auto writer = OpenEventStore(data_dir_);
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 20; ++i) {
    EventData event;
    event.type = "OrderPlaced";
    event.data = "{\"n\":" + std::to_string(i) + "}";
    ASSERT_TRUE((*writer)->Append("order-" + std::to_string(i % 4), ExpectedVersion::Any(), {event}).ok());
  }
  EXPECT_EQ(Lines(Cairn({"replay"}).out).size(), 20u);
  EXPECT_EQ(Lines(Cairn({"read", "order-1"}).out).size(), 5u);
  EXPECT_EQ(Lines(Cairn({"streams"}).out).size(), 4u);
  EXPECT_EQ(nlohmann::json::parse(Cairn({"stats"}).out)["events"], 20);
  EXPECT_EQ(Cairn({"verify"}).exit_code, 0);
  ProcessResult locked = Cairn({"append", "order-1", "OrderPlaced", "--data", "{}"});
  EXPECT_EQ(locked.exit_code, 5);
  EXPECT_NE(locked.err.find("locked for writing by pid " + std::to_string(getpid())), std::string::npos)
      << locked.err;
}

TEST_F(CairnCli, ReplayFollowPrintsNewEventsUntilSigterm) {
  auto writer = OpenEventStore(data_dir_);
  ASSERT_TRUE(writer.ok());
  EventData event;
  event.type = "OrderPlaced";
  event.data = "{}";
  ASSERT_TRUE((*writer)->Append("order-1", ExpectedVersion::Any(), {event}).ok());
  testing::Child follower(CAIRN_BINARY, {"--data-dir", data_dir_, "replay", "--follow"});
  for (int i = 0; i < 4; ++i) ASSERT_TRUE((*writer)->Append("order-2", ExpectedVersion::Any(), {event}).ok());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Lines(follower.Stdout()).size() < 5 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(follower.Stop(SIGTERM), 0) << follower.Stderr();
  auto lines = Lines(follower.Stdout());
  ASSERT_EQ(lines.size(), 5u);
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i]["position"], i + 1);
}

TEST_F(CairnCli, ProtobufPayloadsRenderThroughTheStoredDescriptors) {
  {
    auto store = OpenEventStore(data_dir_);
    ASSERT_TRUE(store.ok());
    google::protobuf::FileDescriptorSet files;
    store::StreamHead::descriptor()->file()->CopyTo(files.add_file());
    ASSERT_TRUE((*store)->SaveSchema("cairn.store.StreamHead", files.SerializeAsString()).ok());
    store::StreamHead head;
    head.set_last_version(7);
    head.set_last_position(9);
    EventData event;
    event.type = "HeadMoved";
    event.content_type = "cairn.store.StreamHead";
    event.data = head.SerializeAsString();
    ASSERT_TRUE((*store)->Append("head-1", ExpectedVersion::Any(), {event}).ok());
    event.content_type = "cairn.store.Unknown";
    ASSERT_TRUE((*store)->Append("head-1", ExpectedVersion::Any(), {event}).ok());
  }
  auto lines = Lines(Cairn({"read", "head-1"}).out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["data"]["last_version"], "7");
  EXPECT_EQ(lines[0]["data"]["last_position"], "9");
  EXPECT_TRUE(lines[1]["data"].contains("base64"));
}

TEST_F(CairnCli, VerifyOfADamagedLogExitsSixNamingTheFirstBadPosition) {
  for (int i = 0; i < 6; ++i) ASSERT_EQ(Cairn({"append", "order-1", "E", "--data", "{}"}).exit_code, 0);
  {
    testing::RawDb raw(data_dir_);
    std::string value;
    ASSERT_TRUE(raw.db().Get(rocksdb::ReadOptions(), raw.cf("events"), testing::PositionKey(4), &value).ok());
    store::EventRecord record;
    ASSERT_TRUE(record.ParseFromString(value));
    record.set_type("Forged");
    ASSERT_TRUE(raw.db().Put(rocksdb::WriteOptions(), raw.cf("events"), testing::PositionKey(4),
                             record.SerializeAsString()).ok());
  }
  ProcessResult r = Cairn({"verify"});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_NE(r.err.find("first bad global position 4"), std::string::npos) << r.err;
}

TEST_F(CairnCli, UnknownFormatVersionExitsFive) {
  Seed();
  {
    testing::RawDb raw(data_dir_);
    ASSERT_TRUE(raw.db().Put(rocksdb::WriteOptions(), raw.cf("meta"), "format_version", "2").ok());
  }
  for (const char* command : {"stats", "replay"}) {
    ProcessResult r = Cairn({command});
    EXPECT_EQ(r.exit_code, 5) << command;
    EXPECT_NE(r.err.find("format version 2"), std::string::npos) << r.err;
  }
  EXPECT_EQ(Cairn({"append", "order-1", "E", "--data", "{}"}).exit_code, 5);
}

TEST_F(CairnCli, EveryCommandHasHelp) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--help"}, {"append", "--help"}, {"read", "--help"}, {"replay", "--help"}, {"streams", "--help"},
           {"stats", "--help"}, {"verify", "--help"}, {"bench", "--help"}, {"bench", "append", "--help"},
           {"bench", "replay", "--help"}}) {
    ProcessResult r = testing::Run(CAIRN_BINARY, args);
    EXPECT_EQ(r.exit_code, 0) << args[0];
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << args[0] << ": " << r.out;
  }
}

}  // namespace
}  // namespace cairn
