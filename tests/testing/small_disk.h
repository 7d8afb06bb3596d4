// SmallDisk: a tmpfs of a few MiB mounted on a fresh folder, for tests of a
// full disk. Mounting needs root (CI runs as root); elsewhere the test skips.
#ifndef CAIRN_TESTS_TESTING_SMALL_DISK_H_
#define CAIRN_TESTS_TESTING_SMALL_DISK_H_

#include <sys/mount.h>
#include <unistd.h>

#include <string>

#include "tests/testing/temp_dir.h"

namespace cairn::testing {

class SmallDisk {
 public:
  explicit SmallDisk(int mib) {
    if (geteuid() != 0) return;
    mounted_ = mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, Size(mib).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) umount2(dir_.path().c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  std::string Sub(const std::string& name) const { return dir_.Sub(name); }
  // Makes room: the disk grows to `mib`.
  bool Grow(int mib) {
    return mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_REMOUNT, Size(mib).c_str()) == 0;
  }

 private:
  static std::string Size(int mib) { return "size=" + std::to_string(mib) + "m"; }
  TempDir dir_;
  bool mounted_ = false;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_TESTING_SMALL_DISK_H_
