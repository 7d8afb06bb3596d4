// Configuration: defaults <- file <- environment, and clear errors.
#include "engine/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "engine/service.h"
#include "tests/testing/temp_dir.h"

namespace cairn {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() { BindServiceOptions(loader_, options_); }
  std::string File(const std::string& text) {
    const std::string path = dir_.Sub("cairn.conf");
    std::ofstream(path) << text;
    return path;
  }
  testing::TempDir dir_;
  ServiceOptions options_;
  ConfigLoader loader_;
};

TEST_F(ConfigTest, DefaultsHoldWithoutFileOrEnvironment) {
  ASSERT_TRUE(loader_.Load("", {}).ok());
  EXPECT_EQ(options_.data_dir, "./cairn-data");
  EXPECT_EQ(options_.durability, Durability::kSync);
  EXPECT_EQ(options_.threads, 2);
  EXPECT_EQ(options_.handler.snapshot_every, 0u);
}

TEST_F(ConfigTest, TheFileOverridesDefaultsAndTheEnvironmentOverridesTheFile) {
  const std::string path = File("# a node\ndata_dir = /srv/cairn\nthreads = 4   # two per core\nlog_format = json\n\n");
  ASSERT_TRUE(loader_.Load(path, {{"CAIRN_THREADS", "8"}, {"CAIRN_DURABILITY", "buffered"}}).ok());
  EXPECT_EQ(options_.data_dir, "/srv/cairn");
  EXPECT_EQ(options_.threads, 8);
  EXPECT_EQ(options_.durability, Durability::kBuffered);
  EXPECT_EQ(options_.log.format, "json");
}

TEST_F(ConfigTest, EveryBadValueIsRejectedNamingItsKey) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"CAIRN_THREADS", "many"},         {"CAIRN_THREADS", "0"},         {"CAIRN_THREADS", "65"},
      {"CAIRN_DURABILITY", "fast"},      {"CAIRN_LOG_LEVEL", "loud"},    {"CAIRN_LOG_FORMAT", "xml"},
      {"CAIRN_SNAPSHOT_EVERY", "-1"},    {"CAIRN_DRAIN_TIMEOUT_MS", "soon"}, {"CAIRN_COMMAND_RETRIES", "1.5"},
  };
  for (const auto& [variable, value] : bad) {
    Status status = loader_.Load("", {{variable, value}});
    ASSERT_EQ(status.code(), StatusCode::kInvalidArgument) << variable << "=" << value;
    const std::string key = variable.substr(6);
    std::string lower;
    for (char c : key) lower += static_cast<char>(std::tolower(c));
    EXPECT_NE(status.message().find(lower), std::string::npos) << status.message();
    EXPECT_NE(status.message().find(variable), std::string::npos) << status.message();
  }
}

TEST_F(ConfigTest, UnknownKeysAreRejectedInTheFileAndTheEnvironment) {
  Status file = loader_.Load(File("data_dir = x\ntreads = 4\n"), {});
  EXPECT_EQ(file.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(file.message().find("unknown key 'treads'"), std::string::npos) << file.message();
  EXPECT_NE(file.message().find("line 2"), std::string::npos) << file.message();
  Status env = loader_.Load("", {{"CAIRN_TREADS", "4"}});
  EXPECT_NE(env.message().find("unknown environment variable CAIRN_TREADS"), std::string::npos) << env.message();
  EXPECT_EQ(loader_.Load(File("just words\n"), {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(loader_.Load(dir_.Sub("missing.conf"), {}).code(), StatusCode::kInvalidArgument);
}

TEST_F(ConfigTest, PassthroughPrefixesAreLeftToTheirOwners) {
  loader_.AllowPrefix("CAIRN_KAFKA_");
  EXPECT_TRUE(loader_.Load("", {{"CAIRN_KAFKA_LINGER_MS", "5"}, {"CAIRN_CONFIG", "ignored here"}}).ok());
}

TEST_F(ConfigTest, EnumsTakeOnlyTheirNames) {
  enum class Mode { kPark, kStop } mode = Mode::kPark;
  loader_.BindEnum("projection_poison", &mode, {{"park", Mode::kPark}, {"stop", Mode::kStop}}, "policy");
  ASSERT_TRUE(loader_.Load("", {{"CAIRN_PROJECTION_POISON", "stop"}}).ok());
  EXPECT_EQ(mode, Mode::kStop);
  Status bad = loader_.Load("", {{"CAIRN_PROJECTION_POISON", "ignore"}});
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("must be one of park, stop"), std::string::npos) << bad.message();
}

TEST_F(ConfigTest, DescribeListsEveryKeyWithItsVariable) {
  const std::string text = loader_.Describe();
  EXPECT_NE(text.find("snapshot_every  CAIRN_SNAPSHOT_EVERY"), std::string::npos) << text;
  EXPECT_NE(text.find("log_format  CAIRN_LOG_FORMAT"), std::string::npos) << text;
}

}  // namespace
}  // namespace cairn
