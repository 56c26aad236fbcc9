// Bounce corpus: every tests/data/bounces/{bsd,not}/*.eml is parsed and
// compared with what the reference parser (Sisimai 4.25, via
// make-expected.pl) reported for it, in expected.json.
//
// Headline number: of the messages the reference takes for bounces, the share
// where we give the same recipients and the same DSN status code for each
// (recipients compared case-insensitively). It must stay at or above 90%.
// Never bounces: the files in not/, the rfc3834-* auto-replies, and anything
// the reference calls a feedback report or a vacation reply -- with one
// exception, kMisfiled below.
//
// Set POSTDESK_BOUNCE_VERBOSE=1 to print every disagreement.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "outbound/dsn.h"

namespace postdesk::outbound {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path CorpusDir() {
#ifdef POSTDESK_BOUNCE_CORPUS
  if (fs::is_directory(POSTDESK_BOUNCE_CORPUS)) return POSTDESK_BOUNCE_CORPUS;
#endif
  return "tests/data/bounces";
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "bsd/lhost-postfix-17.eml" -> "lhost-postfix".
std::string Kind(const std::string& name) {
  std::string base = name.substr(name.find('/') + 1);
  size_t dash = base.rfind('-');
  return dash == std::string::npos ? base : base.substr(0, dash);
}

using Pairs = std::set<std::pair<std::string, std::string>>;  // (recipient, status)

std::string Show(const Pairs& p) {
  std::string out;
  for (const auto& [r, s] : p) out += r + " " + s + "; ";
  return out.empty() ? "(none)" : out;
}

// not/rb-issue-368-bug.eml sits in the upstream "not a bounce" folder (it was
// filed for a parser crash), but it is a real non-delivery report: sent by
// postmaster with a null return path, "Your message was rejected ... reject
// reason: Mailbox full / target mail address: ...". Taking it for a bounce is
// right, so it is neither required nor forbidden.
constexpr std::string_view kMisfiled = "not/rb-issue-368-bug.eml";

// A pseudo status the reference infers when the bounce states none.
bool IsPseudo(const std::string& status) {
  return status.size() == 7 && status.substr(1, 3) == ".0." && status[4] == '9';
}

TEST(BounceCorpus, AgreesWithReference) {
  fs::path dir = CorpusDir();
  std::ifstream in(dir / "expected.json");
  ASSERT_TRUE(in.good()) << "missing " << (dir / "expected.json");
  json expected = json::parse(in);
  bool verbose = std::getenv("POSTDESK_BOUNCE_VERBOSE") != nullptr;

  int compared = 0, agreed = 0, unknown_to_reference = 0, we_also_parse = 0;
  std::map<std::string, std::pair<int, int>> by_kind;       // kind -> (disagree, total)
  std::map<std::string, int> by_failure;                    // not parsed / recipient / status
  std::vector<std::string> false_positives;
  std::vector<std::string> disagreements;

  for (const auto& [name, list] : expected.items()) {
    std::string raw = ReadFile(dir / name);
    std::optional<Bounce> got = ParseBounce(raw);
    std::string base = name.substr(name.find('/') + 1);

    bool must_not_bounce = name.starts_with("not/") || base.starts_with("rfc3834-");
    Pairs want;
    for (const auto& e : list) {
      std::string reason = e.value("reason", "");
      if (reason == "feedback" || reason == "vacation") must_not_bounce = true;
      std::string status = e.value("deliverystatus", "");
      if (status.starts_with("2.")) continue;
      want.emplace(Lower(e.value("recipient", "")), status);
    }
    if (name == kMisfiled) continue;
    if (must_not_bounce) {
      if (got) false_positives.push_back(name + " -> " + got->recipients[0].final_recipient);
      continue;
    }
    if (list.empty()) {
      ++unknown_to_reference;
      if (got) ++we_also_parse;
      continue;
    }
    Pairs have;
    if (got) {
      for (const auto& r : got->recipients) {
        if (r.action != DsnAction::kFailed && r.action != DsnAction::kDelayed) continue;
        if (r.status.starts_with("2.")) continue;
        have.emplace(Lower(r.final_recipient), r.status);
      }
    }
    ++compared;
    auto& k = by_kind[Kind(name)];
    ++k.second;
    if (have == want) {
      ++agreed;
      continue;
    }
    ++k.first;
    std::set<std::string> want_r, have_r;
    for (const auto& p : want) want_r.insert(p.first);
    for (const auto& p : have) have_r.insert(p.first);
    bool want_pseudo = true, have_pseudo = true;
    for (const auto& p : want) want_pseudo = want_pseudo && IsPseudo(p.second);
    for (const auto& p : have) have_pseudo = have_pseudo && IsPseudo(p.second);
    std::string failure = !got                   ? "not taken for a bounce"
                          : want_r != have_r     ? "different recipients"
                          : want_pseudo && have_pseudo ? "status: both inferred, other reason"
                          : want_pseudo          ? "status: reference inferred, we read one"
                          : have_pseudo          ? "status: we inferred, reference read one"
                                                 : "status: both read, different code";
    ++by_failure[failure];
    std::string detail = name + ": " + failure + "\n    reference: " + Show(want) +
                         "\n    ours:      " + Show(have);
    if (got) {
      for (const auto& r : got->recipients)
        detail += "\n    [" + r.reason_detail + "] " + r.diagnostic.substr(0, 300);
    }
    disagreements.push_back(detail);
  }

  double share = compared ? 100.0 * agreed / compared : 0;
  std::printf("bounce corpus: %d/%d messages agree with the reference (%.1f%%)\n", agreed,
              compared, share);
  std::printf("  files the reference does not parse: %d (we parse %d of them)\n",
              unknown_to_reference, we_also_parse);
  std::printf("  disagreements by kind:\n");
  for (const auto& [f, n] : by_failure) std::printf("    %-24s %d\n", f.c_str(), n);
  std::printf("  disagreements by file family (disagree/total):\n");
  for (const auto& [kind, n] : by_kind)
    if (n.first > 0) std::printf("    %-26s %d/%d\n", kind.c_str(), n.first, n.second);
  if (verbose)
    for (const auto& d : disagreements) std::printf("  %s\n", d.c_str());

  EXPECT_TRUE(false_positives.empty()) << "taken for bounces: " << [&] {
    std::string s;
    for (const auto& f : false_positives) s += "\n  " + f;
    return s;
  }();
  EXPECT_GE(share, 90.0) << "agreement with the reference parser fell below 90%";
}

}  // namespace
}  // namespace postdesk::outbound
