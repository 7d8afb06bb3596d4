// The small value helpers of store/event.h.
#include "store/event.h"

#include <gtest/gtest.h>

#include <ctime>
#include <random>

namespace cairn {
namespace {

// What the C library says, for comparison.
std::string Reference(int64_t micros) {
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000 - (micros % 1000000 < 0 ? 1 : 0));
  const int64_t fraction = micros - int64_t{seconds} * 1000000;
  std::tm utc;
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long long>(fraction));
  return text;
}

TEST(FormatTimestamp, WritesIsoUtcWithMicroseconds) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTimestamp(1795688130123456), "2026-11-26T10:15:30.123456Z");
  EXPECT_EQ(FormatTimestamp(951782400000000), "2000-02-29T00:00:00.000000Z");  // a leap day of a 400th year
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(FormatTimestamp, AgreesWithTheCLibraryFromYearZeroTo9999) {
  constexpr int64_t kYearZero = -62167219200LL * 1000000;
  constexpr int64_t kYear10000 = 253402300800LL * 1000000;
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int64_t> any(kYearZero, kYear10000 - 1);
  for (int i = 0; i < 20000; ++i) {
    const int64_t micros = any(random);
    ASSERT_EQ(FormatTimestamp(micros), Reference(micros)) << micros;
  }
  EXPECT_EQ(FormatTimestamp(kYearZero), "0000-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTimestamp(kYear10000 - 1), "9999-12-31T23:59:59.999999Z");
}

TEST(FormatTimestamp, YearsBeyondFourDigitsAreWrittenAsMicroseconds) {
  EXPECT_EQ(FormatTimestamp(253402300800LL * 1000000), "253402300800000000us");
  EXPECT_EQ(FormatTimestamp(-62167219200LL * 1000000 - 1), "-62167219200000001us");
}

}  // namespace
}  // namespace cairn
