// The file channel: one line per notification id, across processes, and a
// line torn by a kill never glues itself to the next one.
#include "examples/commerce/notification_channel.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>

#include "tests/testing/temp_dir.h"

namespace cairn::commerce {
namespace {

Status Deliver(NotificationChannel& channel, const std::string& id) {
  boost::asio::io_context io;
  Status answer = InternalError("no answer");
  channel.Deliver({id, "ada@example.com", "order-confirmed", "o-1"}, io.get_executor(),
                  [&](Status status) { answer = status; });
  io.run();
  return answer;
}

// The notification ids of the file's lines; a line that is not a JSON object fails the test.
std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> ids;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json sent = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(sent.is_object()) << "not a whole line: " << line;
    if (sent.is_object()) ids.push_back(sent.value("notification_id", ""));
  }
  return ids;
}

TEST(FileNotificationChannel, AnIdIsWrittenOnceAlsoByTheNextProcess) {
  cairn::testing::TempDir dir;
  const std::string mail = dir.Sub("mail.jsonl");
  {
    FileNotificationChannel channel(mail);
    ASSERT_TRUE(Deliver(channel, "n-1").ok());
    ASSERT_TRUE(Deliver(channel, "n-1").ok());
  }
  FileNotificationChannel next(mail);
  ASSERT_TRUE(Deliver(next, "n-1").ok());
  ASSERT_TRUE(Deliver(next, "n-2").ok());
  EXPECT_EQ(Lines(mail), (std::vector<std::string>{"n-1", "n-2"}));
}

// Killed inside a write, a process leaves part of a line at the end of the
// file. That delivery never finished, so it is made again, on a line of its own.
TEST(FileNotificationChannel, ATornLastLineIsCutOffAndItsNotificationSentAgain) {
  cairn::testing::TempDir dir;
  const std::string mail = dir.Sub("mail.jsonl");
  {
    FileNotificationChannel channel(mail);
    ASSERT_TRUE(Deliver(channel, "n-1").ok());
  }
  std::ofstream(mail, std::ios::app) << R"({"notification_id":"n-2","order_id":"o-)";
  FileNotificationChannel next(mail);
  ASSERT_TRUE(Deliver(next, "n-2").ok());
  ASSERT_TRUE(Deliver(next, "n-3").ok());
  EXPECT_EQ(Lines(mail), (std::vector<std::string>{"n-1", "n-2", "n-3"}));
}

}  // namespace
}  // namespace cairn::commerce
