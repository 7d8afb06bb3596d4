// ThreadNames: the names of this process's threads, as `top -H` shows them.
#ifndef CAIRN_TESTS_TESTING_THREAD_NAMES_H_
#define CAIRN_TESTS_TESTING_THREAD_NAMES_H_

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace cairn::testing {

inline std::multiset<std::string> ThreadNames() {
  std::multiset<std::string> names;
  std::error_code ignored;  // a thread may end while the folder is listed
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ignored)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.insert(name);
  }
  return names;
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_TESTING_THREAD_NAMES_H_
