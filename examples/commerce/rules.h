// Input rules shared by the commerce commands: a command that breaks one is
// InvalidArgument and appends nothing.
#ifndef CAIRN_EXAMPLES_COMMERCE_RULES_H_
#define CAIRN_EXAMPLES_COMMERCE_RULES_H_

#include <cstdint>
#include <string_view>

#include "store/status.h"

namespace cairn::commerce {

inline constexpr size_t kMaxIdBytes = 64;
inline constexpr size_t kMaxTextBytes = 500;
inline constexpr int64_t kMaxAmount = 1'000'000'000'000;  // minor units, per line price or charge

// 1 to 64 bytes of letters, digits, '_', '.', ':' or '-'.
Status RequireId(std::string_view what, std::string_view id);
// An ISO 4217 code the shop trades in.
Status RequireCurrency(std::string_view currency);
// Free text of at most kMaxTextBytes; `required` also forbids empty text.
Status RequireText(std::string_view what, std::string_view text, bool required);
// 1 to kMaxAmount.
Status RequirePositiveAmount(std::string_view what, int64_t amount);

// A business rule said no.
inline Status Rejected(std::string message) { return FailedPreconditionError(std::move(message)); }

}  // namespace cairn::commerce

#endif  // CAIRN_EXAMPLES_COMMERCE_RULES_H_
