// Parse(): GMime builds the MIME tree and undoes transfer encodings; header
// values, parameters and every charset conversion are ours (header_decode,
// charset), because GMime's strict iconv names and its fallback guessing
// mangle real-world CJK mail.
#include "mime/message.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>

#include "common/strings.h"
#include "mime/charset.h"
#include "mime/header_decode.h"

namespace postdesk::mime {
namespace {

constexpr int kMaxDepth = 20;
constexpr size_t kMaxDefects = 100;
constexpr size_t kMaxHeaders = 5000;
constexpr size_t kMaxParts = 5000;
constexpr size_t kMaxFilename = 255;
constexpr size_t kMaxHeaderField = 256 * 1024;
// GMime's boundary matching grows faster than linearly with the number of
// nested multiparts; beyond this many boundary parameters the rest are
// disarmed (legitimate mail has a handful).
constexpr size_t kMaxBoundaries = 200;

// RAII for GObjects.
template <typename T>
struct GObjectPtr {
  T* p = nullptr;
  explicit GObjectPtr(T* ptr) : p(ptr) {}
  ~GObjectPtr() {
    if (p) g_object_unref(p);
  }
  GObjectPtr(const GObjectPtr&) = delete;
  GObjectPtr& operator=(const GObjectPtr&) = delete;
};

struct Context {
  Message* msg;
  std::string header_charset;  // for raw 8-bit in part headers
  std::vector<std::string> text_parts;
  std::vector<std::string> html_parts;
  size_t parts_seen = 0;
  std::set<std::string> defect_set;

  void Defect(std::string d) {
    d = SanitizeUtf8(d);
    if (msg->defects.size() >= kMaxDefects || !defect_set.insert(d).second) return;
    msg->defects.push_back(std::move(d));
  }
};

void AddDefect(Message* msg, std::set<std::string>* seen, std::string d) {
  d = SanitizeUtf8(d);
  if (msg->defects.size() >= kMaxDefects || !seen->insert(d).second) return;
  msg->defects.push_back(std::move(d));
}

const char* WarningText(GMimeParserWarning code) {
  switch (code) {
    case GMIME_WARN_DUPLICATED_HEADER: return "duplicated header";
    case GMIME_WARN_DUPLICATED_PARAMETER: return "duplicated header parameter";
    case GMIME_WARN_UNENCODED_8BIT_HEADER: return "unencoded 8-bit header";
    case GMIME_WARN_INVALID_CONTENT_TYPE: return "invalid content type";
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return "invalid RFC 2047 header value";
    case GMIME_WARN_MALFORMED_MULTIPART: return "malformed multipart";
    case GMIME_WARN_TRUNCATED_MESSAGE: return "truncated message";
    case GMIME_WARN_MALFORMED_MESSAGE: return "malformed message";
    case GMIME_CRIT_INVALID_HEADER_NAME: return "invalid header name";
    case GMIME_CRIT_CONFLICTING_HEADER: return "conflicting header";
    case GMIME_CRIT_CONFLICTING_PARAMETER: return "conflicting header parameter";
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "multipart without boundary";
    case GMIME_WARN_INVALID_PARAMETER: return "invalid header parameter";
    case GMIME_WARN_INVALID_ADDRESS_LIST: return "invalid address list";
    case GMIME_CRIT_NESTING_OVERFLOW: return "MIME nesting too deep";
    case GMIME_WARN_PART_WITHOUT_CONTENT: return "MIME part without content";
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "MIME part without headers or content";
  }
  return "parser warning";
}

struct WarningSink {
  Message* msg;
  std::set<std::string>* seen;
};

void OnParserWarning(gint64 offset, GMimeParserWarning code, const gchar* item, gpointer data) {
  auto* sink = static_cast<WarningSink*>(data);
  std::string text = WarningText(code);
  // Warnings that our own decoding makes moot are not defects of the message
  // worth auditing twice; 8-bit headers are reported with the charset used.
  if (code == GMIME_WARN_UNENCODED_8BIT_HEADER || code == GMIME_WARN_INVALID_RFC2047_HEADER_VALUE) {
    return;
  }
  if (item && *item) {
    std::string detail(item, strnlen(item, 80));
    text += ": " + detail;
  }
  AddDefect(sink->msg, sink->seen, text);
}

std::string ByteArrayToString(GMimeStream* stream) {
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
  if (!bytes || bytes->len == 0) return {};
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

std::string RawHeader(GMimeObject* obj, const char* name) {
  GMimeHeaderList* list = g_mime_object_get_header_list(obj);
  if (!list) return {};
  GMimeHeader* header = g_mime_header_list_get_header(list, name);
  if (!header) return {};
  const char* raw = g_mime_header_get_raw_value(header);
  return raw ? std::string(raw) : std::string();
}

std::string MimeType(GMimeObject* obj) {
  GMimeContentType* ct = g_mime_object_get_content_type(obj);
  if (!ct) return "application/octet-stream";
  const char* type = g_mime_content_type_get_media_type(ct);
  const char* subtype = g_mime_content_type_get_media_subtype(ct);
  std::string result = ToLower(type ? type : "application") + "/" + ToLower(subtype ? subtype : "octet-stream");
  return SanitizeUtf8(result);
}

std::string NormalizeNewlines(std::string_view s) {
  if (s.find('\r') == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Last path component, no control characters, bounded length.
std::string CleanFilename(std::string_view name) {
  size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos && slash + 1 < name.size()) name = name.substr(slash + 1);
  std::string out;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7F) ? ' ' : c;
  }
  out = std::string(Trim(out));
  if (out.size() > kMaxFilename) {
    // Cut on a character boundary, keeping an extension if there is one.
    size_t dot = out.rfind('.');
    std::string ext = (dot != std::string::npos && out.size() - dot <= 10) ? out.substr(dot) : "";
    size_t cut = kMaxFilename - ext.size();
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + ext;
  }
  return SanitizeUtf8(out);
}

// Decoded content bytes of a leaf part; notes a truncated base64 body.
std::string PartContent(GMimePart* part, Context* ctx) {
  GMimeDataWrapper* wrapper = g_mime_part_get_content(part);
  if (!wrapper) return {};
  if (g_mime_data_wrapper_get_encoding(wrapper) == GMIME_CONTENT_ENCODING_BASE64) {
    GMimeStream* raw = g_mime_data_wrapper_get_stream(wrapper);
    if (raw) {
      GObjectPtr<GMimeStream> mem(g_mime_stream_mem_new());
      g_mime_stream_reset(raw);
      g_mime_stream_write_to_stream(raw, mem.p);
      g_mime_stream_reset(raw);
      std::string encoded = ByteArrayToString(mem.p);
      size_t n = 0;
      for (char c : encoded) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=') ++n;
      }
      if (n % 4 != 0) ctx->Defect("truncated base64 content");
    }
  }
  GObjectPtr<GMimeStream> out(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(wrapper, out.p);
  return ByteArrayToString(out.p);
}

std::string TextOf(GMimeObject* obj, const std::string& bytes, const std::string& mime_type,
                   Context* ctx) {
  const char* cs = g_mime_object_get_content_type_parameter(obj, "charset");
  std::string declared = cs ? cs : "";
  internal::Decoded decoded = internal::Decode(bytes, declared);
  if (!decoded.declared_used) {
    if (Trim(declared).empty()) {
      ctx->Defect(mime_type + " part without charset, decoded as " + decoded.charset);
    } else {
      ctx->Defect(mime_type + " part declared charset " + std::string(Trim(declared)).substr(0, 40) +
                  ", decoded as " + decoded.charset);
    }
  }
  if (decoded.lossy) ctx->Defect(mime_type + " part has bytes invalid in " + decoded.charset);
  return NormalizeNewlines(decoded.text);
}

void AddAttachment(Attachment a, Context* ctx) {
  if (a.filename.empty()) {
    a.filename = "attachment-" + std::to_string(ctx->msg->attachments.size() + 1);
    if (a.content_type == "message/rfc822") a.filename += ".eml";
  }
  ctx->msg->attachments.push_back(std::move(a));
}

std::string ContentId(GMimeObject* obj) {
  const char* cid = g_mime_object_get_content_id(obj);
  std::string id = cid ? cid : "";
  if (id.empty()) {
    // GMime drops ids it cannot parse; keep what was written.
    std::vector<std::string> ids = internal::ParseMessageIds(RawHeader(obj, "Content-Id"));
    if (!ids.empty()) id = ids[0];
  }
  return SanitizeUtf8(std::string(Trim(id)));
}

void Walk(GMimeObject* obj, int depth, Context* ctx);

// A short, lower-case, printable copy of a declared header value.
std::string DeclaredToken(std::string_view value) {
  std::string out = ToLower(Trim(value).substr(0, 40));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  }
  return out;
}

void RecordShape(GMimeObject* obj, int depth, Message* msg) {
  PartShape shape;
  shape.content_type = MimeType(obj);
  if (const char* cs = g_mime_object_get_content_type_parameter(obj, "charset")) {
    shape.charset = DeclaredToken(cs);
  }
  shape.transfer_encoding = DeclaredToken(RawHeader(obj, "Content-Transfer-Encoding"));
  shape.depth = depth;
  msg->parts.push_back(std::move(shape));
}

void WalkMessagePart(GMimeMessagePart* part, Context* ctx) {
  GMimeObject* obj = GMIME_OBJECT(part);
  internal::ParamHeader disposition =
      internal::ParseParamHeader(RawHeader(obj, "Content-Disposition"), ctx->header_charset);
  Attachment a;
  a.content_type = "message/rfc822";
  a.content_id = ContentId(obj);
  a.is_inline = disposition.value == "inline";
  a.filename = CleanFilename(disposition.params["filename"]);
  GMimeMessage* nested = g_mime_message_part_get_message(part);
  if (nested) {
    GObjectPtr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_object_write_to_stream(GMIME_OBJECT(nested), nullptr, mem.p);
    a.data = ByteArrayToString(mem.p);
    if (a.filename.empty()) {
      std::string subject =
          internal::DecodeHeaderText(RawHeader(GMIME_OBJECT(nested), "Subject"), "");
      if (!subject.empty()) a.filename = CleanFilename(subject + ".eml");
    }
  }
  AddAttachment(std::move(a), ctx);
}

void WalkPart(GMimePart* part, Context* ctx) {
  GMimeObject* obj = GMIME_OBJECT(part);
  std::string type = MimeType(obj);
  internal::ParamHeader disposition =
      internal::ParseParamHeader(RawHeader(obj, "Content-Disposition"), ctx->header_charset);
  internal::ParamHeader content_type =
      internal::ParseParamHeader(RawHeader(obj, "Content-Type"), ctx->header_charset);
  std::string filename = disposition.params["filename"];
  if (filename.empty()) filename = content_type.params["name"];
  filename = CleanFilename(filename);
  bool is_body_type = type == "text/plain" || type == "text/html";
  bool body = is_body_type && disposition.value != "attachment" && filename.empty();
  std::string bytes = PartContent(part, ctx);
  if (body) {
    std::string text = TextOf(obj, bytes, type, ctx);
    (type == "text/plain" ? ctx->text_parts : ctx->html_parts).push_back(std::move(text));
    return;
  }
  Attachment a;
  a.filename = filename;
  a.content_type = type;
  a.content_id = ContentId(obj);
  a.is_inline = disposition.value == "inline";
  a.data = std::move(bytes);
  AddAttachment(std::move(a), ctx);
}

void WalkMultipart(GMimeMultipart* multipart, int depth, Context* ctx) {
  GMimeObject* obj = GMIME_OBJECT(multipart);
  int count = g_mime_multipart_get_count(multipart);
  if (count <= 0) {
    // No part boundary found: whatever is there is text, not to be lost.
    const char* prologue = g_mime_multipart_get_prologue(multipart);
    ctx->Defect("multipart without parts");
    if (prologue && *prologue) {
      internal::Decoded d = internal::Decode(prologue, "");
      std::string text = NormalizeNewlines(d.text);
      if (!Trim(text).empty()) ctx->text_parts.push_back(std::move(text));
    }
    return;
  }
  std::string type = MimeType(obj);
  if (type != "multipart/alternative") {
    for (int i = 0; i < count; ++i) {
      Walk(g_mime_multipart_get_part(multipart, i), depth + 1, ctx);
    }
    return;
  }
  // Alternatives: each branch is walked on its own; the first plain text and
  // the last (richest) HTML win; attachments of every branch are kept.
  std::optional<std::string> text, html;
  for (int i = 0; i < count; ++i) {
    Context branch{ctx->msg, ctx->header_charset, {}, {}, ctx->parts_seen, {}};
    branch.defect_set = std::move(ctx->defect_set);
    Walk(g_mime_multipart_get_part(multipart, i), depth + 1, &branch);
    ctx->defect_set = std::move(branch.defect_set);
    ctx->parts_seen = branch.parts_seen;
    if (!text && !branch.text_parts.empty()) {
      std::string joined;
      for (const std::string& t : branch.text_parts) joined += t;
      text = std::move(joined);
    }
    if (!branch.html_parts.empty()) {
      std::string joined;
      for (const std::string& h : branch.html_parts) joined += h;
      html = std::move(joined);
    }
  }
  if (text) ctx->text_parts.push_back(std::move(*text));
  if (html) ctx->html_parts.push_back(std::move(*html));
}

void Walk(GMimeObject* obj, int depth, Context* ctx) {
  if (!obj) return;
  if (depth > kMaxDepth) {
    ctx->Defect("MIME nesting deeper than " + std::to_string(kMaxDepth) + "; inner parts ignored");
    return;
  }
  if (++ctx->parts_seen > kMaxParts) {
    ctx->Defect("more than " + std::to_string(kMaxParts) + " MIME parts; the rest ignored");
    return;
  }
  RecordShape(obj, depth, ctx->msg);
  if (GMIME_IS_MULTIPART(obj)) {
    WalkMultipart(GMIME_MULTIPART(obj), depth, ctx);
  } else if (GMIME_IS_MESSAGE_PART(obj)) {
    WalkMessagePart(GMIME_MESSAGE_PART(obj), ctx);
  } else if (GMIME_IS_PART(obj)) {
    WalkPart(GMIME_PART(obj), ctx);
  }
}

std::string JoinText(std::vector<std::string>& parts) {
  if (parts.size() == 1) return std::move(parts[0]);
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += p;
  }
  return out;
}

// Charset for raw 8-bit bytes in the header block: UTF-8 when it is valid,
// else the body's declared charset when that fits, else detected.
std::string HeaderCharset(const std::vector<std::string>& raw_values,
                          const std::string& body_charset) {
  std::string eight_bit;
  for (const std::string& v : raw_values) {
    if (std::any_of(v.begin(), v.end(), [](char c) {
          return static_cast<unsigned char>(c) >= 0x80 || c == '\x1b';
        })) {
      eight_bit += v;
      eight_bit += '\n';
    }
  }
  if (eight_bit.empty()) return "UTF-8";
  if (IsValidUtf8(eight_bit) && eight_bit.find('\x1b') == std::string::npos) return "UTF-8";
  if (!body_charset.empty() && internal::DecodesCleanly(eight_bit, body_charset)) {
    std::string lower = ToLower(body_charset);
    // A Latin-1 label proves nothing (every byte decodes).
    if (lower.find("8859") == std::string::npos && lower.find("1252") == std::string::npos &&
        lower.find("ascii") == std::string::npos) {
      return body_charset;
    }
  }
  return internal::DetectCharset(eight_bit);
}

// Declared charset of the first text part, as a hint for 8-bit headers.
std::string FirstTextCharset(GMimeObject* obj, int depth) {
  if (!obj || depth > kMaxDepth) return {};
  if (GMIME_IS_MULTIPART(obj)) {
    GMimeMultipart* mp = GMIME_MULTIPART(obj);
    int n = std::min(g_mime_multipart_get_count(mp), 50);
    for (int i = 0; i < n; ++i) {
      std::string cs = FirstTextCharset(g_mime_multipart_get_part(mp, i), depth + 1);
      if (!cs.empty()) return cs;
    }
    return {};
  }
  if (GMIME_IS_PART(obj) && IStartsWith(MimeType(obj), "text/")) {
    const char* cs = g_mime_object_get_content_type_parameter(obj, "charset");
    return cs ? std::string(cs) : std::string();
  }
  return {};
}

// Renames "boundary=" parameters past the kMaxBoundaries-th, so that
// adversarial nesting cannot make the parser quadratic. Returns how many.
size_t DisarmExcessBoundaries(std::string* s) {
  static constexpr std::string_view kWord = "boundary";
  size_t seen = 0, disarmed = 0;
  for (size_t i = 0; i + kWord.size() < s->size(); ++i) {
    char c = (*s)[i];
    if (c != 'b' && c != 'B') continue;
    if (!IEquals(std::string_view(*s).substr(i, kWord.size()), kWord)) continue;
    size_t j = i + kWord.size();
    while (j < s->size() && ((*s)[j] == ' ' || (*s)[j] == '\t')) ++j;
    if (j >= s->size() || (*s)[j] != '=') continue;
    if (++seen > kMaxBoundaries) {
      (*s)[i + kWord.size() - 1] = 'x';
      ++disarmed;
    }
    i = j;
  }
  return disarmed;
}

// Prepares the top-level header block for GMime: a NUL would cut a header
// value short (GMime reads them as C strings), so NULs become spaces; and a
// field longer than kMaxHeaderField is cut, because GMime grows its header
// buffer by reallocation, which degrades badly on multi-megabyte fields.
std::string PrepareInput(std::string_view raw, bool* had_nul, bool* cut_field) {
  std::string out;
  out.reserve(raw.size());
  size_t pos = 0;
  size_t field_len = 0;
  while (pos < raw.size()) {
    size_t nl = raw.find('\n', pos);
    size_t end = nl == std::string_view::npos ? raw.size() : nl + 1;
    std::string_view line = raw.substr(pos, end - pos);
    pos = end;
    std::string_view content = line;
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
      content.remove_suffix(1);
    }
    if (content.empty()) {  // end of the header block: the rest as is
      out.append(line);
      out.append(raw.substr(pos));
      break;
    }
    bool continuation = content[0] == ' ' || content[0] == '\t';
    if (!continuation) {
      // Not a "Name:" line: not a header block GMime will accumulate; leave
      // it and everything after untouched.
      size_t colon = content.find(':');
      bool is_field = colon != std::string_view::npos && colon > 0 && colon < 256 &&
                      std::all_of(content.begin(), content.begin() + colon, [](char c) {
                        return c > ' ' && c < 0x7F;
                      });
      if (!is_field) {
        out.append(raw.substr(pos - line.size()));
        break;
      }
      field_len = 0;
    }
    if (field_len + line.size() > kMaxHeaderField) {
      *cut_field = true;
      if (field_len < kMaxHeaderField) {
        out.append(line.substr(0, kMaxHeaderField - field_len));
        out += '\n';
      }
      field_len = kMaxHeaderField;
      continue;
    }
    field_len += line.size();
    size_t start = out.size();
    out.append(line);
    for (size_t i = start; i < out.size(); ++i) {
      if (out[i] == '\0') {
        out[i] = ' ';
        *had_nul = true;
      }
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> Message::Header(std::string_view name) const {
  for (const auto& [header_name, value] : headers) {
    if (IEquals(header_name, name)) return value;
  }
  return std::nullopt;
}

void InitMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

std::string ToUtf8(std::string_view bytes, std::string_view charset) {
  return internal::Decode(bytes, charset).text;
}

Message Parse(std::string_view raw) {
  InitMime();
  Message msg;
  std::set<std::string> seen;
  if (raw.empty()) {
    AddDefect(&msg, &seen, "empty message");
    return msg;
  }
  bool had_nul = raw.find('\0') != std::string_view::npos;
  if (had_nul) AddDefect(&msg, &seen, "NUL bytes in message");
  bool header_nul = false, cut_field = false;
  std::string input = PrepareInput(raw, &header_nul, &cut_field);
  if (cut_field) {
    AddDefect(&msg, &seen, "header field longer than " + std::to_string(kMaxHeaderField) +
                               " bytes; cut");
  }
  if (DisarmExcessBoundaries(&input) > 0) {
    AddDefect(&msg, &seen, "more than " + std::to_string(kMaxBoundaries) +
                               " multipart boundaries; the rest ignored");
  }

  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(input.data(), input.size()));
  GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.p));
  g_mime_parser_set_format(parser.p, GMIME_FORMAT_MESSAGE);
  // Options are per parse so the warning callback can carry this message;
  // GMime objects keep a pointer to them, so they outlive the message.
  GMimeParserOptions* options = g_mime_parser_options_new();
  WarningSink sink{&msg, &seen};
  g_mime_parser_options_set_warning_callback(options, OnParserWarning, &sink);
  const char* fallback[] = {"UTF-8", "windows-1252", nullptr};
  g_mime_parser_options_set_fallback_charsets(options, fallback);
  GMimeMessage* parsed = g_mime_parser_construct_message(parser.p, options);
  GObjectPtr<GMimeMessage> message(parsed);

  if (!parsed) {
    AddDefect(&msg, &seen, "not a MIME message; kept as plain text");
    msg.text_body = NormalizeNewlines(internal::Decode(raw, "").text);
    g_mime_parser_options_free(options);
    return msg;
  }

  GMimeObject* root = g_mime_message_get_mime_part(parsed);
  GMimeHeaderList* list = g_mime_object_get_header_list(GMIME_OBJECT(parsed));
  int count = list ? g_mime_header_list_get_count(list) : 0;
  std::vector<std::pair<std::string, std::string>> raw_headers;
  for (int i = 0; i < count && raw_headers.size() < kMaxHeaders; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    if (!h) continue;
    const char* name = g_mime_header_get_name(h);
    const char* value = g_mime_header_get_raw_value(h);
    raw_headers.emplace_back(SanitizeUtf8(name ? name : ""), value ? value : "");
  }
  if (count > static_cast<int>(kMaxHeaders)) AddDefect(&msg, &seen, "too many header fields");
  if (count == 0) AddDefect(&msg, &seen, "no header fields");

  std::vector<std::string> values;
  for (const auto& [name, value] : raw_headers) values.push_back(value);
  std::string hcs = HeaderCharset(values, FirstTextCharset(root, 0));
  bool eight_bit_headers = false;
  for (const std::string& v : values) {
    if (std::any_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
      eight_bit_headers = true;
    }
  }
  if (eight_bit_headers) AddDefect(&msg, &seen, "unencoded 8-bit header fields, decoded as " + hcs);

  bool has_subject = false, has_date = false;
  for (const auto& field : raw_headers) {
    const std::string& name = field.first;
    const std::string& value = field.second;  // a lambda may not capture a structured binding (clang 14)
    msg.headers.emplace_back(name, internal::DecodeHeaderText(value, hcs));
    auto add_addresses = [&](std::vector<Address>* to) {
      for (Address& a : internal::ParseAddressList(value, hcs)) to->push_back(std::move(a));
    };
    if (IEquals(name, "From")) {
      add_addresses(&msg.from);
    } else if (IEquals(name, "To")) {
      add_addresses(&msg.to);
    } else if (IEquals(name, "Cc")) {
      add_addresses(&msg.cc);
    } else if (IEquals(name, "Reply-To")) {
      add_addresses(&msg.reply_to);
    } else if (IEquals(name, "Subject") && !has_subject) {
      has_subject = true;
      msg.subject = msg.headers.back().second;
    } else if (IEquals(name, "Message-ID") && msg.message_id.empty()) {
      std::vector<std::string> ids = internal::ParseMessageIds(value);
      if (!ids.empty()) msg.message_id = ids[0];
    } else if (IEquals(name, "In-Reply-To") && msg.in_reply_to.empty()) {
      msg.in_reply_to = internal::ParseMessageIds(value);
    } else if (IEquals(name, "References") && msg.references.empty()) {
      msg.references = internal::ParseMessageIds(value);
    } else if (IEquals(name, "Date") && !has_date) {
      has_date = true;
      std::string date = internal::Unfold(SanitizeUtf8(value));
      if (date.size() < 256) {
        GDateTime* dt = g_mime_utils_header_decode_date(date.c_str());
        if (dt) {
          msg.date = g_date_time_to_unix(dt);
          g_date_time_unref(dt);
        }
      }
      if (msg.date == 0) AddDefect(&msg, &seen, "unparsable Date header");
    }
  }
  if (msg.from.empty()) AddDefect(&msg, &seen, "no From address");

  Context ctx{&msg, hcs, {}, {}, 0, std::move(seen)};
  Walk(root, 0, &ctx);
  msg.text_body = JoinText(ctx.text_parts);
  msg.html_body = JoinText(ctx.html_parts);
  if (Trim(msg.text_body).empty() && !msg.html_body.empty()) {
    msg.text_body = HtmlToText(msg.html_body);
  }
  // Parts referenced from the HTML by cid: are inline.
  for (Attachment& a : msg.attachments) {
    if (!a.is_inline && !a.content_id.empty() &&
        msg.html_body.find("cid:" + a.content_id) != std::string::npos) {
      a.is_inline = true;
    }
  }
  // Already sanitized piecewise; this guards the joins.
  if (!IsValidUtf8(msg.text_body) || msg.text_body.find('\0') != std::string::npos) {
    msg.text_body = SanitizeUtf8(msg.text_body);
  }
  if (!IsValidUtf8(msg.html_body) || msg.html_body.find('\0') != std::string::npos) {
    msg.html_body = SanitizeUtf8(msg.html_body);
  }
  message.p = nullptr;
  g_object_unref(parsed);
  g_mime_parser_options_free(options);
  return msg;
}

}  // namespace postdesk::mime
