// The trace context the service carries on, and the operator's token.
#include "examples/order_service/request_guards.h"

#include <gtest/gtest.h>

#include "examples/order_service/idempotency.h"

namespace cairn::order_service {
namespace {

TEST(Traceparent, OnlyAValidOneIsCarriedOn) {
  const std::string valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  EXPECT_EQ(ParseTraceparent(valid).value(), valid);
  EXPECT_EQ(TraceIdOf(valid), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(ParseTraceparent(""));
  EXPECT_FALSE(ParseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));  // zero trace id
  EXPECT_FALSE(ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));  // zero parent
  EXPECT_FALSE(ParseTraceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));  // upper case
  EXPECT_FALSE(ParseTraceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));  // forbidden version
  EXPECT_FALSE(ParseTraceparent(valid + "-extra"));  // version 00 has exactly four fields
  // A later version is read by its first four fields and carried on as 00.
  EXPECT_EQ(ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future").value(), valid);
}

TEST(AdminToken, OnlyTheTokenWhoseHashIsConfiguredPasses) {
  const AdminToken token(Sha256Hex("s3cret"));
  EXPECT_FALSE(token.Refusal("Bearer s3cret"));
  EXPECT_FALSE(token.Refusal("bearer s3cret"));
  EXPECT_EQ(token.Refusal("Bearer s3cre")->status, 401u);
  EXPECT_EQ(token.Refusal("")->status, 401u);
  EXPECT_EQ(token.Refusal("Bearer ")->status, 401u);
  EXPECT_EQ(token.Refusal("s3cret")->status, 401u);
  EXPECT_EQ(AdminToken("").Refusal("Bearer s3cret")->status, 403u);
  EXPECT_TRUE(AdminToken::Valid(""));
  EXPECT_TRUE(AdminToken::Valid(Sha256Hex("x")));
  EXPECT_FALSE(AdminToken::Valid("s3cret"));
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace cairn::order_service
