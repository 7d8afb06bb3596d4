// NameThread: names a thread, as `top -H`, `ps -L` and profilers show it, so
// that an operator can tell the store's writer from its syncer and from a
// node's io threads. Named by its creator, so that the name is there as soon
// as the thread is. Linux keeps the first 15 bytes.
#ifndef CAIRN_STORE_THREAD_NAME_H_
#define CAIRN_STORE_THREAD_NAME_H_

#include <string>
#include <thread>

namespace cairn {

void NameThread(std::thread& thread, const std::string& name);

}  // namespace cairn

#endif  // CAIRN_STORE_THREAD_NAME_H_
