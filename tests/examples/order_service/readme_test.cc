// The README tells the truth about what it quotes: every configuration key
// a node reads is in its table, and the embedding example it shows is the
// code that the tests build and run.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "examples/order_service/node_config.h"

namespace cairn::order_service {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Readme, DocumentsEveryConfigurationKey) {
  const std::string readme = Slurp(std::string(CAIRN_SOURCE_DIR) + "/README.md");
  ASSERT_FALSE(readme.empty());
  std::istringstream lines(DescribeNodeConfig());
  int keys = 0;
  for (std::string line; std::getline(lines, line);) {
    const std::string key = line.substr(0, line.find(' '));
    if (key.empty()) continue;
    ++keys;
    EXPECT_NE(readme.find("`" + key + "`"), std::string::npos) << key << " is not in the README's configuration table";
  }
  EXPECT_GT(keys, 40);
}

TEST(Readme, QuotesTheEmbeddingExampleAsItIs) {
  const std::string readme = Slurp(std::string(CAIRN_SOURCE_DIR) + "/README.md");
  const std::string example = Slurp(std::string(CAIRN_SOURCE_DIR) + "/examples/embedding/main.cc");
  for (const std::string region : {"aggregate", "wiring"}) {
    std::smatch found;
    ASSERT_TRUE(std::regex_search(example, found, std::regex("// \\[" + region + "\\]\\n([\\s\\S]*?)\\n\\s*// \\[" +
                                                             region + "\\]")));
    // The README shows the region without the indentation of main().
    std::string quoted;
    std::istringstream lines(found[1].str());
    for (std::string line; std::getline(lines, line);) {
      quoted += (line.rfind("  ", 0) == 0 && region == "wiring" ? line.substr(2) : line) + "\n";
    }
    EXPECT_NE(readme.find(quoted), std::string::npos) << "the README's " << region << " differs from the example";
  }
}

}  // namespace
}  // namespace cairn::order_service
