// Logging: one line per record, JSON lines on request.
#include "engine/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

std::vector<std::string> Lines(const std::string& path) {
  spdlog::default_logger()->flush();
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

TEST(Logging, JsonFormatWritesOneParsableObjectPerRecord) {
  testing::TempDir dir;
  const std::string path = dir.Sub("log.jsonl");
  ASSERT_TRUE(ConfigureLogging({.level = "info", .format = "json", .file = path}).ok());
  spdlog::info("order {} placed by \"{}\"\nsecond line", "o-1", "ada");
  spdlog::debug("below the level");
  spdlog::warn("tab\there");
  auto lines = Lines(path);
  ASSERT_EQ(lines.size(), 2u);
  auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(first["logger"], "cairn");
  EXPECT_EQ(first["message"], "order o-1 placed by \"ada\"\nsecond line");
  EXPECT_EQ(first["time"].get<std::string>().back(), 'Z');
  EXPECT_EQ(nlohmann::json::parse(lines[1])["message"], "tab\there");
}

TEST(Logging, TextFormatKeepsEveryRecordOnOneLine) {
  testing::TempDir dir;
  const std::string path = dir.Sub("log.txt");
  ASSERT_TRUE(ConfigureLogging({.level = "debug", .format = "text", .file = path}).ok());
  spdlog::debug("first\nsecond");
  auto lines = Lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("debug cairn: first\\nsecond"), std::string::npos) << lines[0];
}

TEST(Logging, UnknownLevelsAndFormatsAreRejected) {
  EXPECT_EQ(ConfigureLogging({.level = "loud"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConfigureLogging({.level = "info", .format = "xml"}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ConfigureLogging({.level = "off"}).ok());
}

}  // namespace
}  // namespace cairn
