// StringHash: a hash for unordered containers keyed by std::string that
// finds by std::string_view without building a string. With std::equal_to<>:
//   std::unordered_map<std::string, T, StringHash, std::equal_to<>>
#ifndef CAIRN_STORE_STRING_HASH_H_
#define CAIRN_STORE_STRING_HASH_H_

#include <functional>
#include <string_view>

namespace cairn {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
};

}  // namespace cairn

#endif  // CAIRN_STORE_STRING_HASH_H_
