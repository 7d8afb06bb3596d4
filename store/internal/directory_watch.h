// DirectoryWatch: wakes a reader when another process changes files in a
// folder (inotify), so that a read-only store follows its writer's commits
// without polling on a timer.
//
// Thread safety: one Wait at a time.
#ifndef CAIRN_STORE_INTERNAL_DIRECTORY_WATCH_H_
#define CAIRN_STORE_INTERNAL_DIRECTORY_WATCH_H_

#include <chrono>
#include <string>

namespace cairn::internal {

class DirectoryWatch {
 public:
  explicit DirectoryWatch(const std::string& path);
  ~DirectoryWatch();
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  // False when the folder cannot be watched (no inotify, or over its limits).
  bool watching() const { return fd_ >= 0; }
  // Returns once a file in the folder was written, created or renamed, or
  // `timeout` passed. Without a watch it only waits out `timeout`.
  void Wait(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_DIRECTORY_WATCH_H_
