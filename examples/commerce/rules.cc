#include "examples/commerce/rules.h"

#include <algorithm>
#include <array>
#include <string>

#include "store/event.h"

namespace cairn::commerce {
namespace {

constexpr std::array<std::string_view, 12> kCurrencies = {"AUD", "CAD", "CHF", "CNY", "DKK", "EUR",
                                                          "GBP", "JPY", "NOK", "PLN", "SEK", "USD"};

bool IdCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '-';
}

}  // namespace

Status RequireId(std::string_view what, std::string_view id) {
  if (id.empty()) return InvalidArgumentError(std::string(what) + " is missing");
  if (id.size() > kMaxIdBytes) {
    return InvalidArgumentError(std::string(what) + " is longer than " + std::to_string(kMaxIdBytes) + " bytes");
  }
  if (!std::all_of(id.begin(), id.end(), IdCharacter)) {
    return InvalidArgumentError(std::string(what) + " may hold only letters, digits, '_', '.', ':' and '-'");
  }
  return OkStatus();
}

Status RequireCurrency(std::string_view currency) {
  if (std::find(kCurrencies.begin(), kCurrencies.end(), currency) == kCurrencies.end()) {
    return InvalidArgumentError("unknown currency '" + std::string(currency) + "'");
  }
  return OkStatus();
}

Status RequireText(std::string_view what, std::string_view text, bool required) {
  if (required && text.empty()) return InvalidArgumentError(std::string(what) + " is missing");
  if (text.size() > kMaxTextBytes) {
    return InvalidArgumentError(std::string(what) + " is longer than " + std::to_string(kMaxTextBytes) + " bytes");
  }
  // Events are protobuf messages: a string that is not UTF-8 would never parse back.
  if (!IsValidUtf8(text)) return InvalidArgumentError(std::string(what) + " is not valid UTF-8");
  return OkStatus();
}

Status RequirePositiveAmount(std::string_view what, int64_t amount) {
  if (amount <= 0) return InvalidArgumentError(std::string(what) + " must be positive");
  if (amount > kMaxAmount) return InvalidArgumentError(std::string(what) + " is larger than " + std::to_string(kMaxAmount));
  return OkStatus();
}

}  // namespace cairn::commerce
