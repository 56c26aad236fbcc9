#include "intake/email_lists.h"

#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace postdesk::intake {
namespace {

bool IsDomainChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c >= 0x80;
}

// A domain name: dot-separated labels of letters, digits and hyphens (or
// UTF-8 for internationalised names), at least two labels -- a bare
// top-level domain would match half the internet.
bool IsDomain(std::string_view d) {
  if (d.empty() || d.size() > 253 || d.find('.') == std::string_view::npos) return false;
  for (const auto& label : Split(d, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (unsigned char c : label) {
      if (!IsDomainChar(c)) return false;
    }
  }
  return true;
}

bool IsAddress(std::string_view a) {
  size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  for (unsigned char c : a.substr(0, at)) {
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
        c == '(' || c == ')' || c == '\\' || c == '[' || c == ']') {
      return false;
    }
  }
  return IsDomain(a.substr(at + 1));
}

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                               text[i] == '\n' || text[i] == ',')) {
      ++i;
    }
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\r' &&
           text[i] != '\n' && text[i] != ',') {
      ++i;
    }
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

}  // namespace

Result<EmailLists> EmailLists::Parse(std::string_view allowlist, std::string_view blocklist) {
  EmailLists lists;
  struct Field {
    std::string_view name;
    std::string_view text;
    bool block;
  };
  for (const Field& f :
       {Field{"allowlist", allowlist, false}, Field{"blocklist", blocklist, true}}) {
    if (f.text.size() > kEmailListMaxChars) {
      return Status::Invalid(std::string(f.name) + ": longer than " +
                             std::to_string(kEmailListMaxChars) + " characters");
    }
    if (!IsValidUtf8(f.text)) return Status::Invalid(std::string(f.name) + ": not valid UTF-8");
    std::string canonical;
    for (std::string_view word : Words(f.text)) {
      std::string written = ToLower(word);
      Entry e{Kind::kAllow, written, written};
      std::string_view value = written;
      if (f.block) {
        e.kind = Kind::kSuspend;
        if (IStartsWith(value, "reject:")) {
          e.kind = Kind::kReject;
          value.remove_prefix(7);
        } else if (IStartsWith(value, "suspend:")) {
          value.remove_prefix(8);
        }
      }
      auto bad = [&](std::string_view why) {
        return Status::Invalid(std::string(f.name) + ": \"" + SanitizeUtf8(word) + "\" " +
                               std::string(why));
      };
      if (value.empty()) return bad("has a keyword but no address or domain after it");
      if (value == "*") {
        if (!f.block) return bad("is not allowed: \"*\" belongs in the blocklist");
        if (e.kind != Kind::kSuspend || written != "*") {
          return bad("is not allowed: \"*\" takes no keyword");
        }
      } else if (value.front() == '@') {
        return bad("is not an address or a domain (write a domain without \"@\")");
      } else if (value.find(':') != std::string_view::npos) {
        return bad(f.block ? "has an unknown keyword (only suspend: and reject:)"
                           : "has a keyword: allowlist entries take none");
      } else if (value.find('@') != std::string_view::npos ? !IsAddress(value) : !IsDomain(value)) {
        return bad("is not an address or a domain");
      }
      e.value = std::string(value);
      (f.block ? lists.block_ : lists.allow_).push_back(e);
      if (!canonical.empty()) canonical += ' ';
      canonical += written;
    }
    (f.block ? lists.blocklist_text_ : lists.allowlist_text_) = std::move(canonical);
  }
  return lists;
}

Result<EmailLists> EmailLists::FromJson(std::string_view text) {
  if (Trim(text).empty()) return EmailLists();
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("email lists: not a JSON object");
  auto field = [&](const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  return Parse(field("allowlist"), field("blocklist"));
}

std::string EmailLists::ToJson() const {
  return nlohmann::json{{"allowlist", allowlist_text_}, {"blocklist", blocklist_text_}}.dump();
}

ListVerdict EmailLists::Check(std::string_view sender_email) const {
  ListVerdict v;
  std::string sender = NormalizeEmail(sender_email);
  std::string_view domain = EmailDomain(sender);
  // 3: the address, 2: its exact domain, 1: a parent domain, 0: "*", -1: no match.
  auto specificity = [&](const Entry& e) -> int {
    if (e.value == "*") return 0;
    if (e.value.find('@') != std::string::npos) return e.value == sender ? 3 : -1;
    if (domain == e.value) return 2;
    if (domain.size() > e.value.size() && domain.ends_with(e.value) &&
        domain[domain.size() - e.value.size() - 1] == '.') {
      return 1;
    }
    return -1;
  };
  // Rank on a tie: allow 2, reject 1, suspend 0.
  auto rank = [](Kind k) { return k == Kind::kAllow ? 2 : k == Kind::kReject ? 1 : 0; };
  const Entry* best = nullptr;
  int best_spec = -1;
  bool best_allow = false;
  for (const auto* list : {&allow_, &block_}) {
    for (const auto& e : *list) {
      int s = specificity(e);
      if (s < 0) continue;
      if (!best || s > best_spec || (s == best_spec && rank(e.kind) > rank(best->kind))) {
        best = &e;
        best_spec = s;
        best_allow = list == &allow_;
      }
    }
  }
  if (!best) return v;
  v.entry = best->written;
  v.list = best_allow ? "allowlist" : "blocklist";
  if (best->kind == Kind::kAllow) {
    v.action = ListAction::kAllow;
  } else if (best->value == "*") {
    v.action = ListAction::kNotOnAllowlist;
  } else {
    v.action = best->kind == Kind::kReject ? ListAction::kReject : ListAction::kSuspend;
  }
  return v;
}

}  // namespace postdesk::intake
