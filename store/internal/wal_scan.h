// WalScan: finds where a RocksDB write-ahead log is damaged, so that an open
// refused for corruption can name the file and the offset, and tell damage
// apart from a torn tail (the unsynced end of a crash, which recovery may drop).
//
// The log format is RocksDB's (and LevelDB's): 32 KiB blocks of records, each
// with a masked CRC32C over its type and payload.
#ifndef CAIRN_STORE_INTERNAL_WAL_SCAN_H_
#define CAIRN_STORE_INTERNAL_WAL_SCAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::internal {

struct WalDamage {
  std::string file;     // the log's file name within the data dir, "000004.log"
  uint64_t offset = 0;  // the byte offset of the first damaged record
  std::string reason;   // "checksum mismatch", "bad record length", ...
  std::string ToString() const;
};

// Scans every `*.log` file of `dir` in file-number order and returns the first
// damaged record, or nullopt when every log is whole up to a torn tail. An
// unreadable file counts as damaged at offset 0.
std::optional<WalDamage> FindWalDamage(const std::string& dir);

// CRC-32C (Castagnoli) of `data`, continuing from `crc`.
uint32_t Crc32c(uint32_t crc, std::string_view data);

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_WAL_SCAN_H_
