// Helpers the doctor's tests share: run a coroutine to completion, and pick
// the findings of one step out of a report.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "channel/finding.h"

namespace postdesk::doctor::testing_util {

template <typename T>
T Await(boost::asio::awaitable<T> work) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(work)); },
      boost::asio::detached);
  io.run();
  return std::move(*out);
}

inline std::vector<channel::Finding> Steps(const std::vector<channel::Finding>& findings,
                                           std::string_view step) {
  std::vector<channel::Finding> out;
  for (const auto& f : findings) {
    if (f.step == step) out.push_back(f);
  }
  return out;
}

}  // namespace postdesk::doctor::testing_util
