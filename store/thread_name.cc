#include "store/thread_name.h"

#include <pthread.h>

namespace cairn {

void NameThread(std::thread& thread, const std::string& name) {
  // A longer name is refused (ERANGE), not cut: cut it here.
  (void)pthread_setname_np(thread.native_handle(), name.substr(0, 15).c_str());
}

}  // namespace cairn
