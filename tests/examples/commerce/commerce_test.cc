// The commerce domains wired to a store: upcasting, state as JSON, schemas.
#include "examples/commerce/commerce.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/examples/commerce/commerce_messages.h"

namespace cairn::commerce {
namespace {

using namespace testing;

TEST(Commerce, AMalformedV1OrderPlacedIsAClearErrorNeverAnExceptionOrAnOverflow) {
  EventTypeRegistry types;
  RegisterCommerceEvents(types);
  const std::vector<std::string> malformed = {
      R"({"order_id":"9","items":[1]})",                                  // an item that is not an object
      R"({"order_id":9})",                                                // a number where text belongs
      R"({"order_id":"9","items":{"sku":"tea"}})",                        // items that are not an array
      R"({"order_id":"9","items":[{"sku":"tea","qty":"2","price":1}]})",   // a quantity as text
      R"({"order_id":"9","items":[{"sku":"tea","qty":-1,"price":1}]})",    // a negative quantity
      R"({"order_id":"9","items":[{"sku":"t","qty":9223372036854775807,"price":9223372036854775807}]})",
      R"({"order_id":"9","items":[{"sku":"t","qty":1000000,"price":1000000000}]})",  // a total over the maximum
      R"({"order_id":"9","items":[{"sku":"t","qty":1.5,"price":1}]})",
      R"([1,2,3])",
      "not json",
  };
  for (const std::string& data : malformed) {
    RecordedEvent stored;
    stored.type = "OrderPlaced";
    stored.schema_version = 1;
    stored.content_type = std::string(kJsonContentType);
    stored.position = 7;
    stored.data = data;
    auto decoded = types.Decode(stored);
    EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss) << data;
    EXPECT_NE(decoded.status().message().find("OrderPlaced v1 at global position 7"), std::string::npos)
        << decoded.status().message();
  }
}

TEST(Commerce, AnOrderPlacedWrittenAtV1IsReadAsV2) {
  auto store = NewMemoryEventStore();
  Commerce commerce(*store);
  EventData v1;
  v1.type = "OrderPlaced";
  v1.schema_version = 1;
  v1.data = R"({"order_id":"o-1","customer":"c-7","currency":"EUR","items":[{"sku":"tea","qty":2,"price":450}]})";
  ASSERT_TRUE(store->Append("order-o-1", ExpectedVersion::NoStream(), {v1}).ok());

  auto state = commerce.StateJson("order-o-1");
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  auto json = nlohmann::json::parse(*state);
  EXPECT_EQ(json["state"]["customer_id"], "c-7");
  EXPECT_EQ(json["state"]["total"], "900");
  EXPECT_EQ(json["state"]["status"], "PLACED");
  // The upcast event takes part in decisions like a current one.
  ASSERT_TRUE(commerce.Handle(Confirm("o-1")).ok());
  EXPECT_EQ(nlohmann::json::parse(*commerce.StateJson("order-o-1"))["state"]["status"], "CONFIRMED");
  auto types = commerce.types().Upcast(store->ReadStream("order-o-1", {})->front());
  ASSERT_TRUE(types.ok());
  EXPECT_EQ(types->schema_version, 2u);
}

TEST(Commerce, StateJsonNamesTheStreamAndRefusesOtherCategories) {
  auto store = NewMemoryEventStore();
  Commerce commerce(*store);
  ASSERT_TRUE(commerce.Handle(ChargeFor("ch-1", "c-7", 900)).ok());
  auto charge = nlohmann::json::parse(*commerce.StateJson("charge-ch-1"));
  EXPECT_EQ(charge["stream"], "charge-ch-1");
  EXPECT_EQ(charge["version"], 0);
  EXPECT_EQ(charge["state"]["status"], "SUCCEEDED");
  EXPECT_EQ(commerce.StateJson("order-none").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(commerce.StateJson("shipment-1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(commerce.StateJson("order").status().code(), StatusCode::kInvalidArgument);
}

TEST(Commerce, StartSavesTheSchemasThatRenderPayloads) {
  auto store = NewMemoryEventStore();
  Commerce commerce(*store);
  ASSERT_TRUE(commerce.Start().ok());
  for (const char* type : {"cairn.commerce.OrderPlaced", "cairn.commerce.ChargeRefunded", "cairn.commerce.NotificationFailed"}) {
    auto schema = store->LoadSchema(type);
    ASSERT_TRUE(schema.ok());
    EXPECT_TRUE(schema->has_value()) << type;
  }
}

TEST(Commerce, NotificationsRecordFailedAttemptsAndGiveUp) {
  auto store = NewMemoryEventStore();
  Commerce commerce(*store, {.notification_max_attempts = 2});
  ASSERT_TRUE(commerce.Handle(Send("n-1", "lost@example.com")).ok());
  ASSERT_EQ(commerce.Handle(Deliver("n-1", "mailbox full"))->events, 1u);
  ASSERT_EQ(commerce.Handle(Deliver("n-1", "mailbox full"))->events, 1u);
  EXPECT_EQ(commerce.Handle(Deliver("n-1")).status().code(), StatusCode::kFailedPrecondition);
  auto state = nlohmann::json::parse(*commerce.StateJson("notification-n-1"));
  EXPECT_EQ(state["state"]["status"], "GAVE_UP");
  EXPECT_EQ(state["state"]["attempts"], 2);
}

}  // namespace
}  // namespace cairn::commerce
