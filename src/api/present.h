// api/present: turns store entities into Zendesk-shaped JSON and holds the
// small input/output guards the handlers share (id parsing, paging, safe
// download headers). Pure functions, no store access, so each is unit-tested.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/router.h"
#include "store/store.h"
#include "tickets/ticket_fields.h"

namespace postdesk::api {

// "http://host:port" for absolute URLs: the request's Host header when it
// has only [A-Za-z0-9.:-[]] characters, else `fallback_base` (trailing '/'
// dropped). The scheme always comes from `fallback_base`.
std::string BaseUrl(const http::Request& request, std::string_view fallback_base);

// A row id from a path parameter: digits only, fits int64; else nullopt.
std::optional<int64_t> ParseId(std::string_view s);
http::Response BadId(std::string_view what, std::string_view value);
// A row id in a JSON body: a positive integer, or a string of digits.
std::optional<int64_t> JsonId(const nlohmann::json& value);
// The request's path without a trailing ".json" (for the links a list
// repeats).
std::string PathWithoutJson(const http::Request& request);

// Up to 100 comma-separated ids (?ids=1,2,3, show_many); an error response
// otherwise.
std::optional<http::Response> ParseIdList(const http::Request& request, std::vector<int64_t>& ids);

// Offset paging as the Zendesk API does it: ?page=N (from 1) &per_page=M (1..100).
struct Page {
  int64_t page = 1;
  int64_t per_page = 100;
  int64_t offset() const { return (page - 1) * per_page; }
};
// Reads page/per_page; per_page above 100 is clamped. Error response when malformed.
std::optional<http::Response> ParsePage(const http::Request& request, Page& page);
// Adds "next_page", "previous_page" (absolute URLs or null) and "count";
// `extra_query` ("&sort_by=...", already encoded) is kept in both links.
void AddPageLinks(nlohmann::json& out, std::string_view base, std::string_view path,
                  const Page& page, int64_t count, std::string_view extra_query = {});

// Zendesk's cursor paging over a list a handler holds whole, in its order
// (macros, views): page[size] (1..100), page[after] or page[before] (a
// cursor this API gave out: the id of a page's last or first item). `asked`
// is false when none of them is given (offset paging then applies).
struct ListCursor {
  bool asked = false;
  int64_t size = 100;
  std::optional<int64_t> after;
  std::optional<int64_t> before;
};
std::optional<http::Response> ParseListCursor(const http::Request& request, ListCursor& cursor);
// The [begin, end) of `ids` the page holds; out["meta"] {has_more,
// after_cursor, before_cursor} and out["links"] {next, prev} for `path`
// (without ".json"). 400 when a cursor names an item no longer listed.
std::optional<http::Response> CursorSlice(const std::vector<int64_t>& ids, const ListCursor& cursor,
                                          std::string_view base, std::string_view path,
                                          nlohmann::json& out, size_t& begin, size_t& end,
                                          std::string_view extra_query = {});

// A list a handler holds whole, paged as the request asks: by offset
// (page, per_page) or by cursor (page[size], page[after], page[before]).
struct ListPaging {
  Page page;
  ListCursor cursor;
  std::optional<http::Response> Parse(const http::Request& request);  // 400 when malformed
  // The [begin, end) of `ids` the page holds, its links added to `out`
  // (`extra_query`, "&name=..." already encoded, kept in them); 400 for a
  // stale cursor.
  std::optional<http::Response> Slice(const std::vector<int64_t>& ids, std::string_view base,
                                      std::string_view path, nlohmann::json& out, size_t& begin,
                                      size_t& end, std::string_view extra_query = {}) const;
};

// Nesting limit of request bodies: deep enough for any real payload, shallow
// enough that no recursive walk of the parsed value can exhaust the stack.
constexpr size_t kMaxJsonDepth = 64;
// True when `text` nests arrays/objects deeper than `max_depth` (strings
// are skipped). Linear, no recursion: runs before the parser.
bool JsonNestedDeeperThan(std::string_view text, size_t max_depth);
// The one reader of request bodies: a JSON object (nested at most
// kMaxJsonDepth); with `root`, the object under that key
// ({"ticket": {...}} -> {...}). nullopt with `error` set to the 400 response
// (InvalidJSON, or InvalidPayload when the shape is wrong).
std::optional<nlohmann::json> ParseJsonBody(const http::Request& request, http::Response& error,
                                            std::string_view root = {});

// Store failure -> response: NotFound 404 RecordNotFound, Temporary 503,
// Invalid 400, anything else 500 (logged; details not sent).
http::Response StoreError(const Status& status);

// Entities. `requester`/`author` may be null when the user row is missing.
nlohmann::json ViaJson(Channel channel, const store::User* from,
                       std::string_view to_address);
// With the desk's `fields`, custom_fields lists every custom field with its
// value typed (a checkbox true/false); without, the stored values as text.
nlohmann::json TicketJson(const store::Ticket& t, std::string_view base,
                          const store::User* requester,
                          const std::vector<tickets::TicketField>* fields = nullptr);
nlohmann::json AttachmentJson(const store::AttachmentMeta& a, std::string_view base);
// The comment's HTML made inert (html/sanitize): what the API's html_body
// shows; inline images (cid:) point at their attachment's content_url. The
// raw mail stays available through the raw routes.
std::string SafeHtmlBody(const store::Comment& c, std::string_view base);
nlohmann::json CommentJson(const store::Comment& c, std::string_view base,
                           const store::User* author, std::string_view recipient,
                           std::optional<int64_t> audit_id);
nlohmann::json AuditJson(const store::Audit& a, std::string_view base, const store::User* author,
                         std::string_view recipient);
nlohmann::json UserJson(const store::User& u, std::string_view base);
// `author_id`: the author's user id when the address belongs to a user.
// One attachment of a suspended ticket, numbered from 1, in the attachment
// shape; its bytes are at `item_url`/attachments/N/NAME (no id: it is not
// stored as an attachment until the mail is recovered).
nlohmann::json SuspendedAttachmentJson(std::string_view item_url, size_t n,
                                       std::string_view file_name, std::string_view content_type,
                                       int64_t size, bool is_inline);

nlohmann::json SuspendedJson(const store::SuspendedTicket& s, std::string_view base,
                             std::optional<int64_t> author_id = std::nullopt);

// Plain text as HTML: escaped, blank lines -> paragraphs, newlines -> <br>.
std::string TextToHtml(std::string_view text);

// Download guards. A stored content type that a browser would render
// actively (HTML, SVG, XML, scripts) or that is malformed becomes
// application/octet-stream; parameters are dropped except a text charset.
std::string SafeContentType(std::string_view stored);
// `attachment; filename="<ascii>"; filename*=UTF-8''<pct-encoded>`: no CR,
// LF, quote or backslash can get through.
std::string ContentDisposition(std::string_view file_name);

// Strict base64 (standard alphabet; padding optional). nullopt when invalid.
std::optional<std::string> Base64Decode(std::string_view s);

}  // namespace postdesk::api
