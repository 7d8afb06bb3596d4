// The event type registry: encoding, decoding, upcasting and its errors.
#include "engine/event_types.h"

#include <gtest/gtest.h>

#include "examples/commerce/proto/order.pb.h"
#include "store/fault_injecting_event_store.h"

namespace cairn {
namespace {

using commerce::OrderConfirmed;

TEST(EventTypeRegistry, EncodesAndDecodesARegisteredType) {
  EventTypeRegistry types;
  types.Register<OrderConfirmed>(3);
  OrderConfirmed confirmed;
  confirmed.set_order_id("o-1");
  auto data = types.Encode(confirmed);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->type, "OrderConfirmed");
  EXPECT_EQ(data->content_type, "cairn.commerce.OrderConfirmed");
  EXPECT_EQ(data->schema_version, 3u);
  RecordedEvent stored;
  stored.type = data->type;
  stored.content_type = data->content_type;
  stored.schema_version = 3;
  stored.data = data->data;
  auto decoded = types.Decode(stored);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(static_cast<const OrderConfirmed&>(**decoded).order_id(), "o-1");
}

TEST(EventTypeRegistry, SchemasAreSavedOnlyWhenTheyChange) {
  auto base = NewMemoryEventStore();
  FaultInjectingEventStore store(*base);
  EventTypeRegistry types;
  types.Register<OrderConfirmed>();
  types.Register<commerce::OrderPlaced>();
  ASSERT_TRUE(types.SaveSchemas(store).ok());
  const uint64_t first = store.calls(StoreOperation::kSchema);
  EXPECT_EQ(first, 4u) << "a load and a save per type";
  ASSERT_TRUE(base->LoadSchema("cairn.commerce.OrderPlaced")->has_value());
  ASSERT_TRUE(types.SaveSchemas(store).ok());
  EXPECT_EQ(store.calls(StoreOperation::kSchema), first + 2) << "an unchanged schema was written again";
  // A schema that changed (here: an older one in the store) is written.
  ASSERT_TRUE(base->SaveSchema("cairn.commerce.OrderPlaced", "older").ok());
  ASSERT_TRUE(types.SaveSchemas(store).ok());
  EXPECT_EQ(store.calls(StoreOperation::kSchema), first + 5);
  EXPECT_NE(base->LoadSchema("cairn.commerce.OrderPlaced")->value(), "older");
}

TEST(EventTypeRegistry, UnregisteredTypesAndDamagedPayloadsAreClearErrors) {
  EventTypeRegistry types;
  EXPECT_EQ(types.Encode(OrderConfirmed()).status().code(), StatusCode::kInternal);  // a programming error
  types.Register<OrderConfirmed>();
  RecordedEvent stored;
  stored.type = "OrderConfirmed";
  stored.content_type = "cairn.commerce.Unknown";
  EXPECT_EQ(types.Decode(stored).status().code(), StatusCode::kInternal);  // a type the code forgot to register
  stored.content_type = std::string(kJsonContentType);
  stored.data = R"({"order_id":"o-1"})";
  Result<std::unique_ptr<google::protobuf::Message>> json = types.Decode(stored);
  EXPECT_EQ(json.status().code(), StatusCode::kDataLoss);  // stored by hand in a shape nothing reads
  EXPECT_NE(json.status().message().find("is JSON, and no upcaster reads that shape"), std::string::npos);
  stored.content_type = "cairn.commerce.OrderConfirmed";
  stored.data = "\xff\xff\xff";
  EXPECT_EQ(types.Decode(stored).status().code(), StatusCode::kDataLoss);
}

TEST(EventTypeRegistry, UpcastersChainAndMustRaiseTheVersion) {
  EventTypeRegistry types;
  types.AddUpcaster("Renamed", 1, [](RecordedEvent e) -> Result<RecordedEvent> {
    e.schema_version = 2;
    e.data += "+v2";
    return e;
  });
  types.AddUpcaster("Renamed", 2, [](RecordedEvent e) -> Result<RecordedEvent> {
    e.schema_version = 3;
    e.data += "+v3";
    return e;
  });
  RecordedEvent old;
  old.type = "Renamed";
  old.schema_version = 1;
  old.data = "v1";
  auto upcast = types.Upcast(old);
  ASSERT_TRUE(upcast.ok());
  EXPECT_EQ(upcast->schema_version, 3u);
  EXPECT_EQ(upcast->data, "v1+v2+v3");

  types.AddUpcaster("Stuck", 1, [](RecordedEvent e) -> Result<RecordedEvent> { return e; });
  RecordedEvent stuck;
  stuck.type = "Stuck";
  stuck.schema_version = 1;
  EXPECT_EQ(types.Upcast(stuck).status().code(), StatusCode::kInternal);
}

TEST(EventTypeRegistry, DecodesIntoScratchMessagesReusedPerType) {
  EventTypeRegistry types;
  types.Register<OrderConfirmed>(2);
  // A v1 OrderConfirmed carried its order id in the charge id field.
  types.AddUpcaster("OrderConfirmed", 1, [](RecordedEvent e) -> Result<RecordedEvent> {
    OrderConfirmed confirmed;
    if (!confirmed.ParseFromString(e.data)) return DataLossError("v1");
    confirmed.set_order_id(confirmed.charge_id());
    confirmed.clear_charge_id();
    e.data = confirmed.SerializeAsString();
    e.schema_version = 2;
    return e;
  });
  auto stored = [&](const std::string& order_id, const std::string& charge_id, uint32_t schema_version) {
    OrderConfirmed confirmed;
    confirmed.set_order_id(order_id);
    confirmed.set_charge_id(charge_id);
    RecordedEvent event;
    event.type = "OrderConfirmed";
    event.content_type = "cairn.commerce.OrderConfirmed";
    event.schema_version = schema_version;
    event.data = confirmed.SerializeAsString();
    return event;
  };
  DecodeScratch scratch;
  auto first = types.Decode(stored("o-1", "ch-1", 2), scratch);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(static_cast<const OrderConfirmed*>(*first)->order_id(), "o-1");
  // The same message again, holding only what the second event says.
  auto second = types.Decode(stored("", "o-2", 1), scratch);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *first);
  EXPECT_EQ(static_cast<const OrderConfirmed*>(*second)->order_id(), "o-2");
  EXPECT_EQ(static_cast<const OrderConfirmed*>(*second)->charge_id(), "");
  RecordedEvent damaged = stored("o-3", "ch-3", 2);
  damaged.data = "\xff\xff";
  EXPECT_EQ(types.Decode(damaged, scratch).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cairn
