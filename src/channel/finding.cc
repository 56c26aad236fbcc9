#include "channel/finding.h"

#include <utility>

#include "common/strings.h"

namespace postdesk::channel {

namespace {

// Evidence may quote DNS data: no control character may start a new line or
// move the cursor in someone's terminal.
std::string OneLine(std::string_view text) {
  std::string clean = SanitizeUtf8(text);
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  return out;
}

}  // namespace

const char* LevelName(Level level) {
  switch (level) {
    case Level::kOk:
      return "ok";
    case Level::kWarning:
      return "warning";
    case Level::kProblem:
      return "problem";
  }
  return "?";
}

Finding Ok(std::string step, std::string title, std::string evidence, nlohmann::json details) {
  return Finding{std::move(step), std::move(title),  Level::kOk, std::move(evidence), "",
                 false,           std::move(details)};
}

Finding Warning(std::string step, std::string title, std::string evidence, std::string fix,
                nlohmann::json details) {
  return Finding{std::move(step),     std::move(title), Level::kWarning,
                 std::move(evidence), std::move(fix),   false,
                 std::move(details)};
}

Finding Problem(std::string step, std::string title, std::string evidence, std::string fix,
                nlohmann::json details) {
  return Finding{std::move(step),     std::move(title), Level::kProblem,
                 std::move(evidence), std::move(fix),   false,
                 std::move(details)};
}

Finding TempError(std::string step, std::string title, std::string_view what,
                  std::string_view error) {
  std::string evidence = "temperror: could not look up " + std::string(what);
  if (!error.empty()) evidence += " (" + std::string(error) + ")";
  return Finding{std::move(step),
                 std::move(title),
                 Level::kProblem,
                 std::move(evidence),
                 "the DNS lookup failed temporarily, so nothing is known to be wrong yet; run "
                 "the check again later, and if it keeps failing make sure the domain's name "
                 "servers answer",
                 true,
                 nullptr};
}

Level Worst(const std::vector<Finding>& findings) {
  Level worst = Level::kOk;
  for (const Finding& f : findings) {
    if (static_cast<int>(f.level) > static_cast<int>(worst)) worst = f.level;
  }
  return worst;
}

void Report::Append(std::vector<Finding> more) {
  for (Finding& f : more) findings.push_back(std::move(f));
}

int Report::ExitStatus() const {
  bool any = false;
  bool all_temporary = true;
  for (const Finding& f : findings) {
    if (f.level != Level::kProblem) continue;
    any = true;
    if (!f.temporary) all_temporary = false;
  }
  if (!any) return kExitReportOk;
  return all_temporary ? kExitReportTemporary : kExitReportProblem;
}

std::string FindingLine(const Finding& f) {
  std::string level = LevelName(f.level);
  level.resize(7, ' ');
  std::string line = level + "  " + OneLine(f.step) + ": " + OneLine(f.evidence);
  if (!f.fix.empty()) line += " \xE2\x80\x94 fix: " + OneLine(f.fix);  // U+2014 em dash
  return line;
}

std::string Report::ToText() const {
  std::string out;
  for (const Finding& f : findings) out += FindingLine(f) + "\n";
  return out;
}

nlohmann::json FindingJson(const Finding& f) {
  nlohmann::json j = {
      {"step", SanitizeUtf8(f.step)},
      {"title", SanitizeUtf8(f.title)},
      {"level", LevelName(f.level)},
      {"evidence", SanitizeUtf8(f.evidence)},
      {"fix", f.fix.empty() ? nlohmann::json(nullptr) : nlohmann::json(SanitizeUtf8(f.fix))},
      {"temporary", f.temporary},
  };
  if (!f.details.is_null()) j["details"] = f.details;
  return j;
}

nlohmann::json Report::ToJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Finding& f : findings) list.push_back(FindingJson(f));
  return {{"subject", SanitizeUtf8(subject)},
          {"status", LevelName(worst())},
          {"exit_status", ExitStatus()},
          {"findings", std::move(list)}};
}

}  // namespace postdesk::channel
