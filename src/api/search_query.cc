#include "api/search_query.h"

#include <algorithm>
#include <array>
#include <vector>

#include "common/strings.h"

namespace postdesk::api {

namespace {

constexpr size_t kMaxQueryBytes = 1024;
constexpr size_t kMaxTerms = 64;
constexpr std::array<std::string_view, 6> kStatusOrder = {"new",     "open",   "pending",
                                                          "hold",    "solved", "closed"};

// Splits on spaces, keeping "quoted phrases" (quotes removed) together; a
// quote may also follow a field, as in tags:"vip".
std::vector<std::string> Terms(std::string_view q) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : q) {
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::optional<size_t> StatusRank(std::string_view s) {
  for (size_t i = 0; i < kStatusOrder.size(); ++i) {
    if (kStatusOrder[i] == s) return i;
  }
  return std::nullopt;
}

}  // namespace

Result<SearchQuery> ParseSearchQuery(std::string_view query) {
  if (query.size() > kMaxQueryBytes) {
    return Status::Invalid("the query is longer than " + std::to_string(kMaxQueryBytes) + " bytes");
  }
  SearchQuery out;
  std::vector<std::string> terms = Terms(query);
  if (terms.size() > kMaxTerms) {
    return Status::Invalid("the query has more than " + std::to_string(kMaxTerms) + " terms");
  }
  for (const std::string& term : terms) {
    // field:value, field<value, field>=value ... (a colon inside a phrase
    // after a space is not a field: "re: refund" was split already).
    size_t op = term.find_first_of(":<>");
    std::string field = op == std::string::npos ? "" : ToLower(term.substr(0, op));
    bool known_field = field == "type" || field == "status" || field == "requester" ||
                       field == "assignee" || field == "tags" || field == "tag";
    if (!known_field) {
      out.tickets.words.push_back(term);
      continue;
    }
    std::string oper(1, term[op]);
    size_t value_at = op + 1;
    if (value_at < term.size() && term[value_at] == '=' && oper != ":") {
      oper += '=';
      ++value_at;
    }
    std::string value = term.substr(value_at);
    if (value.empty()) return Status::Invalid("'" + term + "' has no value after " + oper);
    if (oper != ":" && field != "status") {
      return Status::Invalid("'" + term + "': only status can be compared with < or >");
    }
    if (field == "type") {
      if (ToLower(value) != "ticket") out.matches_nothing = true;
    } else if (field == "status") {
      auto rank = StatusRank(ToLower(value));
      if (!rank) {
        return Status::Invalid("'" + term +
                               "': status is one of new, open, pending, hold, solved, closed");
      }
      std::vector<std::string> allowed;
      for (size_t i = 0; i < kStatusOrder.size(); ++i) {
        bool keep = (oper == ":" && i == *rank) || (oper == "<" && i < *rank) ||
                    (oper == "<=" && i <= *rank) || (oper == ">" && i > *rank) ||
                    (oper == ">=" && i >= *rank);
        if (keep) allowed.emplace_back(kStatusOrder[i]);
      }
      auto& have = out.tickets.statuses;
      if (allowed.empty()) {
        out.matches_nothing = true;  // status<new: no status is below new
      } else if (have.empty()) {
        have = std::move(allowed);
      } else {  // two status terms: both must hold
        std::erase_if(have, [&](const std::string& s) {
          return std::find(allowed.begin(), allowed.end(), s) == allowed.end();
        });
        if (have.empty()) out.matches_nothing = true;
      }
    } else if (field == "requester") {
      out.requester_email = NormalizeEmail(value);
    } else if (field == "assignee") {
      std::string v = ToLower(value);
      if (v == "me") {
        out.assignee_me = true;
      } else if (v == "none") {
        out.tickets.assignee = store::TicketQuery::Assignee::kNobody;
      } else {
        out.assignee_email = NormalizeEmail(value);
      }
    } else {  // tags, tag
      out.tickets.tags.push_back(ToLower(value));
    }
  }
  return out;
}

}  // namespace postdesk::api
