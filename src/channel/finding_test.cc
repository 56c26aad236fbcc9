#include "channel/finding.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace postdesk::channel {
namespace {

TEST(Finding, TextLineHasLevelStepEvidenceAndFix) {
  Finding f = Problem("spf.include", "Our SPF include", "include:_spf.d.example is missing",
                      "publish v=spf1 include:_spf.d.example ~all");
  EXPECT_EQ(FindingLine(f),
            "problem  spf.include: include:_spf.d.example is missing \xE2\x80\x94 fix: publish "
            "v=spf1 include:_spf.d.example ~all");
  EXPECT_EQ(FindingLine(Ok("mx", "MX", "MX of d.example: 10 mx.d.example")),
            "ok       mx: MX of d.example: 10 mx.d.example");
  EXPECT_EQ(FindingLine(Warning("dmarc.record", "DMARC", "p=none", "tighten")),
            "warning  dmarc.record: p=none \xE2\x80\x94 fix: tighten");
}

TEST(Finding, DnsTextCannotForgeLines) {
  Finding f = Ok("spf.record", "SPF", "record \"v=spf1\nproblem  fake: x\r\x1b[2J\"");
  std::string line = FindingLine(f);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  Report r{"domain d.example", {f}};
  std::string text = r.ToText();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST(Finding, ExitStatus) {
  Report r{"domain d.example", {}};
  EXPECT_EQ(r.ExitStatus(), 0);
  r.Add(Ok("a", "A", "fine"));
  r.Add(Warning("b", "B", "weak", "fix it"));
  EXPECT_EQ(r.ExitStatus(), 0);
  EXPECT_EQ(r.worst(), Level::kWarning);
  r.Add(TempError("c", "C", "the TXT records of d.example", "timeout"));
  EXPECT_EQ(r.ExitStatus(), kExitReportTemporary);
  EXPECT_TRUE(r.has_problem());
  r.Add(Problem("d", "D", "broken", "mend it"));
  EXPECT_EQ(r.ExitStatus(), kExitReportProblem);
}

TEST(Finding, TempErrorSaysSo) {
  Finding f = TempError("spf.record", "SPF record", "the TXT records of d.example", "SERVFAIL");
  EXPECT_EQ(f.level, Level::kProblem);
  EXPECT_TRUE(f.temporary);
  EXPECT_EQ(f.evidence, "temperror: could not look up the TXT records of d.example (SERVFAIL)");
}

TEST(Finding, Json) {
  Report r{"domain d.example", {}};
  r.Add(Ok("spf.record", "SPF record", "one record", nlohmann::json{{"record", "v=spf1 -all"}}));
  r.Add(Warning("dmarc.record", "DMARC record", "p=none", "tighten"));
  nlohmann::json j = r.ToJson();
  EXPECT_EQ(j["subject"], "domain d.example");
  EXPECT_EQ(j["status"], "warning");
  EXPECT_EQ(j["exit_status"], 0);
  ASSERT_EQ(j["findings"].size(), 2u);
  EXPECT_EQ(j["findings"][0]["step"], "spf.record");
  EXPECT_EQ(j["findings"][0]["level"], "ok");
  EXPECT_TRUE(j["findings"][0]["fix"].is_null());
  EXPECT_EQ(j["findings"][0]["details"]["record"], "v=spf1 -all");
  EXPECT_EQ(j["findings"][1]["fix"], "tighten");
  EXPECT_FALSE(j["findings"][1].contains("details"));
  EXPECT_EQ(j["findings"][1]["temporary"], false);
  // Invalid UTF-8 from DNS must not make the JSON unprintable.
  r.Add(Ok("x", "X", std::string("bad \xff byte")));
  EXPECT_NO_THROW(r.ToJson().dump());
}

}  // namespace
}  // namespace postdesk::channel
