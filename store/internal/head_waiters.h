// HeadWaiters: callbacks waiting for a store's head to pass a global
// position, called by whoever moves the head: a commit wakes them, no
// thread waits for it.
//
// Thread safety: any thread. Callbacks run outside the lock.
#ifndef CAIRN_STORE_INTERNAL_HEAD_WAITERS_H_
#define CAIRN_STORE_INTERNAL_HEAD_WAITERS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace cairn::internal {

class HeadWaiters {
 public:
  using Callback = std::function<void(uint64_t head)>;

  // Calls `done` at once when `head()` (read under the lock, so no commit
  // slips between the check and the wait) has passed `position`; else keeps it.
  template <typename Head>
  void Add(uint64_t position, Callback done, Head head) {
    uint64_t now;
    {
      std::lock_guard lock(mu_);
      now = head();
      if (now <= position && !closed_) {
        waiting_.emplace(position, std::move(done));
        return;
      }
    }
    done(now);
  }

  // After the head moved to `head`: calls every callback it passed.
  void Passed(uint64_t head) {
    std::vector<Callback> due;
    {
      std::lock_guard lock(mu_);
      auto end = waiting_.lower_bound(head);  // positions below the head are passed
      for (auto it = waiting_.begin(); it != end; ++it) due.push_back(std::move(it->second));
      waiting_.erase(waiting_.begin(), end);
    }
    for (auto& done : due) done(head);
  }

  // The store closes: every callback is called with the last head, and later ones at once.
  void Close(uint64_t head) {
    std::multimap<uint64_t, Callback> all;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      all.swap(waiting_);
    }
    for (auto& [position, done] : all) done(head);
  }

  // False when nobody waits; else true, with the lowest position waited past.
  bool Lowest(uint64_t* position) {
    std::lock_guard lock(mu_);
    if (waiting_.empty()) return false;
    *position = waiting_.begin()->first;
    return true;
  }

 private:
  std::mutex mu_;
  std::multimap<uint64_t, Callback> waiting_;  // by the position they wait past
  bool closed_ = false;
};

}  // namespace cairn::internal

#endif  // CAIRN_STORE_INTERNAL_HEAD_WAITERS_H_
