// The allowlist and blocklist, with the Zendesk semantics: each list is one
// text field of space-separated entries, an entry being an address
// ("bob@example.com"), a domain ("example.com", which also covers its
// subdomains) or, in the blocklist only, "*" (everyone not allowlisted).
// Blocklist entries may carry a keyword: "suspend:" (suspend, the default)
// or "reject:" (refuse at SMTP time, nothing kept).
//
// Decision for a sender: the most specific matching entry wins (an address
// beats its exact domain, which beats a parent domain, which beats "*"); on
// a tie the allowlist beats reject, which beats suspend. So "allowlist:
// gmail.com, blocklist: * reject:spammer@gmail.com" accepts gmail.com,
// rejects spammer@gmail.com and suspends everyone else as not_on_whitelist.
//
// Input is untrusted (API bodies): Parse validates every entry and names the
// first bad one. Thread-safety: EmailLists is immutable after Parse;
// EmailListsHolder may be read and replaced from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace postdesk::intake {

// The settings key the lists are stored under, as {"allowlist": "...", "blocklist": "..."}.
inline constexpr std::string_view kEmailListsSetting = "email_lists";
// As Zendesk's fields: at most this many characters per list.
inline constexpr size_t kEmailListMaxChars = 10000;

enum class ListAction {
  kNone,            // no entry matched: ordinary mail
  kAllow,           // allowlisted: skips the blocklist and the spam filter
  kSuspend,         // blocklisted: suspended (cause blocklisted)
  kReject,          // blocklisted with reject:: refused at SMTP, nothing kept
  kNotOnAllowlist,  // "*" in the blocklist and not allowlisted
};

struct ListVerdict {
  ListAction action = ListAction::kNone;
  std::string
      entry;  // the entry that decided it, as written in its list (e.g. "reject:spam.example")
  std::string list;  // "allowlist" | "blocklist" | ""
};

class EmailLists {
 public:
  EmailLists() = default;

  // Parses both fields. Invalid names the field and the offending entry:
  // `blocklist: "@example.com" is not an address or a domain`.
  static Result<EmailLists> Parse(std::string_view allowlist, std::string_view blocklist);
  // From the stored setting (JSON); an empty string is two empty lists.
  static Result<EmailLists> FromJson(std::string_view json);
  std::string ToJson() const;

  ListVerdict Check(std::string_view sender_email) const;

  // The lists in canonical form: entries lower-cased, one space apart.
  const std::string& allowlist() const { return allowlist_text_; }
  const std::string& blocklist() const { return blocklist_text_; }
  bool empty() const { return allow_.empty() && block_.empty(); }

 private:
  enum class Kind { kAllow, kSuspend, kReject };
  struct Entry {
    Kind kind;
    std::string value;  // address, domain or "*"
    std::string written;
  };

  std::vector<Entry> allow_;
  std::vector<Entry> block_;
  std::string allowlist_text_;
  std::string blocklist_text_;
};

// The lists the pipeline reads, replaced when the API changes them.
class EmailListsHolder {
 public:
  EmailListsHolder() : lists_(std::make_shared<const EmailLists>()) {}
  std::shared_ptr<const EmailLists> Get() const {
    std::lock_guard lock(mu_);
    return lists_;
  }
  void Set(EmailLists lists) {
    auto next = std::make_shared<const EmailLists>(std::move(lists));
    std::lock_guard lock(mu_);
    lists_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const EmailLists> lists_;
};

}  // namespace postdesk::intake
