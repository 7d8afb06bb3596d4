// MessageToJson against protobuf's own JSON printer, over every field kind.
#include "engine/message_json.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "examples/commerce/proto/order.pb.h"

namespace cairn {
namespace {

using google::protobuf::Message;

// Every kind of field proto3 has, in one message.
constexpr char kSchema[] = R"pb(
  name: "json_test.proto" package: "cairn.test" syntax: "proto3"
  dependency: "google/protobuf/timestamp.proto"
  message_type {
    name: "Inner"
    field { name: "label" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
  }
  message_type {
    name: "Everything"
    field { name: "i32" number: 1 type: TYPE_INT32 label: LABEL_OPTIONAL }
    field { name: "i64" number: 2 type: TYPE_SINT64 label: LABEL_OPTIONAL }
    field { name: "u64" number: 3 type: TYPE_UINT64 label: LABEL_OPTIONAL }
    field { name: "f32" number: 4 type: TYPE_FLOAT label: LABEL_OPTIONAL }
    field { name: "f64" number: 5 type: TYPE_DOUBLE label: LABEL_OPTIONAL }
    field { name: "flag" number: 6 type: TYPE_BOOL label: LABEL_OPTIONAL }
    field { name: "text" number: 7 type: TYPE_STRING label: LABEL_OPTIONAL }
    field { name: "blob" number: 8 type: TYPE_BYTES label: LABEL_OPTIONAL }
    field { name: "color" number: 9 type: TYPE_ENUM type_name: ".cairn.test.Color" label: LABEL_OPTIONAL }
    field { name: "inner" number: 10 type: TYPE_MESSAGE type_name: ".cairn.test.Inner" label: LABEL_OPTIONAL }
    field { name: "inners" number: 11 type: TYPE_MESSAGE type_name: ".cairn.test.Inner" label: LABEL_REPEATED }
    field { name: "numbers" number: 12 type: TYPE_INT64 label: LABEL_REPEATED }
    field { name: "by_id" number: 13 type: TYPE_MESSAGE type_name: ".cairn.test.Everything.ByIdEntry" label: LABEL_REPEATED }
    field { name: "at" number: 14 type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" label: LABEL_OPTIONAL }
    field { name: "choice" number: 15 type: TYPE_STRING label: LABEL_OPTIONAL oneof_index: 0 }
    field { name: "u32" number: 16 type: TYPE_FIXED32 label: LABEL_OPTIONAL }
    oneof_decl { name: "pick" }
    nested_type {
      name: "ByIdEntry"
      field { name: "key" number: 1 type: TYPE_INT32 label: LABEL_OPTIONAL }
      field { name: "value" number: 2 type: TYPE_STRING label: LABEL_OPTIONAL }
      options { map_entry: true }
    }
  }
  enum_type {
    name: "Color"
    value { name: "COLOR_NONE" number: 0 }
    value { name: "COLOR_RED" number: 1 }
  }
)pb";

constexpr char kFilled[] = R"pb(
  i32: -7 i64: -9007199254740993 u64: 18446744073709551615 f32: 0.1 f64: 2.5e-300 flag: true
  text: "quote \" slash \\ tab \t newline \n bell \007 del \177 é ✓"
  blob: "\000\001\377bytes" color: COLOR_RED inner { label: "first" }
  inners { label: "a" } inners {} numbers: 1 numbers: -2
  by_id { key: 3 value: "three" } by_id { key: -1 value: "" }
  at { seconds: 1764150000 nanos: 5000 } choice: "" u32: 4294967295
)pb";

class MessageJsonTest : public testing::Test {
 protected:
  void SetUp() override {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kSchema, &file));
    ASSERT_NE(pool_.BuildFile(file), nullptr);
    prototype_ = factory_.GetPrototype(pool_.FindMessageTypeByName("cairn.test.Everything"));
  }

  std::unique_ptr<Message> Parse(const char* text) {
    std::unique_ptr<Message> message(prototype_->New());
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, message.get()));
    return message;
  }

  static nlohmann::json Protobufs(const Message& message, bool defaults) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = defaults;
    std::string json;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json, options).ok());
    return nlohmann::json::parse(json);
  }

  google::protobuf::DescriptorPool pool_{google::protobuf::DescriptorPool::generated_pool()};
  google::protobuf::DynamicMessageFactory factory_{&pool_};
  const Message* prototype_ = nullptr;
};

TEST_F(MessageJsonTest, WritesWhatProtobufWritesForEveryFieldKind) {
  auto message = Parse(kFilled);
  const std::string ours = MessageToJson(*message).value();
  ASSERT_TRUE(nlohmann::json::accept(ours)) << ours;
  EXPECT_EQ(nlohmann::json::parse(ours), Protobufs(*message, false)) << ours;
  EXPECT_NE(ours.find("\"i64\":\"-9007199254740993\""), std::string::npos) << ours;
  EXPECT_NE(ours.find("\"blob\":\"AAH/Ynl0ZXM=\""), std::string::npos) << ours;
  const std::string all = MessageToJson(*message, JsonDefaults::kPrint).value();
  EXPECT_EQ(nlohmann::json::parse(all), Protobufs(*message, true)) << all;
}

TEST_F(MessageJsonTest, DefaultsAreOmittedOrPrintedAsAsked) {
  auto empty = Parse("");
  EXPECT_EQ(MessageToJson(*empty).value(), "{}");
  const std::string all = MessageToJson(*empty, JsonDefaults::kPrint).value();
  EXPECT_EQ(nlohmann::json::parse(all), Protobufs(*empty, true)) << all;
  // A unset message and an unset oneof member stay out even then.
  EXPECT_EQ(nlohmann::json::parse(all).count("inner"), 0u);
  EXPECT_EQ(nlohmann::json::parse(all).count("choice"), 0u);
}

TEST_F(MessageJsonTest, NonFiniteNumbersAndUnknownEnumValuesAreWrittenAsProtobufDoes) {
  auto message = Parse("f64: inf f32: -inf color: 7");
  message->GetReflection()->SetDouble(message.get(), message->GetDescriptor()->FindFieldByName("f64"),
                                      std::numeric_limits<double>::quiet_NaN());
  const std::string ours = MessageToJson(*message).value();
  EXPECT_EQ(nlohmann::json::parse(ours), Protobufs(*message, false)) << ours;
  EXPECT_EQ(ours, R"({"f32":"-Infinity","f64":"NaN","color":7})");
}

TEST_F(MessageJsonTest, AWellKnownValueJsonCannotCarryIsAnError) {
  auto message = Parse("text: \"kept\" at { seconds: 253402300800 }");  // the year 10000
  EXPECT_EQ(MessageToJson(*message).status().code(), StatusCode::kInvalidArgument);
}

TEST(MessageJson, CommerceEventsMatchProtobuf) {
  commerce::OrderPlaced placed;
  placed.set_order_id("o-1");
  placed.set_customer_id("c-1");
  placed.set_currency("EUR");
  auto* line = placed.add_lines();
  line->set_sku("tea");
  line->set_quantity(2);
  line->set_unit_price(450);
  placed.set_total(900);
  std::string expected;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(placed, &expected, options).ok());
  EXPECT_EQ(MessageToJson(placed).value(), expected);  // byte for byte
}

TEST(MessageJson, Base64PadsEveryLength) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
}

}  // namespace
}  // namespace cairn
