// OffThread: runs work that blocks (a store read waiting for a reader
// connection, a DKIM signature, parsing a big message) on a thread pool and
// resumes the awaiting coroutine on its own executor, so the io threads that
// serve SMTP and HTTP sessions never wait on the database. With no pool the
// work runs at once on the caller's thread (tests, one-shot commands).
// An exception in the work becomes a temporary failure, never a lost resume.
// Thread-safety: `work` runs on a pool thread; it must only touch what the
// awaiting coroutine keeps alive (it is suspended until the work returns).
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/spawn.h"
#include "common/status.h"

namespace postdesk {

// Not a coroutine itself (see store/async_write.h): pass a named function.
inline boost::asio::awaitable<Status> OffThread(boost::asio::thread_pool* pool,
                                                std::function<Status()> work) {
  namespace asio = boost::asio;
  return asio::async_initiate<decltype(asio::use_awaitable), void(Status)>(
      [pool, work = std::move(work)](auto handler) mutable {
        auto executor = asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto run = [shared, executor, work = std::move(work)]() mutable {
          Status status;
          try {
            status = work();
          } catch (...) {
            status = Status::Temporary("internal error: " + ExceptionText(std::current_exception()));
          }
          asio::post(executor, [shared, status = std::move(status)]() mutable {
            (*shared)(std::move(status));
          });
        };
        if (pool != nullptr) {
          asio::post(*pool, std::move(run));
        } else {
          run();
        }
      },
      asio::use_awaitable);
}

}  // namespace postdesk
