// LockFile: the advisory lock that makes one process the writer of a data dir
// (or of a read model). The holder writes its pid, program and start time into
// the file so that the next one can say who holds it.
#ifndef CAIRN_STORE_LOCK_FILE_H_
#define CAIRN_STORE_LOCK_FILE_H_

#include <memory>
#include <string>

#include "store/status.h"

namespace cairn {

class LockFile {
 public:
  // FailedPrecondition naming the holder when another open file holds it.
  static Result<std::unique_ptr<LockFile>> Acquire(const std::string& path);
  ~LockFile();  // releases the lock
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cairn

#endif  // CAIRN_STORE_LOCK_FILE_H_
