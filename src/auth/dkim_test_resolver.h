// dkim_test_resolver: a tiny in-memory dns::Resolver for the DKIM and ARC
// tests and the dkim_tool test executable (TXT records by name, plus names
// that answer temperror), and a helper that runs a coroutine to completion.
// Test-only; not linked into postdesk. Thread-safety: none needed (one
// io_context thread).
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "dns/resolver.h"

namespace postdesk::auth::testing {

class TxtResolver final : public dns::Resolver {
 public:
  void Add(const std::string& name, std::string txt) {
    txt_[ToLower(name)].push_back(std::move(txt));
  }
  void Fail(const std::string& name) { fail_.insert(ToLower(name)); }
  int queries() const { return queries_; }

  boost::asio::awaitable<dns::Answer> Query(std::string name, dns::RrType type) override {
    ++queries_;
    dns::Answer answer;
    std::string key = ToLower(name);
    if (fail_.count(key)) {
      answer.rcode = dns::Rcode::kTempError;
      answer.error = "SERVFAIL (test)";
      co_return answer;
    }
    auto it = txt_.find(key);
    if (it == txt_.end()) {
      answer.rcode = dns::Rcode::kNxDomain;
    } else if (type != dns::RrType::kTXT) {
      answer.rcode = dns::Rcode::kNoData;
    } else {
      answer.records = it->second;
    }
    co_return answer;
  }

 private:
  std::map<std::string, std::vector<std::string>> txt_;
  std::set<std::string> fail_;
  int queries_ = 0;
};

// Runs `aw` on a private io_context and returns its value.
template <typename T>
T RunSync(boost::asio::awaitable<T> aw) {
  boost::asio::io_context io;
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(aw), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) out.emplace(std::move(value));
  });
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*out);
}

}  // namespace postdesk::auth::testing
