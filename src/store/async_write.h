// AsyncWrite: awaits a GroupCommitWriter submission from an Asio coroutine,
// resuming on the coroutine's executor after the batch has committed.
// Thread-safety: as GroupCommitWriter::Submit.
#pragma once

#include <memory>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/group_commit.h"

namespace postdesk::store {

// Not a coroutine itself, and callers should pass a named TxFn: g++ 12 can
// destroy a temporary twice inside a co_await expression.
inline boost::asio::awaitable<Status> AsyncWrite(GroupCommitWriter& writer, TxFn fn) {
  namespace asio = boost::asio;
  return asio::async_initiate<decltype(asio::use_awaitable), void(Status)>(
      [&writer, fn = std::move(fn)](auto handler) mutable {
        auto executor = asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        writer.Submit(std::move(fn), [shared, executor](Status status) {
          asio::post(executor, [shared, status]() mutable { (*shared)(std::move(status)); });
        });
      },
      asio::use_awaitable);
}

}  // namespace postdesk::store
