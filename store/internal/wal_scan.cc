#include "store/internal/wal_scan.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <vector>

namespace cairn::internal {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBlockSize = 32768;
constexpr size_t kHeaderSize = 7;            // crc (4), length (2), type (1)
constexpr size_t kRecyclableHeaderSize = 11;  // ... and the log number (4)
constexpr uint8_t kZeroType = 0;
constexpr uint8_t kLastLegacyType = 4;        // full, first, middle, last
constexpr uint8_t kLastRecyclableType = 8;
constexpr uint8_t kSetCompressionType = 9;
constexpr uint32_t kMaskDelta = 0xa282ead8u;

std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ ((crc & 1) ? 0x82f63b78u : 0);
    table[i] = crc;
  }
  return table;
}

uint32_t DecodeFixed32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// The first damaged record of one block; `at_end` says the block is the
// file's last, where an incomplete record is a torn tail rather than damage.
std::optional<std::pair<size_t, std::string>> ScanBlock(std::string_view block, bool at_end) {
  size_t at = 0;
  while (block.size() - at >= kHeaderSize) {
    const auto* header = reinterpret_cast<const unsigned char*>(block.data() + at);
    const size_t length = header[4] | size_t{header[5]} << 8;
    const uint8_t type = header[6];
    if (type == kZeroType && length == 0) return std::nullopt;  // preallocated or padded: the block ends
    if (type > kSetCompressionType) return std::pair{at, std::string("unknown record type")};
    const size_t header_size =
        type > kLastLegacyType && type <= kLastRecyclableType ? kRecyclableHeaderSize : kHeaderSize;
    if (header_size + length > block.size() - at) {
      if (at_end) return std::nullopt;  // the writer died inside this record
      return std::pair{at, std::string("bad record length")};
    }
    const uint32_t expected = Unmask(DecodeFixed32(header));
    const uint32_t actual = Crc32c(0, block.substr(at + 6, header_size - 6 + length));
    if (expected != actual) return std::pair{at, std::string("checksum mismatch")};
    at += header_size + length;
  }
  return std::nullopt;  // fewer bytes than a header are left: the block's trailer
}

std::optional<WalDamage> ScanFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string name = path.filename().string();
  if (!in) return WalDamage{name, 0, "cannot be read"};
  std::vector<char> buffer(kBlockSize);
  uint64_t offset = 0;
  for (;;) {
    in.read(buffer.data(), kBlockSize);
    const size_t got = static_cast<size_t>(in.gcount());
    if (got == 0) return std::nullopt;
    const bool at_end = got < kBlockSize || in.peek() == std::char_traits<char>::eof();
    if (auto bad = ScanBlock({buffer.data(), got}, at_end)) {
      return WalDamage{name, offset + bad->first, bad->second};
    }
    if (at_end) return std::nullopt;
    offset += got;
  }
}

}  // namespace

uint32_t Crc32c(uint32_t crc, std::string_view data) {
  static const std::array<uint32_t, 256> table = MakeTable();
  crc = ~crc;
  for (unsigned char c : data) crc = table[(crc ^ c) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::string WalDamage::ToString() const {
  return file + " at offset " + std::to_string(offset) + ": " + reason;
}

std::optional<WalDamage> FindWalDamage(const std::string& dir) {
  std::vector<std::pair<uint64_t, fs::path>> logs;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const fs::path& path = entry.path();
    if (path.extension() != ".log") continue;
    const std::string stem = path.stem().string();
    if (stem.empty() || !std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    logs.emplace_back(std::stoull(stem), path);
  }
  std::sort(logs.begin(), logs.end());
  for (const auto& [number, path] : logs) {
    if (auto damage = ScanFile(path)) return damage;
  }
  return std::nullopt;
}

}  // namespace cairn::internal
