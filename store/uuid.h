// Uuid: a 16-byte identifier (RFC 4122 layout) for events and commands.
#ifndef CAIRN_STORE_UUID_H_
#define CAIRN_STORE_UUID_H_

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn {

class Uuid {
 public:
  Uuid() = default;  // the nil UUID
  explicit Uuid(const std::array<uint8_t, 16>& bytes) : bytes_(bytes) {}

  // A random (version 4) UUID; thread-safe.
  static Uuid Random();
  // Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case); nullopt otherwise.
  static std::optional<Uuid> Parse(std::string_view text);
  // A name-based (version 5, SHA-1) UUID: the same namespace and name always
  // give the same id.
  static Uuid NameBased(const Uuid& namespace_id, std::string_view name);
  // Exactly 16 raw bytes; nullopt otherwise.
  static std::optional<Uuid> FromBytes(std::string_view bytes);

  bool is_nil() const { return *this == Uuid(); }
  std::string_view bytes() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }
  // Lower-case canonical text form.
  std::string ToString() const;

  auto operator<=>(const Uuid&) const = default;

 private:
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace cairn

#endif  // CAIRN_STORE_UUID_H_
