#include "store/event_record.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

RecordedEvent Sample() {
  RecordedEvent event;
  event.event_id = Uuid::Random();
  event.stream = "order-7";
  event.version = 3;
  event.position = 42;
  event.type = "OrderPlaced";
  event.content_type = "application/json";
  event.recorded_at_us = 1764150000000000;
  event.metadata = {{"correlation_id", "checkout-7"}, {"user", "ada"}};
  event.data = R"({"total":900})";
  return event;
}

TEST(EventRecord, EncodesAndDecodesEveryField) {
  const RecordedEvent event = Sample();
  auto decoded = DecodeEventRecord(EncodeEventRecord(event));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->event_id, event.event_id);
  EXPECT_EQ(decoded->stream, event.stream);
  EXPECT_EQ(decoded->version, event.version);
  EXPECT_EQ(decoded->position, event.position);
  EXPECT_EQ(decoded->metadata, event.metadata);
  EXPECT_EQ(decoded->data, event.data);
  EXPECT_EQ(decoded->recorded_at_us, event.recorded_at_us);
}

TEST(EventRecord, PeekReadsTheHeadersWithoutThePayload) {
  const RecordedEvent event = Sample();
  const std::string bytes = EncodeEventRecord(event);
  auto headers = PeekEventRecord(bytes);
  ASSERT_TRUE(headers.ok());
  EXPECT_EQ(headers->event_id, event.event_id);
  EXPECT_EQ(headers->position, 42u);
  EXPECT_EQ(headers->stream, "order-7");
  EXPECT_EQ(headers->type, "OrderPlaced");
  EXPECT_EQ(headers->content_type, "application/json");
  EXPECT_EQ(headers->correlation_id, "checkout-7");
}

TEST(EventRecord, BytesThatAreNotARecordAreDataLoss) {
  EXPECT_EQ(DecodeEventRecord("\xff\xff\xff").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(PeekEventRecord("\xff\xff\xff").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(PeekEventRecord("").status().code(), StatusCode::kDataLoss);
  const std::string bytes = EncodeEventRecord(Sample());
  EXPECT_EQ(PeekEventRecord(bytes.substr(0, bytes.size() / 2)).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cairn
