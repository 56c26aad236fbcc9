// spf_check: runs one SPF check against a real DNS server and prints the
// result, for the differential test against pyspf (tests/test_spf_differential.py)
// and for people debugging a domain by hand.
//
//   spf_check [--dns HOST:PORT] --ip IP [--sender ADDR] [--helo NAME] [--helo-identity]
//
// Prints "<result>\n<reason>\n<explanation>\n" (the explanation line only
// for fail). Exit status 0 when a result was produced, 2 on bad usage.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "auth/spf.h"
#include "common/spawn.h"
#include "dns/cares_resolver.h"

namespace {

int Usage() {
  std::cerr << "usage: spf_check [--dns HOST:PORT] --ip IP [--sender ADDR] [--helo NAME]"
               " [--helo-identity] [--receiver NAME]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace postdesk;
  std::string server, ip, sender, helo, receiver = "unknown";
  bool helo_identity = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    bool ok = true;
    if (arg == "--dns") {
      ok = value(&server);
    } else if (arg == "--ip") {
      ok = value(&ip);
    } else if (arg == "--sender") {
      ok = value(&sender);
    } else if (arg == "--helo") {
      ok = value(&helo);
    } else if (arg == "--receiver") {
      ok = value(&receiver);
    } else if (arg == "--helo-identity") {
      helo_identity = true;
    } else {
      ok = false;
    }
    if (!ok) return Usage();
  }
  if (ip.empty()) return Usage();

  boost::asio::io_context io;
  dns::CaresOptions options;
  options.server = server;
  options.timeout = std::chrono::milliseconds(1500);
  auto resolver = dns::CaresResolver::Create(io.get_executor(), options);
  if (!resolver.ok()) {
    std::cerr << "spf_check: " << resolver.status().message() << "\n";
    return 2;
  }
  spf::SpfOptions spf_options;
  spf_options.receiver = receiver;
  spf::SpfResult result;
  bool done = false;
  std::optional<std::string> failed;
  auto check = [&]() -> boost::asio::awaitable<void> {
    if (helo_identity) {
      result = co_await spf::CheckHelo(**resolver, ip, helo, spf_options);
    } else {
      result = co_await spf::CheckMailFrom(**resolver, ip, sender, helo, spf_options);
    }
    done = true;
  };
  Spawn(io.get_executor(), check(), "spf_check", [&](const std::string& error) {
    failed = error;
    done = true;
  });
  while (!done) io.run_one();
  if (failed) {
    std::cerr << "spf_check: " << *failed << "\n";
    return 2;
  }
  std::cout << spf::VerdictName(result.verdict) << "\n" << result.reason << "\n";
  if (result.verdict == spf::Verdict::kFail) std::cout << result.explanation << "\n";
  return 0;
}
