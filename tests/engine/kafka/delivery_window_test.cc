#include "engine/kafka/internal/delivery_window.h"

#include <gtest/gtest.h>

namespace cairn::kafka::internal {
namespace {

TEST(DeliveryWindow, TheCheckpointStopsBelowTheFirstUnconfirmedPosition) {
  DeliveryWindow window(10);
  for (uint64_t p = 11; p <= 15; ++p) ASSERT_TRUE(window.Sent(p));
  window.Confirmed(12);
  window.Confirmed(14);
  EXPECT_EQ(window.checkpoint(), 10u);  // 11 is still out
  window.Confirmed(11);
  EXPECT_EQ(window.checkpoint(), 12u);  // 13 is still out
  window.Confirmed(13);
  EXPECT_EQ(window.checkpoint(), 14u);
  EXPECT_EQ(window.in_flight(), 1u);
  window.Confirmed(15);
  EXPECT_EQ(window.checkpoint(), 15u);
  EXPECT_EQ(window.in_flight(), 0u);
}

TEST(DeliveryWindow, GapsAndStrayConfirmationsAreRefused) {
  DeliveryWindow window(0);
  ASSERT_TRUE(window.Sent(1));
  EXPECT_FALSE(window.Sent(3));  // the log is gapless: 2 must come first
  window.Confirmed(7);           // never sent
  window.Confirmed(1);
  window.Confirmed(1);           // twice
  EXPECT_EQ(window.checkpoint(), 1u);
  EXPECT_EQ(window.in_flight(), 0u);
}

}  // namespace
}  // namespace cairn::kafka::internal
