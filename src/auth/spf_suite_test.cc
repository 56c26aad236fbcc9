// The RFC 7208 conformance suite (tests/data/spf/rfc7208-tests.json, made
// from the suite's YAML by tests/data/spf/yaml_to_json.py): every scenario's
// zone is served from a MemoryZone and every test must give one of its
// acceptable results (and its explanation, when it names one).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "auth/spf.h"
#include "dns/memory_zone.h"

namespace postdesk::spf {
namespace {

using nlohmann::json;

std::string TxtValue(const json& v) {
  if (v.is_array()) {
    std::string out;
    for (const auto& s : v) out += s.get<std::string>();
    return out;
  }
  return v.get<std::string>();
}

// Loads one scenario's zonedata. The suite's conventions: a name's SPF-type
// records are served as TXT unless the name has TXT records of its own (RFC
// 7208 retired the SPF type, so only TXT is ever asked); "TXT: NONE" means
// no TXT at all; "TIMEOUT" makes every type that has no record listed before
// it time out (the generated TXT records count as listed last).
void LoadZone(const json& zonedata, dns::MemoryZone& zone) {
  const dns::RrType kTypes[] = {dns::RrType::kA,  dns::RrType::kAAAA, dns::RrType::kTXT,
                                dns::RrType::kMX, dns::RrType::kPTR,  dns::RrType::kCNAME};
  for (const auto& [name, entries] : zonedata.items()) {
    bool has_txt = false;
    for (const auto& e : entries) {
      if (e.is_object() && e.contains("TXT")) has_txt = true;
    }
    zone.AddName(name);
    std::set<dns::RrType> seen;
    std::set<dns::RrType> timeouts;
    std::vector<std::string> generated;
    for (const auto& e : entries) {
      if (e.is_string()) {
        ASSERT_EQ(e.get<std::string>(), "TIMEOUT");
        for (auto t : kTypes) {
          if (!seen.count(t)) timeouts.insert(t);
        }
        continue;
      }
      for (const auto& [type, value] : e.items()) {
        if (type == "SPF") {
          if (!has_txt) generated.push_back(TxtValue(value));
        } else if (type == "TXT") {
          if (!(value.is_string() && value.get<std::string>() == "NONE")) {
            seen.insert(dns::RrType::kTXT);
            zone.Add(name, dns::RrType::kTXT, TxtValue(value));
          }
        } else if (type == "MX") {
          seen.insert(dns::RrType::kMX);
          zone.AddMx(name, value[0].get<uint16_t>(), value[1].get<std::string>());
        } else {
          dns::RrType t = type == "A"      ? dns::RrType::kA
                          : type == "AAAA" ? dns::RrType::kAAAA
                          : type == "PTR"  ? dns::RrType::kPTR
                                           : dns::RrType::kCNAME;
          ASSERT_TRUE(type == "A" || type == "AAAA" || type == "PTR" || type == "CNAME") << type;
          seen.insert(t);
          zone.Add(name, t, value.get<std::string>());
        }
      }
    }
    for (const auto& txt : generated) zone.Add(name, dns::RrType::kTXT, txt);
    for (auto t : timeouts) zone.SetTimeout(name, t);
  }
}

TEST(SpfSuite, Rfc7208) {
  std::ifstream in(std::string(POSTDESK_SOURCE_DIR) + "/tests/data/spf/rfc7208-tests.json");
  ASSERT_TRUE(in) << "cannot open the suite";
  const json suite = json::parse(in);
  int total = 0, passed = 0;
  for (const auto& scenario : suite) {
    dns::MemoryZone zone;
    LoadZone(scenario["zonedata"], zone);
    for (const auto& item : scenario["tests"].items()) {
      const std::string name = item.key();
      const json& t = item.value();  // a lambda below uses it (no structured binding: clang 14)
      ++total;
      std::set<std::string> accept;
      if (t["result"].is_array()) {
        for (const auto& r : t["result"]) accept.insert(r.get<std::string>());
      } else {
        accept.insert(t["result"].get<std::string>());
      }
      SpfOptions options;
      options.timestamp = 1700000000;
      boost::asio::io_context io;
      SpfResult result;
      boost::asio::co_spawn(
          io,
          [&]() -> boost::asio::awaitable<void> {
            result = co_await CheckMailFrom(zone, t["host"].get<std::string>(),
                                            t.value("mailfrom", ""), t.value("helo", ""), options);
          },
          boost::asio::detached);
      io.run();
      bool ok = accept.count(VerdictName(result.verdict)) > 0;
      std::string want_exp;
      if (ok && t.contains("explanation")) {
        want_exp = t["explanation"].get<std::string>();
        ok = want_exp == "DEFAULT"
                 ? result.explanation_is_default
                 : result.explanation == want_exp && !result.explanation_is_default;
      }
      if (ok) {
        ++passed;
      } else {
        ADD_FAILURE() << scenario["description"].get<std::string>() << " / " << name << ": got "
                      << VerdictName(result.verdict) << " (" << result.reason << ") explanation '"
                      << result.explanation << "', want " << t["result"].dump() << " " << want_exp;
      }
    }
  }
  std::cout << "RFC 7208 suite: " << passed << " of " << total << " tests passed" << std::endl;
  EXPECT_EQ(passed, total);
  EXPECT_GE(total, 200);
}

}  // namespace
}  // namespace postdesk::spf
