#include "examples/order_service/request_guards.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "examples/order_service/idempotency.h"

namespace cairn::order_service {
namespace {

bool LowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool AllZero(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

}  // namespace

std::optional<std::string> ParseTraceparent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2 = 55 characters.
  constexpr size_t kLength = 55;
  if (header.size() < kLength) return std::nullopt;
  const std::string_view version = header.substr(0, 2);
  if (!LowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && header.size() != kLength) return std::nullopt;
  if (header.size() > kLength && header[kLength] != '-') return std::nullopt;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  const std::string_view trace_id = header.substr(3, 32);
  const std::string_view parent_id = header.substr(36, 16);
  const std::string_view flags = header.substr(53, 2);
  if (!LowerHex(trace_id) || !LowerHex(parent_id) || !LowerHex(flags)) return std::nullopt;
  if (AllZero(trace_id) || AllZero(parent_id)) return std::nullopt;
  // Carried on as version 00, the one this service speaks.
  return "00-" + std::string(header.substr(3, kLength - 3));
}

std::string_view TraceIdOf(std::string_view traceparent) {
  return traceparent.size() >= 35 ? traceparent.substr(3, 32) : std::string_view();
}

AdminToken::AdminToken(std::string sha256_hex) : sha256_(Lower(sha256_hex)) {}

bool AdminToken::Valid(std::string_view sha256_hex) {
  return sha256_hex.empty() || (sha256_hex.size() == 64 && LowerHex(Lower(sha256_hex)));
}

std::optional<HttpResponse> AdminToken::Refusal(std::string_view authorization) const {
  if (sha256_.empty()) {
    return JsonError(403, "operator actions are disabled: set CAIRN_ADMIN_TOKEN_SHA256 to the SHA-256 of a token");
  }
  constexpr std::string_view kScheme = "bearer ";
  std::string_view token;
  if (authorization.size() > kScheme.size() && Lower(authorization.substr(0, kScheme.size())) == kScheme) {
    token = authorization.substr(kScheme.size());
  }
  HttpResponse refused = JsonError(401, token.empty() ? "an operator action needs Authorization: Bearer <token>"
                                                      : "the bearer token is not the operator's");
  refused.headers["WWW-Authenticate"] = "Bearer";
  if (token.empty()) return refused;
  // Both sides are SHA-256 digests of equal length: the time taken says
  // nothing about how much of the token was right.
  const std::string digest = Sha256Hex(token);
  if (digest.size() == sha256_.size() && CRYPTO_memcmp(digest.data(), sha256_.data(), digest.size()) == 0) {
    return std::nullopt;
  }
  return refused;
}

}  // namespace cairn::order_service
