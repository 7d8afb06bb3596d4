// async_append: EventStore::AppendAsync as an Asio asynchronous operation.
// The token may be a callback, asio::use_future or asio::use_awaitable:
//
//   Result<AppendResult> appended = co_await async_append(store, appends, asio::use_awaitable);
//
// The completion runs on the token's associated executor (the coroutine's,
// or one bound with asio::bind_executor; a plain callback gets the system
// executor), never on the store's committing thread, and is kept alive as
// outstanding work until the group's sync.
#ifndef CAIRN_ENGINE_ASYNC_APPEND_H_
#define CAIRN_ENGINE_ASYNC_APPEND_H_

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <utility>
#include <vector>

#include "store/event_store.h"

namespace cairn {

template <typename CompletionToken>
auto async_append(EventStore& store, std::vector<StreamAppend> appends, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(Result<AppendResult>)>(
      [&store](auto handler, std::vector<StreamAppend> requested) {
        using Handler = decltype(handler);
        auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
        // AppendCallback is copyable; Asio handlers need not be.
        auto shared = std::make_shared<Handler>(std::move(handler));
        store.AppendAsync(std::move(requested), [shared, work](Result<AppendResult> result) {
          boost::asio::post(work.get_executor(), [shared, work, result = std::move(result)]() mutable {
            (*shared)(std::move(result));
          });
        });
      },
      token, std::move(appends));
}

}  // namespace cairn

#endif  // CAIRN_ENGINE_ASYNC_APPEND_H_
