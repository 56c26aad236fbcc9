// Spawn: the one way to start a coroutine nobody co_awaits. asio::detached
// drops an exception silently, so whoever waits for the coroutine's result
// (an SMTP client for its 250, a queue slot for its release) waits for ever
// or, worse, goes on as if a check had passed. Spawn logs the exception and
// calls `on_failure`, which must complete the work with a temporary failure.
// No asio::detached is left in src/ (tests/test_conventions.py checks).
// Thread-safety: as co_spawn; on_failure runs on the coroutine's executor.
#pragma once

#include <spdlog/spdlog.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <exception>
#include <functional>
#include <string>
#include <utility>

namespace postdesk {

// The message of an exception_ptr ("" for none).
inline std::string ExceptionText(std::exception_ptr e) {
  if (!e) return "";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown exception";
  }
}

template <typename Executor>
void Spawn(Executor executor, boost::asio::awaitable<void> task, std::string what,
           std::function<void(const std::string& error)> on_failure) {
  boost::asio::co_spawn(
      executor, std::move(task),
      [what = std::move(what), on_failure = std::move(on_failure)](std::exception_ptr e) {
        if (!e) return;
        std::string error = ExceptionText(e);
        spdlog::error("{} failed: {}", what, error);
        if (on_failure) on_failure(error);
      });
}

}  // namespace postdesk
