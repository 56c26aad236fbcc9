// channel/finding: the one report type of every setup check and of the
// doctor. A Finding is one step: a stable id ("spf.include"), a title for
// people, a level (ok | warning | problem), the evidence seen, the fix in
// plain words, and optional machine-readable details (JSON). A Report is the
// ordered list of findings about one subject ("domain support.example").
//
// Levels: a *problem* is what will make mail fail, be refused or be
// suspended; a *warning* only weakens deliverability or could not be
// decided; *ok* is a step that passed. A finding whose lookup failed
// temporarily (DNS temperror) is a problem marked `temporary`: nothing is
// known to be wrong, the check could not be made.
//
// Rendering: text is one line per step,
//   "problem  spf.include: <evidence> — fix: <fix>"
// and JSON is {"subject", "status", "findings":[{step,title,level,evidence,
// fix,temporary,details}]}. Exit status (sysexits-style, see ExitStatus): 0
// when nothing is a problem, 1 when something is, 75 when every problem is a
// temporary lookup failure (run again later).
//
// Input: evidence strings may quote DNS data (untrusted); rendering strips
// control characters so a record cannot forge extra lines.
// Thread-safety: plain values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace postdesk::channel {

enum class Level { kOk, kWarning, kProblem };

// "ok", "warning", "problem".
const char* LevelName(Level level);

struct Finding {
  std::string step;   // stable id, e.g. "spf.record", "dkim.postdesk", "dmarc.alignment"
  std::string title;  // short title for people, e.g. "SPF record"
  Level level = Level::kOk;
  std::string evidence;    // what was seen
  std::string fix;         // what to do, in plain words; empty when nothing to do
  bool temporary = false;  // the check could not be made (DNS temperror)
  nlohmann::json details;  // optional; null when there are none
};

// Convenience constructors.
Finding Ok(std::string step, std::string title, std::string evidence,
           nlohmann::json details = nullptr);
Finding Warning(std::string step, std::string title, std::string evidence, std::string fix,
                nlohmann::json details = nullptr);
Finding Problem(std::string step, std::string title, std::string evidence, std::string fix,
                nlohmann::json details = nullptr);
// A problem marked temporary: `what` could not be looked up (`error` from DNS).
Finding TempError(std::string step, std::string title, std::string_view what,
                  std::string_view error);

// The worst level among `findings` (kOk when empty).
Level Worst(const std::vector<Finding>& findings);

inline constexpr int kExitReportOk = 0;
inline constexpr int kExitReportProblem = 1;
inline constexpr int kExitReportTemporary = 75;  // EX_TEMPFAIL

struct Report {
  std::string subject;  // "domain support.example", "address help@customer.example"
  std::vector<Finding> findings;

  void Add(Finding finding) { findings.push_back(std::move(finding)); }
  void Append(std::vector<Finding> more);

  Level worst() const { return Worst(findings); }
  bool has_problem() const { return worst() == Level::kProblem; }
  // 0 nothing is a problem; 75 every problem is temporary; 1 otherwise.
  int ExitStatus() const;

  // One line per finding, each ending in '\n'.
  std::string ToText() const;
  nlohmann::json ToJson() const;
};

// One finding as its text line (without the newline).
std::string FindingLine(const Finding& finding);
nlohmann::json FindingJson(const Finding& finding);

}  // namespace postdesk::channel
