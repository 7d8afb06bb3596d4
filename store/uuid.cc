#include "store/uuid.h"

#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <random>

#include "store/internal/digest.h"

namespace cairn {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Uuid Uuid::Random() {
  // One generator per thread, seeded from the OS: no lock on the append path.
  thread_local std::mt19937_64 engine([] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }());
  std::array<uint8_t, 16> bytes;
  uint64_t high = engine();
  uint64_t low = engine();
  std::memcpy(bytes.data(), &high, 8);
  std::memcpy(bytes.data() + 8, &low, 8);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // RFC 4122 variant
  return Uuid(bytes);
}

Uuid Uuid::NameBased(const Uuid& namespace_id, std::string_view name) {
  // A context per thread, reused: a command derives two ids on its way.
  struct Free {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  thread_local const std::unique_ptr<EVP_MD_CTX, Free> context(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestInit_ex(context.get(), internal::Sha1(), nullptr);
  EVP_DigestUpdate(context.get(), namespace_id.bytes_.data(), namespace_id.bytes_.size());
  EVP_DigestUpdate(context.get(), name.data(), name.size());
  EVP_DigestFinal_ex(context.get(), digest, &length);
  std::array<uint8_t, 16> bytes;
  std::memcpy(bytes.data(), digest, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;  // version 5
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // RFC 4122 variant
  return Uuid(bytes);
}

std::optional<Uuid> Uuid::Parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::array<uint8_t, 16> bytes;
  size_t out = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int high = HexValue(text[i]);
    int low = HexValue(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes[out++] = static_cast<uint8_t>(high << 4 | low);
    i += 2;
  }
  return Uuid(bytes);
}

std::optional<Uuid> Uuid::FromBytes(std::string_view raw) {
  if (raw.size() != 16) return std::nullopt;
  std::array<uint8_t, 16> bytes;
  std::memcpy(bytes.data(), raw.data(), 16);
  return Uuid(bytes);
}

std::string Uuid::ToString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  char* next = out.data();
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++next;  // past a dash
    *next++ = kHex[bytes_[i] >> 4];
    *next++ = kHex[bytes_[i] & 0xf];
  }
  return out;
}

}  // namespace cairn
