// LockFile: the advisory lock that makes one process the writer of a data dir
// (or of a read model). The holder writes its pid, program and start time into
// the file so that the next one can say who holds it. Only the holder ever
// removes a lock file: a file that others may still hold locked stays.
#ifndef CAIRN_STORE_LOCK_FILE_H_
#define CAIRN_STORE_LOCK_FILE_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "store/status.h"

namespace cairn {

class LockFile {
 public:
  // Takes the lock. When another process holds it, waits up to `wait` for it
  // to be released (woken by the holder closing the file, not by polling),
  // then fails with Unavailable naming the holder.
  static Result<std::unique_ptr<LockFile>> Acquire(const std::string& path,
                                                   std::chrono::milliseconds wait = {});
  // The holder's description ("pid 42 (cairn, since ...)") and pid when a live
  // process holds `path` locked; nullopt when nobody does (or there is no file).
  struct Holder {
    int pid = 0;
    std::string description;
  };
  static std::optional<Holder> FindHolder(const std::string& path);

  ~LockFile();  // releases the lock
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cairn

#endif  // CAIRN_STORE_LOCK_FILE_H_
