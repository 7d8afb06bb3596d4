// Key encodings of the RocksDB column families (DESIGN.md, "RocksDB layout").
// Numbers are 8 bytes big-endian so that byte order is numeric order.
#ifndef CAIRN_STORE_INTERNAL_KEYS_H_
#define CAIRN_STORE_INTERNAL_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::internal {

inline void AppendBigEndian64(std::string& out, uint64_t value) {
  char bytes[8];
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  out.append(bytes, 8);
}

inline uint64_t ReadBigEndian64(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    value = value << 8 | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

// `events`: global position.
inline std::string PositionKey(uint64_t position) {
  std::string key;
  AppendBigEndian64(key, position);
  return key;
}

// `streams`: stream id, '\0', version. Stream ids hold no control characters,
// so '\0' ends the id and all of a stream's keys share the prefix.
inline std::string StreamPrefix(std::string_view stream) {
  std::string key(stream);
  key.push_back('\0');
  return key;
}
inline std::string StreamVersionKey(std::string_view stream, uint64_t version) {
  std::string key = StreamPrefix(stream);
  AppendBigEndian64(key, version);
  return key;
}

// `categories`: category, '\0', global position.
inline std::string CategoryPositionKey(std::string_view category, uint64_t position) {
  return StreamVersionKey(category, position);
}

// The number after the '\0' of a `streams` or `categories` key.
inline uint64_t TrailingNumber(std::string_view key) {
  return key.size() < 8 ? 0 : ReadBigEndian64(key.substr(key.size() - 8));
}
// The id before the '\0' of a `streams` or `categories` key.
inline std::string_view LeadingName(std::string_view key) {
  return key.size() < 9 ? std::string_view() : key.substr(0, key.size() - 9);
}

// `meta` keys.
inline constexpr std::string_view kFormatVersionKey = "format_version";
inline constexpr std::string_view kHeadKey = "head";  // last position (8 bytes) + chain hash (32)
inline constexpr std::string_view kFormatVersion = "1";
// A repair's description, under "repair/" + its time (microseconds, big-endian).
inline constexpr std::string_view kRepairKeyPrefix = "repair/";

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_KEYS_H_
