#include "auth/canon.h"

namespace postdesk::auth {
namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Appends `line` (without its CRLF) to `out` in relaxed body form: runs of
// whitespace become one space, trailing whitespace goes.
void AppendRelaxedLine(std::string_view line, std::string* out) {
  bool pending_space = false;
  for (char c : line) {
    if (IsWsp(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space) out->push_back(' ');
    pending_space = false;
    out->push_back(c);
  }
}

}  // namespace

std::string_view HeaderField::Value() const {
  std::string_view v = raw;
  size_t colon = v.find(':');
  if (colon == std::string_view::npos) return {};
  v.remove_prefix(colon + 1);
  if (v.size() >= 2 && v.substr(v.size() - 2) == "\r\n") v.remove_suffix(2);
  return v;
}

std::string NormalizeLineEnds(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + raw.size() / 32);
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\n' && (i == 0 || raw[i - 1] != '\r')) out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

ParsedMessage ParseMessage(std::string_view raw) {
  ParsedMessage msg;
  std::string text = NormalizeLineEnds(raw);
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t eol = rest.find("\r\n");
    std::string_view line = eol == std::string_view::npos ? rest : rest.substr(0, eol);
    size_t consumed = eol == std::string_view::npos ? rest.size() : eol + 2;
    if (line.empty()) {  // the blank line: the body follows
      msg.has_body_separator = true;
      rest.remove_prefix(consumed);
      msg.body.assign(rest);
      return msg;
    }
    std::string with_crlf(line);
    with_crlf += "\r\n";
    if (IsWsp(line[0]) && !msg.headers.empty()) {
      msg.headers.back().raw += with_crlf;  // continuation of a folded field
    } else {
      HeaderField field;
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view name = line.substr(0, colon);
        while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);
        field.name.assign(name);
      }
      field.raw = std::move(with_crlf);
      msg.headers.push_back(std::move(field));
    }
    rest.remove_prefix(consumed);
  }
  return msg;
}

std::string CanonicalizeHeader(Canon canon, std::string_view raw_field) {
  if (canon == Canon::kSimple) {
    std::string out(raw_field);
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
  }
  std::string out;
  out.reserve(raw_field.size());
  size_t colon = raw_field.find(':');
  std::string_view name = raw_field.substr(0, colon);
  std::string_view value =
      colon == std::string_view::npos ? std::string_view() : raw_field.substr(colon + 1);
  while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);
  for (char c : name) out.push_back(AsciiLower(c));
  out.push_back(':');
  // Unfold (drop CR and LF), collapse whitespace, strip it at both ends.
  bool pending_space = false;
  bool seen_text = false;
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;
    if (IsWsp(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && seen_text) out.push_back(' ');
    pending_space = false;
    seen_text = true;
    out.push_back(c);
  }
  out += "\r\n";
  return out;
}

std::string CanonicalizeBody(Canon canon, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 2);
  // Walk the lines; a final line without CRLF still counts as a line.
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find("\r\n", pos);
    std::string_view line =
        eol == std::string_view::npos ? body.substr(pos) : body.substr(pos, eol - pos);
    if (canon == Canon::kSimple) {
      out.append(line);
    } else {
      AppendRelaxedLine(line, &out);
    }
    out += "\r\n";
    pos = eol == std::string_view::npos ? body.size() : eol + 2;
  }
  // Both algorithms ignore empty lines at the end of the body.
  while (out.size() >= 4 && out.compare(out.size() - 4, 4, "\r\n\r\n") == 0)
    out.resize(out.size() - 2);
  if (out == "\r\n") out.clear();
  // "simple" turns an empty body into a single CRLF; "relaxed" leaves it empty.
  if (canon == Canon::kSimple && out.empty()) out = "\r\n";
  return out;
}

bool ParseCanon(std::string_view text, Canon* out) {
  if (text == "simple") {
    *out = Canon::kSimple;
    return true;
  }
  if (text == "relaxed") {
    *out = Canon::kRelaxed;
    return true;
  }
  return false;
}

const char* CanonName(Canon canon) { return canon == Canon::kSimple ? "simple" : "relaxed"; }

}  // namespace postdesk::auth
