#include "api/suspended_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <vector>

#include "api/present.h"
#include "common/base64.h"
#include "common/clock.h"
#include "common/strings.h"
#include "intake/pipeline.h"
#include "mime/message.h"
#include "spam/filter.h"

namespace postdesk::api {

using nlohmann::json;

namespace {

constexpr std::string_view kPath = "/api/v2/suspended_tickets";
constexpr int64_t kMaxPageSize = 100;
constexpr int64_t kMaxIds = 100;            // as the Zendesk API limits *_many
constexpr int64_t kMaxOffsetRows = 10'000;  // offset pages beyond this: use cursors
constexpr size_t kMaxCursorBytes = 4096;
constexpr int64_t kSkipStep = 500;

// Zendesk's suspension causes (its cause ids and names), described for people.
constexpr CauseInfo kCauses[] = {
    {0, "spam", "Detected as spam"},
    {1, "not_on_whitelist", "The sender is not on the allowlist"},
    {2, "unverified", "Submitted by an unverified user"},
    {3, "auto_mailer", "Automated mail (auto-submitted, bulk or list mail)"},
    {4, "loop", "A mail loop, or too many messages from one sender"},
    {5, "unknown_user_update", "Someone who is not a user tried to update a ticket"},
    {6, "other_user_update", "An end user tried to update someone else's ticket"},
    {7, "auto_delivery_failure", "An automated delivery-failure report"},
    {8, "auto_vacation", "An out-of-office or vacation reply"},
    {9, "system_user", "From a system address (mailer-daemon, postmaster)"},
    {10, "unknown_author", "The sender is unknown"},
    {11, "blank", "The email has no text and no attachments"},
    {12, "signup_required", "The sender must sign up first"},
    {13, "blocklisted", "The sender or their domain is on the blocklist"},
    {14, "backscatter", "A delivery report about mail we never sent"},
    {15, "disabled", "Email intake is disabled"},
    {16, "to_noreply", "Sent to a no-reply address"},
    {17, "server_lock", "Received through an unknown mail server"},
    {18, "unserviceable_account", "The account does not process email"},
    {19, "unprocessable_email", "The email could not be processed (no usable sender)"},
    {20, "unauthenticated_email_update", "An unauthenticated email tried to update a ticket"},
    {21, "registered_user_logged_out", "Submitted by a registered user while signed out"},
    {22, "from_support_address", "From one of our own support addresses"},
    {23, "from_zendesk_account", "From another help desk account"},
    {24, "content_processor_timed_out", "Processing the email took too long"},
    {25, "malware_detected", "Malware detected"},
    {26, "failed_email_authentication", "Sender authentication (SPF, DKIM, DMARC) failed"},
    {27, "from_noreply", "From a no-reply address"},
    {28, "account_owner_email_unverified", "Submitted by an unverified account owner"},
    {29, "malicious_pattern_detected", "A content pattern known to be malicious"},
};

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

std::string Str(int64_t v) { return std::to_string(v); }

std::string Clip(std::string_view s, size_t max = 60) {
  std::string out = SanitizeUtf8(s.substr(0, std::min(s.size(), max)));
  if (s.size() > max) out += "...";
  return out;
}

http::Response BadParam(std::string_view code, std::string description) {
  return http::ErrorResponse(400, code, description);
}

json ParseJsonOr(std::string_view text, json fallback) {
  if (text.empty()) return fallback;
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? fallback : parsed;
}

// ---- listing: parameters, cursors ----

struct ListParams {
  store::SuspendedQuery query;  // sort, filter (cursor fields set later)
  std::string cause_param;      // as given, for links
  bool offset_mode = false;
  int64_t size = kMaxPageSize;  // cursor page size
  Page page;                    // offset mode
  std::string after, before;    // raw cursors
};

const std::vector<std::string_view>& SortColumns() {
  static const std::vector<std::string_view> v = {"author_email", "cause", "created_at", "subject"};
  return v;
}

std::string SortValue(const store::SuspendedTicket& s, const std::string& sort_by) {
  if (sort_by == "author_email") return s.author_email;
  if (sort_by == "cause") return s.cause;
  if (sort_by == "subject") return s.subject;
  return Str(s.created_at);
}

std::string Base64Url(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return std::nullopt;
    }
  }
  return Base64Decode(s);
}

// A cursor names a row by its sort value and id, and the listing it belongs to.
std::string MakeCursor(const store::SuspendedQuery& q, const store::SuspendedTicket& row) {
  json c = {{"s", q.sort_by},
            {"o", q.ascending ? "asc" : "desc"},
            {"c", q.cause_id ? json(*q.cause_id) : json(nullptr)},
            {"a", q.author_email},
            {"v", SortValue(row, q.sort_by)},
            {"i", row.id}};
  return Base64Url(http::DumpJson(c));
}

// Reads a cursor made by MakeCursor for the same listing; error text otherwise.
std::optional<std::string> ReadCursor(std::string_view name, std::string_view cursor,
                                      const store::SuspendedQuery& q, std::string& value,
                                      int64_t& id) {
  const std::string bad = std::string(name) +
                          " is not a cursor this API gave out (take it from "
                          "meta.after_cursor / meta.before_cursor)";
  if (cursor.empty() || cursor.size() > kMaxCursorBytes) return bad;
  auto decoded = FromBase64Url(cursor);
  if (!decoded) return bad;
  json c = json::parse(*decoded, nullptr, false);
  if (!c.is_object() || !c.contains("s") || !c["s"].is_string() || !c.contains("o") ||
      !c["o"].is_string() || !c.contains("v") || !c["v"].is_string() || !c.contains("i") ||
      !c["i"].is_number_integer() || !c.contains("a") || !c["a"].is_string() || !c.contains("c")) {
    return bad;
  }
  json cause = q.cause_id ? json(*q.cause_id) : json(nullptr);
  if (c["s"] != q.sort_by || c["o"] != (q.ascending ? "asc" : "desc") || c["c"] != cause ||
      c["a"] != q.author_email) {
    return std::string(name) +
           " was made for a different sort_by, sort_order or filter: keep those parameters "
           "unchanged while paging, or start again without a cursor";
  }
  value = c["v"].get<std::string>();
  id = c["i"].get<int64_t>();
  if (q.sort_by == "created_at" && !ParseId(value)) return bad;
  return std::nullopt;
}

std::optional<http::Response> ParseListParams(const http::Request& req, ListParams& p) {
  auto& q = p.query;
  std::string_view sort_by = req.Query("sort_by");
  if (!sort_by.empty()) {
    if (std::find(SortColumns().begin(), SortColumns().end(), sort_by) == SortColumns().end()) {
      return BadParam("InvalidValue",
                      "sort_by must be one of author_email, cause, created_at, "
                      "subject; not '" +
                          Clip(sort_by) + "'");
    }
    q.sort_by = std::string(sort_by);
  } else {
    q.sort_by = "created_at";
  }
  // Newest first by default; text columns alphabetically.
  q.ascending = q.sort_by != "created_at";
  std::string_view order = req.Query("sort_order");
  if (order == "asc") {
    q.ascending = true;
  } else if (order == "desc") {
    q.ascending = false;
  } else if (!order.empty()) {
    return BadParam("InvalidValue", "sort_order must be asc or desc; not '" + Clip(order) + "'");
  }
  if (std::string_view cause = req.Query("cause"); !cause.empty()) {
    auto info = FindCause(cause);
    if (!info) {
      return BadParam("InvalidValue",
                      "cause must be a suspension cause name (e.g. spam, loop, auto_vacation) "
                      "or its id from 0 to 29; not '" +
                          Clip(cause) + "'");
    }
    q.cause_id = info->id;
    p.cause_param = std::string(info->name);
  }
  if (std::string_view author = req.Query("author_email"); !author.empty()) {
    std::string e = NormalizeEmail(author);
    if (e.find('@') == std::string::npos || e.size() > 320) {
      return BadParam("InvalidValue",
                      "author_email must be an email address; not '" + Clip(author) + "'");
    }
    q.author_email = e;
  }

  std::string_view size = req.Query("page[size]");
  p.after = std::string(req.Query("page[after]"));
  p.before = std::string(req.Query("page[before]"));
  bool cursor_params = !size.empty() || !p.after.empty() || !p.before.empty();
  bool offset_params = !req.Query("page").empty() || !req.Query("per_page").empty();
  if (cursor_params && offset_params) {
    return BadParam("InvalidPaginationParameter",
                    "use either cursor pagination (page[size], page[after], page[before]) or "
                    "offset pagination (page, per_page), not both");
  }
  if (!p.after.empty() && !p.before.empty()) {
    return BadParam("InvalidPaginationParameter", "give page[after] or page[before], not both");
  }
  if (!size.empty()) {
    int64_t v = ParseId(size).value_or(0);
    if (v < 1 || v > kMaxPageSize) {
      return BadParam("InvalidPaginationParameter",
                      "page[size] must be a whole number from 1 to 100; not '" + Clip(size) + "'");
    }
    p.size = v;
  }
  if (offset_params) {
    p.offset_mode = true;
    if (auto bad = ParsePage(req, p.page)) return bad;
    if (p.page.offset() + p.page.per_page > kMaxOffsetRows) {
      return BadParam("InvalidPaginationParameter",
                      "offset pagination reaches only the first 10000 suspended tickets; use "
                      "cursor pagination (page[size] and page[after]) to go further");
    }
  }
  return std::nullopt;
}

// The listing's URL with its sort and filter, plus `extra` parameters.
std::string ListUrl(std::string_view base, const ListParams& p, std::string_view extra) {
  std::string url = std::string(base) + std::string(kPath) + ".json?sort_by=" + p.query.sort_by +
                    "&sort_order=" + (p.query.ascending ? "asc" : "desc");
  if (!p.cause_param.empty()) url += "&cause=" + p.cause_param;
  if (!p.query.author_email.empty())
    url += "&author_email=" + http::UrlEncode(p.query.author_email);
  url += "&";
  url += extra;
  return url;
}

// Users by email, looked up once per request (the author's id when they are a user).
class AuthorIds {
 public:
  explicit AuthorIds(store::Tx& tx) : tx_(tx) {}
  Result<std::optional<int64_t>> Get(const std::string& email) {
    if (email.empty()) return std::optional<int64_t>();
    if (auto it = ids_.find(email); it != ids_.end()) return it->second;
    auto u = tx_.FindUserByEmail(email);
    std::optional<int64_t> id;
    if (u.ok()) {
      id = u->id;
    } else if (u.status().kind() != ErrorKind::kNotFound) {
      return u.status();
    }
    ids_[email] = id;
    return id;
  }

 private:
  store::Tx& tx_;
  std::unordered_map<std::string, std::optional<int64_t>> ids_;
};

Status AppendItems(store::Tx& tx, const std::vector<store::SuspendedTicket>& rows,
                   std::string_view base, json& items) {
  AuthorIds authors(tx);
  for (const auto& s : rows) {
    auto id = authors.Get(s.author_email);
    if (!id.ok()) return id.status();
    items.push_back(SuspendedJson(s, base, *id));
  }
  return Status::Ok();
}

http::Response List(store::Store& store, const http::Request& req, const std::string& fallback) {
  ListParams p;
  if (auto bad = ParseListParams(req, p)) return std::move(*bad);
  std::string base = BaseUrl(req, fallback);
  bool backward = !p.before.empty();
  std::string cursor = backward ? p.before : p.after;
  store::SuspendedQuery q = p.query;
  if (!cursor.empty()) {
    std::string value;
    int64_t id = 0;
    auto bad = ReadCursor(backward ? "page[before]" : "page[after]", cursor, p.query, value, id);
    if (bad) return BadParam("InvalidPaginationParameter", *bad);
    q.after_value = value;
    q.after_id = id;
  }
  // Paging backward is paging forward in the opposite order, then reversing.
  if (backward) q.ascending = !q.ascending;
  q.limit = (p.offset_mode ? p.page.per_page : p.size) + 1;

  json out;
  Status s = store.Read([&](store::Tx& tx) -> Status {
    // Offset pages skip their offset in keyset steps (a query returns at most
    // kSkipStep rows), so the skipped rows are never all in memory at once.
    bool exhausted = false;
    for (int64_t skip = p.offset_mode ? p.page.offset() : 0; skip > 0 && !exhausted;) {
      store::SuspendedQuery step = q;
      step.limit = std::min(skip, kSkipStep);
      auto rows = tx.QuerySuspended(step);
      if (!rows.ok()) return rows.status();
      if (rows->empty()) break;
      skip -= static_cast<int64_t>(rows->size());
      exhausted = static_cast<int64_t>(rows->size()) < step.limit;
      q.after_value = SortValue(rows->back(), q.sort_by);
      q.after_id = rows->back().id;
    }
    std::vector<store::SuspendedTicket> page;
    if (!exhausted) {
      auto rows = tx.QuerySuspended(q);
      if (!rows.ok()) return rows.status();
      page = std::move(rows).value();
    }
    bool has_more = false;
    if (p.offset_mode) {
      has_more = static_cast<int64_t>(page.size()) > p.page.per_page;
      if (has_more) page.resize(p.page.per_page);
    } else {
      has_more = static_cast<int64_t>(page.size()) > p.size;
      if (has_more) page.resize(p.size);
      if (backward) std::reverse(page.begin(), page.end());
    }
    json items = json::array();
    if (Status a = AppendItems(tx, page, base, items); !a.ok()) return a;
    out["suspended_tickets"] = std::move(items);

    if (p.offset_mode) {
      auto link = [&](int64_t n) {
        return json(ListUrl(base, p, "page=" + Str(n) + "&per_page=" + Str(p.page.per_page)));
      };
      out["next_page"] = has_more ? link(p.page.page + 1) : json(nullptr);
      out["previous_page"] = p.page.page > 1 ? link(p.page.page - 1) : json(nullptr);
    } else {
      json after = page.empty() ? json(nullptr) : json(MakeCursor(p.query, page.back()));
      json before = page.empty() ? json(nullptr) : json(MakeCursor(p.query, page.front()));
      // Going forward, more rows lie after; going backward, before. The other
      // direction has rows whenever we came from a cursor.
      bool more_after = backward ? !page.empty() : has_more;
      bool more_before = backward ? has_more : (!cursor.empty() && !page.empty());
      std::string size = "page%5Bsize%5D=" + Str(p.size);
      out["meta"] = {{"has_more", has_more}, {"after_cursor", after}, {"before_cursor", before}};
      out["links"] = {
          {"next", more_after ? json(ListUrl(base, p,
                                             size + "&page%5Bafter%5D=" + after.get<std::string>()))
                              : json(nullptr)},
          {"prev",
           more_before
               ? json(ListUrl(base, p, size + "&page%5Bbefore%5D=" + before.get<std::string>()))
               : json(nullptr)}};
    }
    // The total is cheap only for the whole queue.
    if (!p.query.cause_id && p.query.author_email.empty()) {
      auto count = tx.CountSuspended();
      if (!count.ok()) return count.status();
      out["count"] = *count;
    }
    return Status::Ok();
  });
  if (!s.ok()) return StoreError(s);
  return http::JsonResponse(200, out);
}

// ---- writes ----

struct ClientError {
  int status = 422;
  std::string code = "RecordInvalid";
  std::string description;
};

// Parses "1,2,3": up to 100 distinct ids.
std::optional<http::Response> ParseIds(const http::Request& req, std::vector<int64_t>& ids) {
  std::string_view text = req.Query("ids");
  if (Trim(text).empty()) {
    return BadParam("InvalidValue",
                    "ids is required: a comma-separated list of suspended ticket "
                    "ids, e.g. ?ids=1,2,3");
  }
  for (const std::string& part : Split(text, ',')) {
    std::string_view t = Trim(part);
    auto id = ParseId(t);
    if (!id || *id == 0) {
      return BadParam("InvalidValue", "ids: '" + Clip(t, 40) + "' is not a suspended ticket id");
    }
    if (std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
  }
  if (static_cast<int64_t>(ids.size()) > kMaxIds) {
    return BadParam("InvalidValue", "ids: at most 100 ids per request; got " + Str(ids.size()));
  }
  return std::nullopt;
}

// "spam=true" on a delete: learn the message as spam before deleting it.
std::optional<http::Response> ParseSpamFlag(const http::Request& req, bool& spam) {
  std::string_view v = req.Query("spam");
  if (v.empty() || v == "false" || v == "0") {
    spam = false;
  } else if (v == "true" || v == "1") {
    spam = true;
  } else {
    return BadParam("InvalidValue", "spam must be true or false; not '" + Clip(v) + "'");
  }
  return std::nullopt;
}

// "requester=me" in the query or {"requester": "me"} in a JSON body.
std::optional<http::Response> ParseRequesterMe(const http::Request& req, bool& me) {
  me = false;
  std::string_view q = req.Query("requester");
  if (!q.empty()) {
    if (q != "me") {
      return BadParam("InvalidValue",
                      "requester may only be 'me' (the recovering agent becomes the requester); "
                      "leave it out to keep the original requester");
    }
    me = true;
  }
  if (!Trim(req.body).empty()) {
    http::Response error;
    auto parsed = ParseJsonBody(req, error);
    if (!parsed) return error;
    json body = std::move(*parsed);
    if (body.contains("requester")) {
      if (body["requester"] != "me") {
        return BadParam("InvalidValue", "requester may only be \"me\"");
      }
      me = true;
    }
  }
  return std::nullopt;
}

// Deletes a suspended row and, when nothing else refers to it, its raw message.
Status DeleteSuspendedAndRaw(store::Tx& tx, const store::SuspendedTicket& s) {
  if (Status d = tx.DeleteSuspended(s.id); !d.ok()) return d;
  if (s.raw_message_id == 0) return Status::Ok();
  Status r = tx.DeleteRawMessage(s.raw_message_id);
  // NotFound: already gone; Invalid: a comment (a recovered ticket) still uses it.
  if (r.ok() || r.kind() == ErrorKind::kNotFound || r.kind() == ErrorKind::kInvalid) {
    return Status::Ok();
  }
  return r;
}

// Learns `bytes` as spam or ham. A failure to learn never loses the agent's
// action, except a temporary store error, which fails the whole transaction
// so the client retries.
Result<bool> LearnFrom(spam::Filter* filter, store::Tx& tx, std::string_view bytes, bool spam,
                       int64_t suspended_id) {
  if (!filter || bytes.empty()) return false;
  auto learned = filter->Learn(tx, bytes, spam);
  if (learned.ok()) return *learned;
  if (learned.status().kind() == ErrorKind::kTemporary) return learned.status();
  spdlog::warn("suspended ticket {}: learning it as {} failed: {}", suspended_id,
               spam ? "spam" : "ham", learned.status().message());
  return false;
}

struct DeleteOutcome {
  bool deleted = false;
  bool learned = false;
};

// Deletes one suspended ticket in `tx` (learning spam first when asked).
Result<DeleteOutcome> DeleteOne(store::Tx& tx, spam::Filter* filter, int64_t id, bool as_spam,
                                const http::AuthUser& agent) {
  DeleteOutcome o;
  auto s = tx.GetSuspended(id);
  if (!s.ok()) {
    if (s.status().kind() == ErrorKind::kNotFound) return o;
    return s.status();
  }
  if (as_spam && filter) {
    auto raw = tx.GetRawMessage(s->raw_message_id);
    if (raw.ok()) {
      auto learned = LearnFrom(filter, tx, raw->bytes, true, id);
      if (!learned.ok()) return learned.status();
      o.learned = *learned;
    } else if (raw.status().kind() != ErrorKind::kNotFound) {
      return raw.status();
    }
  }
  if (Status d = DeleteSuspendedAndRaw(tx, *s); !d.ok()) return d;
  store::SystemEvent e;
  e.kind = "suspended_deleted";
  e.subject = s->author_email;
  e.detail_json =
      json{{"suspended_ticket_id", id}, {"cause", s->cause},           {"cause_id", s->cause_id},
           {"subject", s->subject},     {"message_id", s->message_id}, {"as_spam", as_spam},
           {"learned_spam", o.learned}, {"agent_id", agent.id},        {"agent_email", agent.email}}
          .dump();
  e.created_at = Now();
  if (auto added = tx.AddSystemEvent(e); !added.ok()) return added.status();
  o.deleted = true;
  return o;
}

struct RecoverAttempt {
  int64_t id = 0;
  bool not_found = false;
  std::optional<store::SuspendedTicket> suspended;  // for the failure list
  Status store_status;                              // a store failure, if any
  std::string error;                                // a reason the client can act on
  json ticket;                                      // on success
  size_t notifications = 0;
  bool ok() const { return !not_found && store_status.ok() && error.empty(); }
};

RecoverAttempt RecoverOne(store::Store& store, const SuspendedApiOptions& o, int64_t id,
                          const http::AuthUser& agent, bool requester_me, const std::string& base) {
  RecoverAttempt a;
  a.id = id;
  store::RawMessage raw;
  Status s = store.Read([&](store::Tx& tx) -> Status {
    auto found = tx.GetSuspended(id);
    if (!found.ok()) return found.status();
    a.suspended = *found;
    auto r = tx.GetRawMessage(found->raw_message_id);
    if (!r.ok()) return r.status();
    raw = std::move(r).value();
    return Status::Ok();
  });
  if (!s.ok()) {
    if (s.kind() == ErrorKind::kNotFound && !a.suspended) {
      a.not_found = true;
    } else if (s.kind() == ErrorKind::kNotFound) {
      a.error = "its raw message is no longer stored, so it cannot be recovered; delete it instead";
    } else {
      a.store_status = s;
    }
    return a;
  }

  // Parsing is CPU work: outside the write transaction.
  intake::Inbound inbound;
  inbound.bytes = raw.bytes;
  inbound.mail_from = raw.mail_from;
  inbound.recipients = raw.rcpt_to;
  if (inbound.recipients.empty()) inbound.recipients.push_back(a.suspended->recipient);
  inbound.door = intake::Door::kRecovered;
  inbound.client_ip = raw.client_ip;
  intake::Prepared prepared = o.pipeline->Prepare(std::move(inbound));

  ClientError client;
  bool learned = false;
  bool gone = false;
  s = store.Write([&](store::Tx& tx) -> Status {
    auto current = tx.GetSuspended(id);
    if (!current.ok()) {
      gone = current.status().kind() == ErrorKind::kNotFound;  // recovered or deleted meanwhile
      return current.status();
    }
    if (current->raw_message_id != raw.id) {
      client.description = "the suspended ticket changed while it was being recovered; retry";
      return Status::Invalid(client.description);
    }
    intake::RecoverOptions ro;
    ro.agent_id = agent.id;
    if (requester_me) ro.requester_id = agent.id;
    ro.raw_message_id = raw.id;  // the new comment keeps referring to the stored bytes
    auto outcome = o.pipeline->CommitRecovered(tx, prepared, ro);
    if (!outcome.ok()) {
      if (outcome.status().kind() == ErrorKind::kInvalid) {
        client.description = "it could not be recovered: " + outcome.status().message();
      }
      return outcome.status();
    }
    if (outcome->kind != intake::OutcomeKind::kTicket && outcome->kind != intake::OutcomeKind::kComment) {
      client.description = "recovering it did not make a ticket or a comment (the pipeline said " +
                           std::string(intake::OutcomeKindName(outcome->kind)) + (outcome->cause.empty() ? "" : ": " + outcome->cause) +
                           ")";
      return Status::Invalid(client.description);
    }
    int64_t ticket_id = outcome->ticket_id;
    if (ticket_id == 0 && outcome->comment_id != 0) {
      auto c = tx.GetComment(outcome->comment_id);
      if (!c.ok()) return c.status();
      ticket_id = c->ticket_id;
    }
    if (Status d = DeleteSuspendedAndRaw(tx, *current); !d.ok()) return d;
    auto l = LearnFrom(o.filter, tx, raw.bytes, /*spam=*/false, id);
    if (!l.ok()) return l.status();
    learned = *l;

    store::SystemEvent e;
    e.kind = "suspended_recovered";
    e.subject = current->author_email;
    e.detail_json = json{
        {"suspended_ticket_id", id},
        {"cause", current->cause},
        {"cause_id", current->cause_id},
        {"subject", current->subject},
        {"message_id", current->message_id},
        {"outcome", intake::OutcomeKindName(outcome->kind)},
        {"ticket_id", ticket_id},
        {"comment_id", outcome->comment_id ? json(outcome->comment_id) : json(nullptr)},
        {"requester", requester_me ? "agent" : "original"},
        {"learned_ham", learned},
        {"agent_id", agent.id},
        {"agent_email",
         agent.email}}.dump();
    e.created_at = Now();
    if (auto added = tx.AddSystemEvent(e); !added.ok()) return added.status();

    auto t = tx.GetTicket(ticket_id);
    if (!t.ok()) return t.status();
    auto requester = tx.GetUser(t->requester_id);
    if (!requester.ok() && requester.status().kind() != ErrorKind::kNotFound) {
      return requester.status();
    }
    auto fields = tickets::ListTicketFields(tx);
    if (!fields.ok()) return fields.status();
    a.ticket = TicketJson(*t, base, requester.ok() ? &*requester : nullptr, &*fields);
    // Ours: where the recovered email went.
    a.ticket["recovered_from"] = {
        {"suspended_ticket_id", id},
        {"outcome", intake::OutcomeKindName(outcome->kind)},
        {"comment_id", outcome->comment_id ? json(outcome->comment_id) : json(nullptr)},
        {"learned_ham", learned}};
    a.notifications = outcome->notifications;
    return Status::Ok();
  });
  if (!client.description.empty()) {
    a.error = client.description;
  } else if (gone) {
    a.error = "it was recovered or deleted by someone else meanwhile";
  } else if (!s.ok()) {
    a.store_status = s;
  }
  return a;
}

json FailureJson(const RecoverAttempt& a, std::string_view base) {
  json j;
  if (a.suspended) {
    j = SuspendedJson(*a.suspended, base);
  } else {
    j = {{"id", a.id}};
  }
  std::string message = a.not_found        ? "no suspended ticket has this id"
                        : !a.error.empty() ? a.error
                                           : (a.store_status.kind() == ErrorKind::kTemporary
                                                  ? "the database is busy; retry in a few seconds"
                                                  : "a database error stopped it (logged)");
  if (!a.store_status.ok() && a.store_status.kind() != ErrorKind::kTemporary) {
    spdlog::error("recovering suspended ticket {}: {}", a.id, a.store_status.message());
  }
  j["error_messages"] = json::array({message});
  return j;
}

// ---- explain ----

// The stored raw message of suspended ticket `id` into `bytes`, or the
// error response: 404 for no such ticket, or for one whose raw message is
// gone.
std::optional<http::Response> RawBytesOf(store::Store& st, int64_t id, std::string& bytes) {
  bool purged = false;
  Status s = st.Read([&](store::Tx& tx) -> Status {
    auto found = tx.GetSuspended(id);
    if (!found.ok()) return found.status();
    auto raw = tx.GetRawMessage(found->raw_message_id);
    if (!raw.ok()) {
      if (raw.status().kind() != ErrorKind::kNotFound) return raw.status();
      purged = true;
      return Status::Ok();
    }
    bytes = std::move(raw->bytes);
    return Status::Ok();
  });
  if (!s.ok()) return StoreError(s);
  if (purged) {
    return http::ErrorResponse(404, "RecordNotFound",
                               "The raw message of this suspended ticket is no longer stored.");
  }
  return std::nullopt;
}

}  // namespace

std::optional<CauseInfo> FindCause(std::string_view id_or_name) {
  if (auto id = ParseId(id_or_name)) {
    for (const auto& c : kCauses) {
      if (c.id == *id) return c;
    }
    return std::nullopt;
  }
  for (const auto& c : kCauses) {
    if (c.name == id_or_name) return c;
  }
  return std::nullopt;
}

void RegisterSuspendedReadApi(http::Router& router, store::Store& store, std::string base_url) {
  store::Store* st = &store;
  router.Get(kPath, [st, base_url](const http::Request& req) { return List(*st, req, base_url); });

  router.Get(std::string(kPath) + "/{id}", [st, base_url](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("suspended ticket", req.Param("id"));
    std::string base = BaseUrl(req, base_url);
    json out;
    Status s = st->Read([&](store::Tx& tx) -> Status {
      auto found = tx.GetSuspended(*id);
      if (!found.ok()) return found.status();
      json items = json::array();
      if (Status a = AppendItems(tx, {*found}, base, items); !a.ok()) return a;
      out["suspended_ticket"] = std::move(items[0]);
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    return http::JsonResponse(200, out);
  });
}

void RegisterSuspendedApi(http::Router& router, store::Store& store, SuspendedApiOptions options) {
  auto o = std::make_shared<SuspendedApiOptions>(std::move(options));
  store::Store* st = &store;
  const std::string item = std::string(kPath) + "/{id}";

  router.Get(item + "/explain", [st, o](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("suspended ticket", req.Param("id"));
    std::string base = BaseUrl(req, o->base_url);
    store::SuspendedTicket s;
    std::optional<store::RawMessage> raw;
    std::optional<int64_t> author_id;
    Status status = st->Read([&](store::Tx& tx) -> Status {
      auto found = tx.GetSuspended(*id);
      if (!found.ok()) return found.status();
      s = std::move(found).value();
      auto r = tx.GetRawMessage(s.raw_message_id);
      if (r.ok()) {
        raw = std::move(r).value();
      } else if (r.status().kind() != ErrorKind::kNotFound) {
        return r.status();
      }
      auto u = tx.FindUserByEmail(s.author_email);
      if (u.ok()) author_id = u->id;
      return Status::Ok();
    });
    if (!status.ok()) return StoreError(status);

    json evidence = ParseJsonOr(s.evidence_json, json::object());
    auto cause = FindCause(Str(s.cause_id));
    std::string item_url = base + std::string(kPath) + "/" + Str(s.id);
    json e;
    e["suspended_ticket_id"] = s.id;
    e["url"] = item_url + ".json";
    e["cause"] = s.cause;
    e["cause_id"] = s.cause_id;
    e["cause_description"] = cause ? json(std::string(cause->description)) : json(nullptr);
    e["reason"] =
        evidence.is_object() && evidence.contains("reason") ? evidence["reason"] : json(nullptr);
    e["evidence"] = evidence;
    e["author"] = {{"id", author_id ? json(*author_id) : json(nullptr)},
                   {"name", s.author_name},
                   {"email", s.author_email}};
    e["subject"] = s.subject;
    e["recipient"] = s.recipient;
    e["message_id"] = s.message_id;
    e["ticket_id"] = s.ticket_id ? json(*s.ticket_id) : json(nullptr);
    e["received_at"] = FormatIsoTime(s.created_at);
    // The verdict when it arrived, and how today's model sees it.
    e["spam"] = ParseJsonOr(s.spam_json, json(nullptr));
    e["spam_now"] = nullptr;
    e["authentication"] = evidence.is_object() && evidence.contains("authentication")
                              ? evidence["authentication"]
                              : json(nullptr);
    json raw_json = {{"available", raw.has_value()}};
    if (raw) {
      raw_json["url"] = item_url + "/raw";
      raw_json["size"] = raw->bytes.size();
      raw_json["mail_from"] = raw->mail_from;
      raw_json["rcpt_to"] = raw->rcpt_to;
      raw_json["door"] = raw->door;
      raw_json["client_ip"] = raw->client_ip;
      if (o->filter) {
        spam::Thresholds thresholds = o->filter->thresholds();
        if (o->settings) {
          auto now = o->settings->Get();
          thresholds = {now->spam_suspend_at, now->spam_refuse_at};
        }
        mime::InitMime();
        e["spam_now"] =
            ParseJsonOr(o->filter->Classify(mime::Parse(raw->bytes), thresholds).ToJson(), nullptr);
      }
    }
    e["attachments"] = SuspendedJson(s, base)["attachments"];
    if (e["attachments"].empty() && raw && !evidence.contains("attachments")) {
      // Suspended before attachments were recorded: read them off the raw message.
      size_t n = 0;
      for (const auto& a : mime::Parse(raw->bytes).attachments) {
        e["attachments"].push_back(SuspendedAttachmentJson(item_url, ++n, a.filename,
                                                           a.content_type,
                                                           static_cast<int64_t>(a.data.size()),
                                                           a.is_inline));
      }
    }
    const int64_t days = o->settings ? o->settings->Get()->suspended_retention_days : o->retention_days;
    if (days > 0) {
      raw_json["purge_at"] = FormatIsoTime(s.created_at + days * 86400);
    }
    e["raw_message"] = std::move(raw_json);
    e["actions"] = {{"recover", "PUT " + item_url + "/recover"},
                    {"recover_as_me", "PUT " + item_url + "/recover?requester=me"},
                    {"delete", "DELETE " + item_url},
                    {"delete_as_spam", "DELETE " + item_url + "?spam=true"}};
    return http::JsonResponse(200, json{{"explanation", std::move(e)}});
  });

  router.Get(item + "/raw", [st](const http::Request& req) -> http::Response {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("suspended ticket", req.Param("id"));
    std::string bytes;
    if (auto error = RawBytesOf(*st, *id, bytes)) return std::move(*error);
    http::Response r;
    r.content_type = "message/rfc822";
    r.body = std::move(bytes);
    r.AddHeader("Content-Disposition", "attachment; filename=\"suspended-" + Str(*id) + ".eml\"");
    return r;
  });

  // The N-th attachment (from 1, as listed) out of the stored raw message.
  auto attachment_bytes = [st](const http::Request& req) -> http::Response {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("suspended ticket", req.Param("id"));
    auto n = ParseId(req.Param("n"));
    if (!n || *n < 1) return BadId("attachment number", req.Param("n"));
    std::string bytes;
    if (auto error = RawBytesOf(*st, *id, bytes)) return std::move(*error);
    mime::Message m = mime::Parse(bytes);
    if (*n > static_cast<int64_t>(m.attachments.size())) {
      return http::ErrorResponse(404, "RecordNotFound",
                                 "This suspended ticket has " + std::to_string(m.attachments.size()) +
                                     " attachment(s), not " + Str(*n) + ".");
    }
    mime::Attachment& a = m.attachments[static_cast<size_t>(*n - 1)];
    http::Response r;
    r.content_type = SafeContentType(a.content_type);
    r.body = std::move(a.data);
    r.AddHeader("Content-Disposition", ContentDisposition(a.filename));
    return r;
  };
  http::RouteOptions raw_path{.requires_auth = true, .json_suffix = false};
  router.Get(item + "/attachments/{n}/{file_name}", attachment_bytes, raw_path);
  router.Get(item + "/attachments/{n}", attachment_bytes, raw_path);

  router.Add("DELETE", item, [st, o](const http::Request& req) -> http::Response {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("suspended ticket", req.Param("id"));
    bool as_spam = false;
    if (auto bad = ParseSpamFlag(req, as_spam)) return std::move(*bad);
    DeleteOutcome outcome;
    Status s = st->Write([&](store::Tx& tx) -> Status {
      auto d = DeleteOne(tx, o->filter, *id, as_spam, *req.user);
      if (!d.ok()) return d.status();
      outcome = *d;
      return Status::Ok();
    });
    if (!s.ok()) return StoreError(s);
    if (!outcome.deleted) return StoreError(Status::NotFound("no such suspended ticket"));
    http::Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  });

  router.Add("DELETE", std::string(kPath) + "/destroy_many",
             [st, o](const http::Request& req) -> http::Response {
               std::vector<int64_t> ids;
               if (auto bad = ParseIds(req, ids)) return std::move(*bad);
               bool as_spam = false;
               if (auto bad = ParseSpamFlag(req, as_spam)) return std::move(*bad);
               Status s = st->Write([&](store::Tx& tx) -> Status {
                 for (int64_t id : ids) {
                   auto d = DeleteOne(tx, o->filter, id, as_spam, *req.user);
                   if (!d.ok()) return d.status();
                 }
                 return Status::Ok();
               });
               if (!s.ok()) return StoreError(s);
               http::Response r;
               r.status = 204;
               r.content_type.clear();
               return r;
             });

  auto unavailable = [] {
    return http::ErrorResponse(503, "ServiceUnavailable",
                               "Recovering suspended tickets is not available in this process.");
  };

  router.Add("PUT", item + "/recover", [st, o, unavailable](const http::Request& req) {
    auto id = ParseId(req.Param("id"));
    if (!id) return BadId("suspended ticket", req.Param("id"));
    bool me = false;
    if (auto bad = ParseRequesterMe(req, me)) return std::move(*bad);
    if (!o->pipeline) return unavailable();
    std::string base = BaseUrl(req, o->base_url);
    RecoverAttempt a = RecoverOne(*st, *o, *id, *req.user, me, base);
    if (a.notifications && o->on_mail_queued) o->on_mail_queued();
    if (a.not_found) return StoreError(Status::NotFound("no such suspended ticket"));
    if (!a.store_status.ok()) return StoreError(a.store_status);
    if (!a.ok()) {
      json body = {
          {"error", "RecordInvalid"},
          {"description", "Suspended ticket " + Str(*id) + " was not recovered: " +
                              FailureJson(a, base)["error_messages"][0].get<std::string>()},
          {"suspended_tickets", json::array({FailureJson(a, base)})}};
      return http::JsonResponse(422, body);
    }
    // As the Zendesk API answers it: the recovered ticket in an array under "ticket".
    return http::JsonResponse(200, json{{"ticket", json::array({a.ticket})}});
  });

  router.Add("PUT", std::string(kPath) + "/recover_many",
             [st, o, unavailable](const http::Request& req) {
               std::vector<int64_t> ids;
               if (auto bad = ParseIds(req, ids)) return std::move(*bad);
               bool me = false;
               if (auto bad = ParseRequesterMe(req, me)) return std::move(*bad);
               if (!o->pipeline) return unavailable();
               std::string base = BaseUrl(req, o->base_url);
               json tickets = json::array();
               json failures = json::array();
               size_t notifications = 0;
               // One transaction each: a failure keeps what was recovered before it.
               for (int64_t id : ids) {
                 RecoverAttempt a = RecoverOne(*st, *o, id, *req.user, me, base);
                 notifications += a.notifications;
                 if (a.ok()) {
                   tickets.push_back(std::move(a.ticket));
                 } else {
                   failures.push_back(FailureJson(a, base));
                 }
               }
               if (notifications && o->on_mail_queued) o->on_mail_queued();
               if (failures.empty()) return http::JsonResponse(200, json{{"tickets", tickets}});
               json body = {{"error", "RecordInvalid"},
                            {"description", Str(failures.size()) + " of " + Str(ids.size()) +
                                                " suspended tickets were not recovered; see "
                                                "suspended_tickets[].error_messages"},
                            {"tickets", tickets},
                            {"suspended_tickets", failures}};
               return http::JsonResponse(422, body);
             });
}

}  // namespace postdesk::api
