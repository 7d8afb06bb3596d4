// POST /orders bodies: what is taken, and the field each refusal names.
#include "examples/order_service/order_json.h"

#include <gtest/gtest.h>

namespace cairn::order_service {
namespace {

TEST(OrderJson, ATypicalOrderIsTaken) {
  auto place = PlaceOrderFromJson(
      R"({"order_id":"o-1","customer":"c-7","currency":"EUR","lines":[{"sku":"tea","quantity":2,"unit_price":450}]})");
  ASSERT_TRUE(place.ok()) << place.status().ToString();
  EXPECT_EQ(place->order_id(), "o-1");
  EXPECT_EQ(place->customer_id(), "c-7");
  ASSERT_EQ(place->lines_size(), 1);
  EXPECT_EQ(place->lines(0).quantity(), 2);
  EXPECT_EQ(place->lines(0).unit_price(), 450);
  auto without_id = PlaceOrderFromJson(R"({"customer":"c-7","currency":"EUR","lines":[]})");
  ASSERT_TRUE(without_id.ok());
  EXPECT_EQ(without_id->order_id(), "");  // the service generates one
}

TEST(OrderJson, EachRefusalNamesItsField) {
  const std::pair<const char*, const char*> cases[] = {
      {"{", "not JSON"},
      {"[1,2]", "JSON object"},
      {R"({"currency":"EUR","lines":[]})", "missing field customer"},
      {R"({"customer":7,"currency":"EUR","lines":[]})", "field customer must be a string"},
      {R"({"customer":"c","currency":"EUR","lines":{}})", "field lines must be an array"},
      {R"({"customer":"c","currency":"EUR"})", "missing field lines"},
      {R"({"customer":"c","currency":"EUR","lines":[],"coupon":"x"})", "unknown field coupon"},
      {R"({"customer":"c","currency":"EUR","lines":[7]})", "lines[0] must be an object"},
      {R"({"customer":"c","currency":"EUR","lines":[{"sku":"a","quantity":1.5,"unit_price":1}]})",
       "lines[0].quantity must be a whole number"},
      {R"({"customer":"c","currency":"EUR","lines":[{"sku":"a","quantity":1}]})", "missing field lines[0].unit_price"},
      {R"({"customer":"c","currency":"EUR","lines":[{"sku":"a","quantity":1,"unit_price":1,"x":0}]})",
       "unknown field lines[0].x"},
      {R"({"customer":"c","currency":"EUR","lines":[{"sku":"a","quantity":18446744073709551615,"unit_price":1}]})",
       "lines[0].quantity must be a whole number"},
  };
  for (const auto& [body, message] : cases) {
    auto place = PlaceOrderFromJson(body);
    ASSERT_EQ(place.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_NE(place.status().message().find(message), std::string::npos) << body << ": " << place.status().message();
  }
  EXPECT_EQ(PlaceOrderFromJson(std::string(100000, '[')).status().code(), StatusCode::kInvalidArgument);
}

TEST(OrderJson, OnlyJsonContentTypesAreJson) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON; charset=utf-8"));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_FALSE(IsJsonContentType("application/jsonp"));
}

}  // namespace
}  // namespace cairn::order_service
