// The public ARC validation suite (tests/data/arc/arc-draft-validation-tests.yml,
// converted to JSON by yaml_to_json.py beside it): every scenario runs with
// its txt records in an in-memory resolver. The suite was written against
// draft 18 of the ARC protocol; the tests where RFC 8617 says otherwise are
// listed in kKnownDifferences with the reason (see tests/data/arc/README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "auth/arc.h"
#include "auth/dkim_test_resolver.h"

namespace postdesk::auth {
namespace {

// Test name -> why our RFC 8617 result differs from the draft-era expectation.
const std::map<std::string, std::string>& KnownDifferences() {
  static const std::map<std::string, std::string> kDiffs = {
      {"cv_fail_i1_as_cv_fail",
       "newest seal cv=fail: RFC 8617 5.2 step 2 says the result is fail; "
       "the suite expects no result"},
      {"cv_fail_i2_as2_fail",
       "newest seal cv=fail: RFC 8617 5.2 step 2 says fail; the suite "
       "expects no result"},
      {"cv_fail_i2_as1_fail",
       "a seal other than the newest has cv=fail: RFC 8617 5.2 step 3 "
       "makes the chain fail; the suite expects no result"},
      {"ams_fields_c_na",
       "AMS without c=: RFC 8617 4.1.2 keeps DKIM's default simple/simple; "
       "the suite's signer used relaxed/relaxed"},
      {"ams_fields_h_empty",
       "AMS h= empty: the RFC 6376 grammar RFC 8617 inherits needs at "
       "least one header field name"},
      {"ams_fields_h_mis_hdr",
       "AMS h= with an empty name (\"to::date\"): not a field-name in "
       "the RFC 6376 grammar"},
  };
  return kDiffs;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(ArcSuite, ValidationSuite) {
  std::ifstream in("tests/data/arc/arc-draft-validation-tests.json");
  ASSERT_TRUE(in) << "run from the repository root";
  nlohmann::json suite = nlohmann::json::parse(in);
  int total = 0, passed = 0, known = 0;
  std::vector<std::string> unexpected;
  for (const auto& scenario : suite) {
    testing::TxtResolver resolver;
    for (const auto& [name, value] : scenario["txt_records"].items()) {
      // YAML folded the record over lines; DNS would hand it over in one piece.
      std::string txt;
      for (char c : value.get<std::string>()) {
        if (c != '\n') txt.push_back(c);
      }
      resolver.Add(name, txt);
    }
    for (const auto& test : scenario["tests"]) {
      std::string name = test["name"];
      std::string want = Lower(test["cv"].is_string() ? test["cv"].get<std::string>() : "");
      ArcResult r = testing::RunSync(VerifyArc(resolver, test["message"].get<std::string>(), 0));
      std::string got = ArcStatusName(r.status);
      ++total;
      bool same = got == want;
      passed += same;
      bool expected_diff = KnownDifferences().count(name) > 0;
      known += !same && expected_diff;
      if (!same && !expected_diff) {
        unexpected.push_back(name + ": want '" + want + "' got '" + got + "' (" + r.reason + ")");
      }
      if (same && expected_diff)
        unexpected.push_back(name + ": listed as differing but now agrees");
    }
  }
  std::cout << "ARC validation suite: " << passed << " of " << total << " agree; " << known
            << " differ as documented" << std::endl;
  for (const auto& u : unexpected) ADD_FAILURE() << u;
}

// Beyond cv=: the oldest-pass instance and who sealed each set.
TEST(ArcSuite, ResultDetails) {
  std::ifstream in("tests/data/arc/arc-draft-validation-tests.json");
  ASSERT_TRUE(in);
  nlohmann::json suite = nlohmann::json::parse(in);
  std::map<std::string, ArcResult> results;
  for (const auto& scenario : suite) {
    testing::TxtResolver resolver;
    for (const auto& [name, value] : scenario["txt_records"].items()) {
      std::string txt = value.get<std::string>();
      txt.erase(std::remove(txt.begin(), txt.end(), '\n'), txt.end());
      resolver.Add(name, txt);
    }
    for (const auto& test : scenario["tests"]) {
      results[test["name"]] =
          testing::RunSync(VerifyArc(resolver, test["message"].get<std::string>(), 0));
    }
  }
  const ArcResult& none = results["cv_base1"];
  EXPECT_EQ(none.status, ArcStatus::kNone);
  EXPECT_EQ(none.AuthResultsItem(), "arc=none");

  const ArcResult& three = results["cv_pass_i3_1"];
  EXPECT_EQ(three.status, ArcStatus::kPass);
  EXPECT_EQ(three.instances, 3);
  EXPECT_EQ(three.oldest_pass, 1);
  ASSERT_EQ(three.sets.size(), 3u);
  for (const auto& set : three.sets) {
    EXPECT_EQ(set.seal_domain, "example.org");
    EXPECT_TRUE(set.seal_valid);
    EXPECT_TRUE(set.message_valid);
  }
  EXPECT_EQ(three.sets[0].authserv_id, "lists.example.org");

  // The message changed after the first hop: AMS 1 no longer verifies, the
  // chain still passes, and oldest-pass says from which hop on it is intact.
  const ArcResult& changed = results["cv_pass_i2_1_ams1_invalid"];
  EXPECT_EQ(changed.status, ArcStatus::kPass);
  EXPECT_EQ(changed.oldest_pass, 2);
  ASSERT_EQ(changed.sets.size(), 2u);
  EXPECT_FALSE(changed.sets[0].message_valid);
  EXPECT_NE(changed.AuthResultsItem().find("arc=pass (i=2; oldest-pass=2"), std::string::npos)
      << changed.AuthResultsItem();

  const ArcResult& broken = results["cv_fail_i2_as1_invalid"];
  EXPECT_EQ(broken.status, ArcStatus::kFail);
  EXPECT_EQ(broken.failed_instance, 1);
  EXPECT_FALSE(broken.reason.empty());
}

}  // namespace
}  // namespace postdesk::auth
