// async_next: the next page of a CatchUpSubscription as an Asio asynchronous
// operation. A subscription that has caught up costs no thread: it waits
// for the store's commit notification (EventStore::NotifyWhenHeadPasses).
// Pages are read on the token's associated executor, never on the store's
// committing thread. A store that closes while it waits gives Unavailable.
//
//   Result<std::vector<RecordedEvent>> page = co_await async_next(subscription, asio::use_awaitable);
//
// One async_next at a time per subscription; it must outlive the operation.
#ifndef CAIRN_ENGINE_ASYNC_SUBSCRIPTION_H_
#define CAIRN_ENGINE_ASYNC_SUBSCRIPTION_H_

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "store/subscription.h"

namespace cairn {

namespace internal {

template <typename Handler>
class NextPage : public std::enable_shared_from_this<NextPage<Handler>> {
 public:
  NextPage(CatchUpSubscription& subscription, Handler handler)
      : subscription_(subscription),
        work_(boost::asio::make_work_guard(boost::asio::get_associated_executor(handler))),
        handler_(std::move(handler)) {}

  auto executor() const { return work_.get_executor(); }

  // On the executor: a page if there is one, else a wait for the next commit.
  void Read() {
    Result<std::vector<RecordedEvent>> page = subscription_.Next(std::chrono::milliseconds(0));
    if (!page.ok() || !page->empty()) return Complete(std::move(page));
    const uint64_t seen = subscription_.next_position() - 1;
    subscription_.store().NotifyWhenHeadPasses(seen, [self = this->shared_from_this(), seen](uint64_t head) {
      boost::asio::post(self->work_.get_executor(), [self, seen, head] {
        if (head <= seen) return self->Complete(UnavailableError("the store closed"));
        self->Read();
      });
    });
  }

 private:
  void Complete(Result<std::vector<RecordedEvent>> page) {
    auto work = std::move(work_);
    handler_(std::move(page));
  }

  CatchUpSubscription& subscription_;
  boost::asio::executor_work_guard<boost::asio::associated_executor_t<Handler>> work_;
  Handler handler_;
};

}  // namespace internal

template <typename CompletionToken>
auto async_next(CatchUpSubscription& subscription, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(Result<std::vector<RecordedEvent>>)>(
      [&subscription](auto handler) {
        auto operation = std::make_shared<internal::NextPage<decltype(handler)>>(subscription, std::move(handler));
        boost::asio::post(operation->executor(), [operation] { operation->Read(); });
      },
      token);
}

}  // namespace cairn

#endif  // CAIRN_ENGINE_ASYNC_SUBSCRIPTION_H_
