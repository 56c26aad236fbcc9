#include "api/present.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <tuple>

#include "common/clock.h"
#include "common/strings.h"
#include "accounts/sessions.h"
#include "html/sanitize.h"

namespace postdesk::api {

using nlohmann::json;

namespace {

constexpr int64_t kMaxPerPage = 100;
constexpr int64_t kMaxPage = 1'000'000'000;

std::string Str(int64_t v) { return std::to_string(v); }

json OptionalId(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

std::string Truncated(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "...";
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// Parses a JSON column; a broken one is logged and replaced, never thrown.
json ParseStoredJson(std::string_view text, json fallback, std::string_view what) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    spdlog::warn("api: stored {} is not valid JSON; showing it as empty", what);
    return fallback;
  }
  return parsed;
}

}  // namespace

std::string BaseUrl(const http::Request& request, std::string_view fallback_base) {
  std::string_view fallback = fallback_base;
  while (!fallback.empty() && fallback.back() == '/') fallback.remove_suffix(1);
  std::string_view scheme = "http";
  if (size_t pos = fallback.find("://"); pos != std::string_view::npos) {
    scheme = fallback.substr(0, pos);
  }
  std::string_view host = request.Header("host");
  bool ok = !host.empty() && host.size() <= 255;
  for (char c : host) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == ':' || c == '-' || c == '[' || c == ']';
    if (!allowed) {
      ok = false;
      break;
    }
  }
  if (!ok) return std::string(fallback);
  return std::string(scheme) + "://" + std::string(host);
}

std::optional<int64_t> ParseId(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

http::Response BadId(std::string_view what, std::string_view value) {
  return http::ErrorResponse(400, "InvalidValue",
                             "'" + Truncated(value, 40) + "' is not a valid " + std::string(what) +
                                 " id: ids are whole numbers from 1 to 9223372036854775807.");
}

std::optional<int64_t> JsonId(const json& v) {
  if (v.is_number_integer() && v.get<int64_t>() > 0) return v.get<int64_t>();
  if (v.is_string()) return ParseId(v.get<std::string>());
  return std::nullopt;
}

std::string PathWithoutJson(const http::Request& req) {
  std::string_view path = req.path;
  if (path.ends_with(".json")) path.remove_suffix(5);
  return std::string(path);
}

// Up to 100 comma-separated ids (?ids=1,2,3); an error response otherwise.
std::optional<http::Response> ParseIdList(const http::Request& req, std::vector<int64_t>& ids) {
  std::string_view raw = req.Query("ids");
  for (const std::string& part : raw.empty() ? std::vector<std::string>{} : Split(raw, ',')) {
    auto id = ParseId(Trim(part));
    if (!id) return http::ErrorResponse(400, "InvalidValue", "ids: '" + part + "' is not an id");
    ids.push_back(*id);
  }
  if (ids.empty()) return http::ErrorResponse(400, "InvalidValue", "ids: give 1 to 100 ids, comma-separated");
  if (ids.size() > 100) return http::ErrorResponse(400, "InvalidValue", "ids: at most 100");
  return std::nullopt;
}

std::optional<http::Response> ParseListCursor(const http::Request& req, ListCursor& c) {
  std::string_view size = req.Query("page[size]");
  std::string_view after = req.Query("page[after]");
  std::string_view before = req.Query("page[before]");
  c.asked = !size.empty() || !after.empty() || !before.empty();
  if (!c.asked) return std::nullopt;
  if (!req.Query("page").empty() || !req.Query("per_page").empty()) {
    return http::ErrorResponse(400, "InvalidPaginationParameter",
                               "use either cursor pagination (page[size], page[after], "
                               "page[before]) or offset pagination (page, per_page), not both");
  }
  if (!after.empty() && !before.empty()) {
    return http::ErrorResponse(400, "InvalidPaginationParameter",
                               "give page[after] or page[before], not both");
  }
  if (!size.empty()) {
    int64_t v = ParseId(size).value_or(0);
    if (v < 1 || v > kMaxPerPage) {
      return http::ErrorResponse(400, "InvalidPaginationParameter",
                                 "page[size] must be a whole number from 1 to " + Str(kMaxPerPage) +
                                     ", not '" + Truncated(size, 40) + "'.");
    }
    c.size = v;
  }
  for (auto [name, text, slot] : {std::tuple{"page[after]", after, &c.after},
                                  std::tuple{"page[before]", before, &c.before}}) {
    if (text.empty()) continue;
    auto id = ParseId(text);
    if (!id) {
      return http::ErrorResponse(400, "InvalidPaginationParameter",
                                 std::string(name) + " is not a cursor this API gave out (take it "
                                 "from meta.after_cursor / meta.before_cursor)");
    }
    *slot = *id;
  }
  return std::nullopt;
}

std::optional<http::Response> CursorSlice(const std::vector<int64_t>& ids, const ListCursor& c,
                                          std::string_view base, std::string_view path, json& out,
                                          size_t& begin, size_t& end, std::string_view extra_query) {
  const size_t n = ids.size();
  const size_t size = static_cast<size_t>(c.size);
  auto index_of = [&](int64_t id) -> std::optional<size_t> {
    auto it = std::find(ids.begin(), ids.end(), id);
    if (it == ids.end()) return std::nullopt;
    return static_cast<size_t>(it - ids.begin());
  };
  begin = 0;
  end = std::min(size, n);
  if (c.after || c.before) {
    auto at = index_of(c.after ? *c.after : *c.before);
    if (!at) {
      return http::ErrorResponse(400, "InvalidPaginationParameter",
                                 "the cursor's item is no longer in this list; start again "
                                 "without a cursor");
    }
    if (c.after) {
      begin = *at + 1;
      end = std::min(begin + size, n);
    } else {
      end = *at;
      begin = end > size ? end - size : 0;
    }
  }
  const bool more_after = end < n;
  const bool more_before = begin > 0;
  json after = begin < end ? json(Str(ids[end - 1])) : json(nullptr);
  json before = begin < end ? json(Str(ids[begin])) : json(nullptr);
  const std::string url = std::string(base) + std::string(path) + ".json?page%5Bsize%5D=" +
                          Str(c.size) + std::string(extra_query);
  out["meta"] = {{"has_more", c.before ? more_before : more_after},
                 {"after_cursor", after},
                 {"before_cursor", before}};
  out["links"] = {
      {"next", more_after && after.is_string() ? json(url + "&page%5Bafter%5D=" + after.get<std::string>()) : json(nullptr)},
      {"prev", more_before && before.is_string() ? json(url + "&page%5Bbefore%5D=" + before.get<std::string>()) : json(nullptr)}};
  return std::nullopt;
}

std::optional<http::Response> ListPaging::Parse(const http::Request& request) {
  if (auto bad = ParsePage(request, page)) return bad;
  return ParseListCursor(request, cursor);
}

std::optional<http::Response> ListPaging::Slice(const std::vector<int64_t>& ids,
                                                std::string_view base, std::string_view path,
                                                json& out, size_t& begin, size_t& end,
                                                std::string_view extra_query) const {
  if (cursor.asked) return CursorSlice(ids, cursor, base, path, out, begin, end, extra_query);
  begin = std::min(ids.size(), static_cast<size_t>(page.offset()));
  end = std::min(ids.size(), begin + static_cast<size_t>(page.per_page));
  AddPageLinks(out, base, path, page, static_cast<int64_t>(ids.size()), extra_query);
  return std::nullopt;
}

std::optional<http::Response> ParsePage(const http::Request& request, Page& page) {
  std::string_view p = request.Query("page");
  std::string_view pp = request.Query("per_page");
  if (!p.empty()) {
    int64_t v = ParseId(p).value_or(0);
    if (v < 1 || v > kMaxPage) {
      return http::ErrorResponse(400, "InvalidPaginationParameter",
                                 "page must be a whole number from 1 to " + Str(kMaxPage) +
                                     ", not '" + Truncated(p, 40) + "'.");
    }
    page.page = v;
  }
  if (!pp.empty()) {
    int64_t v = ParseId(pp).value_or(0);
    if (v < 1) {
      return http::ErrorResponse(400, "InvalidPaginationParameter",
                                 "per_page must be a whole number from 1 to " + Str(kMaxPerPage) +
                                     ", not '" + Truncated(pp, 40) + "'.");
    }
    page.per_page = std::min(v, kMaxPerPage);
  }
  return std::nullopt;
}

void AddPageLinks(json& out, std::string_view base, std::string_view path, const Page& page,
                  int64_t count, std::string_view extra_query) {
  auto link = [&](int64_t n) {
    return std::string(base) + std::string(path) + ".json?page=" + Str(n) +
           "&per_page=" + Str(page.per_page) + std::string(extra_query);
  };
  out["next_page"] =
      page.offset() + page.per_page < count ? json(link(page.page + 1)) : json(nullptr);
  out["previous_page"] = page.page > 1 ? json(link(page.page - 1)) : json(nullptr);
  out["count"] = count;
}

http::Response StoreError(const Status& status) {
  switch (status.kind()) {
    case ErrorKind::kNotFound:
      return http::ErrorResponse(404, "RecordNotFound", "Not found");
    case ErrorKind::kTemporary: {
      spdlog::warn("api: temporary store error: {}", status.message());
      http::Response r = http::ErrorResponse(
          503, "TemporarilyUnavailable", "The database is busy right now. Retry in a few seconds.");
      r.AddHeader("Retry-After", "5");
      return r;
    }
    case ErrorKind::kInvalid:
      return http::ErrorResponse(400, "InvalidValue", status.message());
    case ErrorKind::kPermanent:
      break;
  }
  spdlog::error("api: store error: {}", status.message());
  return http::ErrorResponse(500, "InternalError",
                             "The server could not read the database. The error has been "
                             "logged; an admin can run `postdesk doctor`.");
}

json ViaJson(Channel channel, const store::User* from, std::string_view to_address) {
  json source;
  if (channel == Channel::kEmail) {
    source["from"] = from ? json{{"address", from->email}, {"name", from->name}} : json::object();
    source["to"] = {{"address", std::string(to_address)}, {"name", ""}};
  } else {
    source["from"] = json::object();
    source["to"] = json::object();
  }
  source["rel"] = nullptr;
  return {{"channel", ChannelName(channel)}, {"source", source}};
}

json TicketJson(const store::Ticket& t, std::string_view base, const store::User* requester,
                const std::vector<tickets::TicketField>* fields) {
  json j;
  j["url"] = std::string(base) + "/api/v2/tickets/" + Str(t.id) + ".json";
  j["id"] = t.id;
  j["external_id"] = nullptr;
  j["via"] = ViaJson(t.via, requester, t.recipient);
  j["created_at"] = FormatIsoTime(t.created_at);
  j["updated_at"] = FormatIsoTime(t.updated_at);
  j["type"] = t.type.empty() ? json(nullptr) : json(t.type);
  j["subject"] = t.subject;
  j["raw_subject"] = t.subject;
  j["description"] = t.description;
  j["priority"] = t.priority.empty() ? json(nullptr) : json(t.priority);
  j["status"] = t.status;
  j["recipient"] = t.recipient;
  j["requester_id"] = t.requester_id;
  j["submitter_id"] = t.submitter_id;
  j["assignee_id"] = OptionalId(t.assignee_id);
  j["organization_id"] = OptionalId(t.organization_id);
  j["group_id"] = OptionalId(t.group_id);
  j["collaborator_ids"] = t.collaborator_ids;
  j["follower_ids"] = json::array();
  j["email_cc_ids"] = t.collaborator_ids;
  j["forum_topic_id"] = nullptr;
  j["problem_id"] = nullptr;
  j["has_incidents"] = false;
  j["is_public"] = true;
  j["due_at"] = nullptr;
  j["tags"] = t.tags;
  if (fields) {
    j["custom_fields"] = tickets::CustomFieldsJson(*fields, t);
  } else {
    j["custom_fields"] = json::array();
    for (const auto& [id, value] : t.field_values) {
      j["custom_fields"].push_back({{"id", id}, {"value", value}});
    }
  }
  j["fields"] = j["custom_fields"];
  j["satisfaction_rating"] = nullptr;
  j["sharing_agreement_ids"] = json::array();
  j["followup_ids"] = json::array();
  j["brand_id"] = nullptr;
  j["allow_channelback"] = false;
  j["allow_attachments"] = true;
  j["from_messaging_channel"] = false;
  j["encoded_id"] = t.encoded_id;
  return j;
}

json AttachmentJson(const store::AttachmentMeta& a, std::string_view base) {
  std::string name = a.file_name.empty() ? "attachment" : a.file_name;
  std::string content_url =
      std::string(base) + "/attachments/" + Str(a.id) + "/" + http::UrlEncode(name);
  json j;
  j["url"] = std::string(base) + "/api/v2/attachments/" + Str(a.id) + ".json";
  j["id"] = a.id;
  j["file_name"] = a.file_name;
  j["content_url"] = content_url;
  j["mapped_content_url"] = content_url;
  j["content_type"] = a.content_type;
  j["size"] = a.size;
  j["width"] = nullptr;
  j["height"] = nullptr;
  j["inline"] = a.is_inline;
  j["deleted"] = false;
  j["malware_access_override"] = false;
  j["malware_scan_result"] = "not_scanned";
  j["thumbnails"] = json::array();
  return j;
}

std::string SafeHtmlBody(const store::Comment& c, std::string_view base) {
  html::SanitizeOptions options;
  options.resolve_cid = [&](std::string_view content_id) -> std::string {
    for (const auto& a : c.attachments) {
      if (!a.content_id.empty() && a.content_id == content_id) {
        return AttachmentJson(a, base)["content_url"].get<std::string>();
      }
    }
    return "";
  };
  return html::Sanitize(c.html_body, options).html;
}

json CommentJson(const store::Comment& c, std::string_view base, const store::User* author,
                 std::string_view recipient, std::optional<int64_t> audit_id) {
  json j;
  j["id"] = c.id;
  j["type"] = "Comment";
  j["author_id"] = c.author_id;
  j["body"] = c.body;
  j["html_body"] = c.html_body.empty() ? TextToHtml(c.body) : SafeHtmlBody(c, base);
  j["plain_body"] = c.body;
  j["public"] = c.is_public;
  json attachments = json::array();
  for (const auto& a : c.attachments) attachments.push_back(AttachmentJson(a, base));
  j["attachments"] = attachments;
  if (audit_id) j["audit_id"] = *audit_id;
  j["via"] = ViaJson(c.via, author, recipient);
  j["created_at"] = FormatIsoTime(c.created_at);
  json system = json::object();
  if (c.raw_message_id) {
    system["raw_email_identifier"] = Str(*c.raw_message_id);
    system["raw_email_url"] = std::string(base) + "/api/v2/tickets/" + Str(c.ticket_id) +
                              "/comments/" + Str(c.id) + "/raw";
  }
  j["metadata"] = {{"system", system}, {"custom", json::object()}};
  // Our field: what SPF, DKIM, DMARC and ARC said about the email, and the action taken.
  if (!c.authentication_json.empty()) {
    j["authentication"] = ParseStoredJson(c.authentication_json, json(nullptr), "authentication");
  }
  return j;
}

json AuditJson(const store::Audit& a, std::string_view base, const store::User* author,
               std::string_view recipient) {
  json j;
  j["id"] = a.id;
  j["ticket_id"] = a.ticket_id;
  j["created_at"] = FormatIsoTime(a.created_at);
  j["author_id"] = a.author_id;
  json metadata = ParseStoredJson(a.metadata_json, json::object(), "audit metadata");
  if (!metadata.is_object()) metadata = json::object();
  if (!metadata.contains("system")) metadata["system"] = json::object();
  if (!metadata.contains("custom")) metadata["custom"] = json::object();
  j["metadata"] = std::move(metadata);
  j["via"] = ViaJson(a.via, author, recipient);
  json events = ParseStoredJson(a.events_json, json::array(), "audit events");
  j["events"] = events.is_array() ? events : json::array();
  return j;
}

json UserJson(const store::User& u, std::string_view base) {
  bool staff = IsStaff(u.role);
  json j;
  j["id"] = u.id;
  j["url"] = std::string(base) + "/api/v2/users/" + Str(u.id) + ".json";
  j["name"] = u.name;
  j["email"] = u.email;
  j["created_at"] = FormatIsoTime(u.created_at);
  j["updated_at"] = FormatIsoTime(u.updated_at);
  j["time_zone"] = "UTC";
  j["iana_time_zone"] = "Etc/UTC";
  j["phone"] = nullptr;
  j["shared_phone_number"] = nullptr;
  j["photo"] = nullptr;
  j["locale"] = "en-US";
  j["organization_id"] = OptionalId(u.organization_id);
  j["role"] = RoleName(u.role);
  // Delivery health (our fields): a hard bounce marks the address undeliverable.
  j["undeliverable"] = u.undeliverable;
  j["undeliverable_reason"] = u.undeliverable ? json(u.undeliverable_reason) : json(nullptr);
  j["soft_bounce_count"] = u.soft_bounces;
  // Agents are created by an admin; end-users only by mailing in, which
  // does not prove they own the address.
  j["verified"] = staff;
  j["external_id"] = nullptr;
  j["tags"] = json::array();
  j["alias"] = nullptr;
  j["active"] = !u.suspended;
  j["shared"] = false;
  j["shared_agent"] = false;
  j["last_login_at"] = nullptr;
  j["signature"] = nullptr;
  j["details"] = nullptr;
  j["notes"] = nullptr;
  j["role_type"] = nullptr;
  j["custom_role_id"] = nullptr;
  j["moderator"] = staff;
  j["ticket_restriction"] = staff ? json(nullptr) : json("requested");
  j["only_private_comments"] = false;
  j["restricted_agent"] = false;
  j["suspended"] = u.suspended;
  j["default_group_id"] = nullptr;
  j["report_csv"] = false;
  j["user_fields"] = json::object();
  return j;
}

json SuspendedAttachmentJson(std::string_view item_url, size_t n, std::string_view file_name,
                             std::string_view content_type, int64_t size, bool is_inline) {
  std::string url = std::string(item_url) + "/attachments/" + std::to_string(n) + "/" +
                    http::UrlEncode(file_name.empty() ? "attachment" : file_name);
  return {{"id", nullptr},
          {"file_name", file_name},
          {"content_url", url},
          {"mapped_content_url", url},
          {"content_type", content_type},
          {"size", size},
          {"inline", is_inline}};
}

json SuspendedJson(const store::SuspendedTicket& s, std::string_view base,
                   std::optional<int64_t> author_id) {
  store::User author;
  author.name = s.author_name;
  author.email = s.author_email;
  json j;
  j["id"] = s.id;
  j["url"] = std::string(base) + "/api/v2/suspended_tickets/" + Str(s.id) + ".json";
  j["author"] = {{"id", OptionalId(author_id)}, {"name", s.author_name}, {"email", s.author_email}};
  j["subject"] = s.subject;
  j["content"] = s.content;
  j["cause"] = s.cause;
  j["cause_id"] = s.cause_id;
  j["message_id"] = s.message_id;
  j["ticket_id"] = OptionalId(s.ticket_id);
  j["recipient"] = s.recipient;
  j["created_at"] = FormatIsoTime(s.created_at);
  j["updated_at"] = FormatIsoTime(s.created_at);
  j["via"] = ViaJson(Channel::kEmail, &author, s.recipient);
  j["brand_id"] = nullptr;
  j["error_messages"] = nullptr;
  // Ours: what decided the cause (auth results, spam score and tokens...).
  j["evidence"] = ParseStoredJson(s.evidence_json, json::object(), "suspension evidence");
  // The attachments listed at suspension; their bytes come out of the raw
  // message (numbered from 1) until it is purged.
  json attachments = json::array();
  if (j["evidence"].is_object() && j["evidence"].contains("attachments") &&
      j["evidence"]["attachments"].is_array()) {
    const std::string item_url = std::string(base) + "/api/v2/suspended_tickets/" + Str(s.id);
    size_t n = 0;
    for (const json& a : j["evidence"]["attachments"]) {
      if (!a.is_object()) continue;
      attachments.push_back(SuspendedAttachmentJson(
          item_url, ++n, a.value("file_name", std::string()), a.value("content_type", std::string()),
          a.value("size", int64_t{0}), a.value("inline", false)));
    }
  }
  j["attachments"] = std::move(attachments);
  // Ours: the spam filter's verdict (score, decision, strongest tokens); null if it did not run.
  j["spam"] = s.spam_json.empty() ? json(nullptr)
                                  : ParseStoredJson(s.spam_json, json(nullptr), "spam verdict");
  return j;
}

std::string TextToHtml(std::string_view text) {
  std::string normalized;
  normalized.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      normalized.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      normalized.push_back(text[i]);
    }
  }
  std::string out;
  std::string para;
  auto flush = [&] {
    std::string_view trimmed = Trim(para);
    if (!trimmed.empty()) {
      out += "<p>";
      // Line by line: one escape per line, not an allocation per character
      // (a 10 MB body is one call, not ten million).
      size_t start = 0;
      while (true) {
        size_t nl = trimmed.find('\n', start);
        out += HtmlEscape(trimmed.substr(start, nl == std::string_view::npos ? nl : nl - start));
        if (nl == std::string_view::npos) break;
        out += "<br>";
        start = nl + 1;
      }
      out += "</p>";
    }
    para.clear();
  };
  for (const std::string& line : Split(normalized, '\n')) {
    if (Trim(line).empty()) {
      flush();
    } else {
      if (!para.empty()) para.push_back('\n');
      para += line;
    }
  }
  flush();
  return out;
}

std::string SafeContentType(std::string_view stored) {
  static constexpr std::string_view kFallback = "application/octet-stream";
  std::string lower = ToLower(stored);
  std::string_view all = lower;
  size_t semi = all.find(';');
  std::string_view type = Trim(all.substr(0, semi));
  std::string_view params =
      semi == std::string_view::npos ? std::string_view() : all.substr(semi + 1);
  size_t slash = type.find('/');
  if (slash == std::string_view::npos || !IsToken(type.substr(0, slash)) ||
      !IsToken(type.substr(slash + 1))) {
    return std::string(kFallback);
  }
  static constexpr std::string_view kActive[] = {
      "html", "xml",        "javascript",        "ecmascript",     "svg",
      "xsl",  "multipart/", "x-shockwave-flash", "cache-manifest", "wasm"};
  for (std::string_view bad : kActive) {
    if (type.find(bad) != std::string_view::npos) return std::string(kFallback);
  }
  std::string out(type);
  if (type.starts_with("text/")) {
    for (const std::string& param : Split(params, ';')) {
      std::string_view p = Trim(param);
      if (!p.starts_with("charset=")) continue;
      std::string_view value = p.substr(8);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      bool ok = !value.empty() && value.size() <= 40;
      for (char c : value) {
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                    c == '.' || c == ':');
      }
      if (ok) out += "; charset=" + std::string(value);
      break;
    }
  }
  return out;
}

std::string ContentDisposition(std::string_view file_name) {
  std::string name;
  for (char c : SanitizeUtf8(file_name)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) continue;  // CR, LF, NUL and friends
    name.push_back(c == '/' || c == '\\' ? '_' : c);
  }
  name = std::string(Trim(name));
  if (name.size() > 200) {
    size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
    name.resize(cut);
  }
  if (name.empty()) name = "attachment";

  std::string ascii;
  for (char c : name) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;  // one '_' per character
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view(" ._-()+,=@[]~!#$&'").find(c) != std::string_view::npos;
    ascii.push_back(keep ? c : '_');
  }

  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : name) {
    bool attr_char =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (attr_char) {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[c >> 4]);
      encoded.push_back(kHex[c & 15]);
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

bool JsonNestedDeeperThan(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

std::optional<nlohmann::json> ParseJsonBody(const http::Request& request, http::Response& error,
                                            std::string_view root) {
  if (JsonNestedDeeperThan(request.body, kMaxJsonDepth)) {
    error = http::ErrorResponse(400, "InvalidJSON",
                                "the request body nests arrays and objects more than " +
                                    std::to_string(kMaxJsonDepth) + " levels deep");
    return std::nullopt;
  }
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    error = http::ErrorResponse(400, "InvalidJSON", "the request body is not valid JSON");
    return std::nullopt;
  }
  if (!body.is_object()) {
    error = http::ErrorResponse(400, "InvalidPayload", "the request body must be a JSON object");
    return std::nullopt;
  }
  if (root.empty()) return body;
  auto it = body.find(root);
  if (it == body.end() || !it->is_object()) {
    error = http::ErrorResponse(400, "InvalidPayload",
                                "expected a JSON object with a \"" + std::string(root) + "\" object");
    return std::nullopt;
  }
  return std::move(*it);
}

std::optional<std::string> Base64Decode(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(s.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace postdesk::api
