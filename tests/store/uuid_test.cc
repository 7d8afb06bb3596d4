#include "store/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace cairn {
namespace {

TEST(Uuid, ParsesAndPrintsTheCanonicalForm) {
  auto id = Uuid::Parse("0F8FAD5B-D9CB-469F-A165-70867728950E");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->ToString(), "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(Uuid::Parse(id->ToString()), id);
}

TEST(Uuid, RejectsMalformedText) {
  for (const char* bad : {"", "0f8fad5b", "0f8fad5bxd9cb-469f-a165-70867728950e",
                          "0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5b-d9cb-469f-a165-70867728950e0"}) {
    EXPECT_FALSE(Uuid::Parse(bad).has_value()) << bad;
  }
}

TEST(Uuid, RandomIdsAreVersionFourAndDistinct) {
  std::set<Uuid> seen;
  for (int i = 0; i < 1000; ++i) {
    Uuid id = Uuid::Random();
    EXPECT_EQ(id.ToString()[14], '4');
    EXPECT_TRUE(seen.insert(id).second);
  }
  EXPECT_TRUE(Uuid().is_nil());
}

TEST(Uuid, NameBasedIdsFollowRfc4122Version5) {
  // The DNS namespace and "python.org": the RFC's well-known example value.
  Uuid dns = *Uuid::Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
  EXPECT_EQ(Uuid::NameBased(dns, "python.org").ToString(), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  EXPECT_EQ(Uuid::NameBased(dns, "a"), Uuid::NameBased(dns, "a"));
  EXPECT_NE(Uuid::NameBased(dns, "a"), Uuid::NameBased(dns, "b"));
}

}  // namespace
}  // namespace cairn
