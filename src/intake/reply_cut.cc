#include "intake/reply_cut.h"

#include <array>
#include <vector>

#include "common/strings.h"

namespace postdesk::intake {
namespace {

constexpr std::string_view kDelimiter = "##- Please type your reply above this line -##";

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "On Tue, 3 Mar 2026 at 10:00, Alice <a@b> wrote:" and its siblings; the
// attribution may be wrapped over two lines by the client.
bool IsAttribution(std::string_view line, std::string_view next) {
  line = Trim(line);
  static constexpr std::array<std::string_view, 10> kEndings = {
      "wrote:", "a écrit :", "a écrit:", "schrieb:", "escribió:", "scrisse:", "schreef:",
      "のメッセージ:", "写道：", "написал(а):"};
  auto ends_attr = [&](std::string_view l) {
    for (auto e : kEndings) {
      if (EndsWith(l, e)) return true;
    }
    return false;
  };
  if (ends_attr(line) && line.size() < 300) return true;
  std::string_view joined_next = Trim(next);
  if ((IStartsWith(line, "On ") || IStartsWith(line, "Le ") || IStartsWith(line, "Am ")) &&
      ends_attr(joined_next) && line.size() + joined_next.size() < 300) {
    return true;
  }
  // Japanese clients: "2026年11月27日(金) 10:00 Alice <a@b>:"
  if (line.find("年") != std::string_view::npos && line.find("日") != std::string_view::npos &&
      EndsWith(line, ":") && line.find('@') != std::string_view::npos) {
    return true;
  }
  return false;
}

bool IsOutlookHeaderBlock(const std::vector<std::string_view>& lines, size_t i) {
  std::string_view line = Trim(lines[i]);
  if (line.find("-----Original Message-----") != std::string_view::npos ||
      line.find("-----Ursprüngliche Nachricht-----") != std::string_view::npos ||
      line.find("-----元のメッセージ-----") != std::string_view::npos) {
    return true;
  }
  if (!(IStartsWith(line, "From:") || IStartsWith(line, "差出人:") || IStartsWith(line, "Von:"))) {
    return false;
  }
  for (size_t k = i + 1; k < lines.size() && k <= i + 4; ++k) {
    std::string_view l = Trim(lines[k]);
    if (IStartsWith(l, "Sent:") || IStartsWith(l, "Date:") || IStartsWith(l, "送信日時:") ||
        IStartsWith(l, "Gesendet:")) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string CutQuotedReply(std::string_view text) {
  std::vector<std::string_view> lines = Lines(text);
  size_t cut = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view next = i + 1 < lines.size() ? lines[i + 1] : std::string_view();
    std::string_view unquoted = lines[i];
    while (!unquoted.empty() && (unquoted.front() == '>' || unquoted.front() == ' ')) {
      unquoted.remove_prefix(1);
    }
    if (unquoted.find(kDelimiter) != std::string_view::npos) {
      cut = i;
      // The client's attribution line just above the quoted delimiter goes too.
      while (cut > 0) {
        std::string_view prev = Trim(lines[cut - 1]);
        if (prev.empty() || prev.front() == '>' || IsAttribution(prev, "")) {
          --cut;
        } else {
          break;
        }
      }
      break;
    }
    if (IsAttribution(lines[i], next) || IsOutlookHeaderBlock(lines, i)) {
      cut = i;
      break;
    }
  }
  // Trailing quoted lines (bottom-quoting without attribution).
  while (cut > 0) {
    std::string_view l = Trim(lines[cut - 1]);
    if (l.empty() || l.front() == '>') {
      --cut;
    } else {
      break;
    }
  }
  std::string out;
  for (size_t i = 0; i < cut; ++i) {
    out.append(lines[i]);
    if (i + 1 < cut) out += '\n';
  }
  std::string_view trimmed = Trim(out);
  if (trimmed.empty()) return std::string(text);
  return std::string(trimmed);
}

}  // namespace postdesk::intake
