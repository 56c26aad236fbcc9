#include "intake/screening.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/strings.h"
#include "html/sanitize.h"

namespace postdesk::intake {
namespace {

using nlohmann::json;

// The first token of a structured header value: "auto-replied; owner=x" ->
// "auto-replied", "bulk (comment)" -> "bulk"; lower-cased.
std::string FirstToken(std::string_view value) {
  value = Trim(value);
  size_t end = value.find_first_of(";( \t,");
  return ToLower(Trim(value.substr(0, end)));
}

// An out-of-office phrase and whether it must be followed by a separator
// (short or ambiguous words such as "absent" or 不在, which also start
// ordinary subjects like 不在票, a missed-delivery note).
struct Phrase {
  std::string_view text;  // lower-case where the script has case
  bool strict;
};

constexpr Phrase kOutOfOfficePhrases[] = {
    // English
    {"out of office", false},
    {"out of the office", false},
    {"automatic reply", false},
    {"auto reply", false},
    {"auto-reply", false},
    {"autoreply", false},
    {"auto response", false},
    {"auto-response", false},
    {"autoresponse", false},
    {"automatic response", false},
    {"away from the office", false},
    {"away from my desk", false},
    {"on vacation", false},
    {"vacation reply", false},
    {"vacation", true},
    {"on leave", true},
    {"annual leave", true},
    {"ooo", true},
    // German
    {"abwesenheitsnotiz", false},
    {"abwesenheitsmeldung", false},
    {"automatische antwort", false},
    {"automatische rückantwort", false},
    {"nicht im büro", false},
    {"abwesend", true},
    {"urlaub", true},
    {"außer haus", true},
    // French
    {"réponse automatique", false},
    {"reponse automatique", false},
    {"absence du bureau", false},
    {"absent du bureau", false},
    {"absente du bureau", false},
    {"message d'absence", false},
    {"je suis absent", false},
    {"en congés", false},
    {"en vacances", false},
    // Spanish
    {"respuesta automática", false},
    {"respuesta automatica", false},
    {"fuera de la oficina", false},
    {"fuera de oficina", false},
    {"mensaje de ausencia", false},
    {"de vacaciones", false},
    {"ausente", true},
    // Italian
    {"risposta automatica", false},
    {"fuori sede", false},
    {"fuori ufficio", false},
    {"in ferie", false},
    {"assente", true},
    // Portuguese
    {"resposta automática", false},
    {"resposta automatica", false},
    {"ausente do escritório", false},
    {"fora do escritório", false},
    {"de férias", false},
    // Dutch, Scandinavian, Finnish, Polish, Czech, Turkish
    {"automatisch antwoord", false},
    {"afwezig", true},
    {"automatiskt svar", false},
    {"automatisk svar", false},
    {"frånvaro", true},
    {"fravær", true},
    {"fraværende", true},
    {"automaattinen vastaus", false},
    {"poissa", true},
    {"automatyczna odpowiedź", false},
    {"poza biurem", false},
    {"automatická odpověď", false},
    {"mimo kancelář", false},
    {"otomatik yanıt", false},
    {"otomatik cevap", false},
    {"ofis dışında", false},
    // Russian (both capitalisations: no Unicode case folding here)
    {"автоматический ответ", false},
    {"Автоматический ответ", false},
    {"нет на месте", false},
    {"Нет на месте", false},
    {"в отпуске", false},
    {"В отпуске", false},
    // Japanese
    {"自動返信", false},
    {"自動応答", false},
    {"自動送信", false},
    {"不在通知", false},
    {"不在のお知らせ", false},
    {"不在連絡", false},
    {"不在", true},
    {"休暇", true},
    {"外出中", false},
    // Chinese
    {"自动回复", false},
    {"自動回覆", false},
    {"自動回复", false},
    {"自动答复", false},
    {"不在办公室", false},
    {"外出", true},
    {"休假", true},
    // Korean
    {"자동 회신", false},
    {"자동회신", false},
    {"자동 응답", false},
    {"부재중", false},
    {"부재 중", false},
};

// Body phrases that, with an auto-reply header, mark a vacation reply.
constexpr std::string_view kOutOfOfficeBody[] = {
    "out of the office",
    "out of office",
    "on vacation",
    "on annual leave",
    "away from the office",
    "nicht im büro",
    "abwesend",
    "absent du bureau",
    "absente du bureau",
    "fuera de la oficina",
    "fuori ufficio",
    "ausente do escritório",
    "不在にして",
    "休暇",
    "自動返信",
    "不在办公室",
    "休假",
    "외출",
    "부재",
};

// True when what follows a strict phrase ends it as a label: the end of
// the subject, a colon or a closing bracket ("Vacation: ...", "【不在】...",
// "OOO - back Monday"), so that "Vacation rental" or 不在票 do not match.
bool SeparatorAt(std::string_view rest) {
  static constexpr std::string_view kSeparators[] = {":", "：", "]",  "】", ")",  "）", "」", "』",
                                                     "!", "！", " :", " -", " –", " —", "〕", "中"};
  if (Trim(rest).empty()) return true;
  for (auto sep : kSeparators) {
    if (rest.starts_with(sep)) return true;
  }
  return false;
}

bool ContainsAny(std::string_view haystack, std::initializer_list<std::string_view> needles) {
  for (auto n : needles) {
    if (haystack.find(n) != std::string_view::npos) return true;
  }
  return false;
}

// Lower-case ASCII letters only (keeps UTF-8 bytes as they are).
std::string AsciiLower(std::string_view s) { return ToLower(s); }

const std::set<std::string>& DangerousExtensions() {
  static const std::set<std::string> s = {
      "exe",  "scr",  "pif",         "com",    "bat", "cmd", "cpl", "msi", "msp", "mst",
      "hta",  "js",   "jse",         "vbs",    "vbe", "wsf", "wsh", "wsc", "ps1", "psm1",
      "psd1", "jar",  "lnk",         "reg",    "scf", "dll", "iso", "img", "vhd", "vhdx",
      "appx", "msix", "application", "gadget", "chm", "inf", "sct", "xll", "url"};
  return s;
}

const std::set<std::string>& DocumentExtensions() {
  static const std::set<std::string> s = {
      "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt",  "rtf", "csv",  "odt",
      "ods", "jpg", "jpeg", "png", "gif",  "bmp", "tif",  "tiff", "htm", "html", "zip",
      "rar", "7z",  "mp3",  "mp4", "wav",  "avi", "mov",  "eml",  "msg", "xml",  "json"};
  return s;
}

const std::set<std::string>& ExecutableTypes() {
  static const std::set<std::string> s = {"application/x-msdownload",
                                          "application/x-msdos-program",
                                          "application/x-dosexec",
                                          "application/x-executable",
                                          "application/hta",
                                          "application/x-ms-shortcut",
                                          "application/java-archive",
                                          "application/x-ms-installer",
                                          "application/x-msi",
                                          "application/vnd.microsoft.portable-executable",
                                          "application/x-ms-application"};
  return s;
}

bool LooksLikePortableExecutable(std::string_view data) {
  if (data.size() < 0x40 || data.substr(0, 2) != "MZ") return false;
  uint32_t pe = static_cast<unsigned char>(data[0x3c]) |
                (static_cast<unsigned char>(data[0x3d]) << 8) |
                (static_cast<unsigned char>(data[0x3e]) << 16) |
                (static_cast<uint32_t>(static_cast<unsigned char>(data[0x3f])) << 24);
  return pe + 4 <= data.size() && data.substr(pe, 4) == std::string_view("PE\0\0", 4);
}

bool LooksLikeElf(std::string_view data) {
  return data.starts_with(
      "\x7f"
      "ELF");
}

// Bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069),
// used to show "invoice<RLO>fdp.exe" as "invoiceexe.pdf".
bool HasBidiControl(std::string_view name) {
  for (size_t i = 0; i + 2 < name.size(); ++i) {
    if (name[i] != '\xE2') continue;
    unsigned char b1 = name[i + 1], b2 = name[i + 2];
    if (b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) return true;
    if (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9) return true;
  }
  return false;
}

std::optional<Finding> CheckAttachment(const mime::Attachment& a) {
  std::string name = AsciiLower(Trim(a.filename));
  json ev = {{"attachment", a.filename}, {"content_type", a.content_type}};
  auto finding = [&](std::string why) {
    return Finding{kCauseMaliciousPatternDetected,
                   "attachment \"" + SanitizeUtf8(a.filename) + "\": " + why, ev};
  };
  if (HasBidiControl(name)) {
    ev["pattern"] = "bidi_override_in_file_name";
    return finding("its name hides its real extension with a right-to-left override");
  }
  // Trailing dots and spaces are dropped by Windows: "a.exe ." runs as a.exe.
  while (!name.empty() && (name.back() == '.' || name.back() == ' ')) name.pop_back();
  size_t dot = name.rfind('.');
  if (dot != std::string::npos) {
    std::string ext = name.substr(dot + 1);
    if (DangerousExtensions().count(ext)) {
      ev["extension"] = ext;
      std::string_view stem = Trim(std::string_view(name).substr(0, dot));
      size_t inner = stem.rfind('.');
      if (inner != std::string_view::npos &&
          DocumentExtensions().count(std::string(stem.substr(inner + 1)))) {
        ev["pattern"] = "double_extension";
        return finding("a double extension disguises a ." + ext + " file as ." +
                       std::string(stem.substr(inner + 1)));
      }
      if (name.find("   .") != std::string::npos) {
        ev["pattern"] = "padded_extension";
        return finding("spaces push its ." + ext + " extension out of sight");
      }
      ev["pattern"] = "executable_attachment";
      return finding("." + ext + " files run code when opened");
    }
  }
  if (ExecutableTypes().count(a.content_type)) {
    ev["pattern"] = "executable_content_type";
    return finding("its content type " + a.content_type + " is a program");
  }
  if (LooksLikePortableExecutable(a.data) || LooksLikeElf(a.data)) {
    ev["pattern"] = "disguised_executable";
    return finding("its content is a program whatever its name says");
  }
  return std::nullopt;
}

// Hazards only an attack needs, found by parsing the HTML as a browser would
// (html/sanitize), so entity-encoded and spaced-out markup is seen too.
std::optional<Finding> CheckHtml(std::string_view raw_html) {
  if (raw_html.empty()) return std::nullopt;
  html::Sanitized parsed = html::Sanitize(raw_html);
  if (parsed.hazards.empty()) return std::nullopt;
  const html::Hazard& h = parsed.hazards.front();
  std::string what;
  switch (h.kind) {
    case html::HazardKind::kScriptElement:
      what = "the HTML body has a script element";
      break;
    case html::HazardKind::kEventHandler:
      what = "the HTML body has an event handler (" + h.where + ")";
      break;
    case html::HazardKind::kScriptUrl:
      what = "the HTML body has a script URL (" + h.where + ")";
      break;
    case html::HazardKind::kPasswordField:
      what = "the HTML body has a field asking for a password (credential phishing)";
      break;
    case html::HazardKind::kUncheckable:
      what = "the HTML body cannot be checked (" + h.snippet + ")";
      break;
  }
  nlohmann::json all = nlohmann::json::array();
  for (const auto& other : parsed.hazards) {
    if (all.size() == 10) break;
    all.push_back({{"pattern", html::HazardName(other.kind)}, {"where", other.where}});
  }
  return Finding{kCauseMaliciousPatternDetected, what,
                 {{"pattern", html::HazardName(h.kind)},
                  {"where", h.where},
                  {"snippet", h.snippet},
                  {"hazards", std::move(all)}}};
}

}  // namespace

std::string OutOfOfficeSubject(std::string_view subject) {
  std::string s = AsciiLower(Trim(subject));
  std::string_view v = s;
  // Brackets and spaces before the phrase: "[Auto-Reply]", "【不在】", "(OOO)".
  for (bool more = true; more;) {
    more = false;
    v = Trim(v);
    for (std::string_view open :
         {"[", "(", "{", "<", "【", "「", "『", "（", "〔", "*", "\xE3\x80\x80"}) {
      if (v.starts_with(open)) {
        v.remove_prefix(open.size());
        more = true;
      }
    }
  }
  for (const auto& p : kOutOfOfficePhrases) {
    if (!v.starts_with(p.text)) continue;
    if (p.strict && !SeparatorAt(v.substr(p.text.size()))) continue;
    // Even a lenient phrase must not run on into an ASCII word ("autoreplyforwarder").
    std::string_view rest = v.substr(p.text.size());
    if (!rest.empty() && std::isalnum(static_cast<unsigned char>(rest[0]))) continue;
    return std::string(p.text);
  }
  return "";
}

std::optional<Finding> DetectAutomated(const mime::Message& m) {
  struct Signal {
    std::string header;
    std::string value;
    bool reply;  // an automatic reply (vs generated/bulk mail)
  };
  std::vector<Signal> signals;
  if (auto v = m.Header("Auto-Submitted")) {
    std::string t = FirstToken(*v);
    if (!t.empty() && t != "no") signals.push_back({"Auto-Submitted", *v, t == "auto-replied"});
  }
  if (auto v = m.Header("Precedence")) {
    std::string t = FirstToken(*v);
    if (t == "bulk" || t == "junk" || t == "list" || t == "auto_reply") {
      signals.push_back({"Precedence", *v, t == "auto_reply"});
    }
  }
  for (std::string_view h :
       {"X-Autoreply", "X-Autorespond", "X-AutoReply-From", "X-Mail-Autoreply"}) {
    if (auto v = m.Header(h)) {
      std::string t = FirstToken(*v);
      if (t != "no" && t != "false" && t != "0") signals.push_back({std::string(h), *v, true});
    }
  }
  if (auto v = m.Header("X-Autogenerated")) {
    signals.push_back({"X-Autogenerated", *v, FirstToken(*v) == "reply"});
  }
  if (auto v = m.Header("X-Auto-Response-Suppress")) {
    std::string t = FirstToken(*v);
    if (!t.empty() && t != "none") signals.push_back({"X-Auto-Response-Suppress", *v, false});
  }

  std::string ooo = OutOfOfficeSubject(m.subject);
  std::string body_phrase;
  bool any_reply =
      std::any_of(signals.begin(), signals.end(), [](const Signal& s) { return s.reply; });
  if (ooo.empty() && any_reply) {
    std::string head = AsciiLower(std::string_view(m.text_body).substr(0, 2000));
    for (auto phrase : kOutOfOfficeBody) {
      if (head.find(phrase) != std::string::npos) {
        body_phrase = std::string(phrase);
        break;
      }
    }
  }
  if (signals.empty() && ooo.empty()) return std::nullopt;

  json headers = json::array();
  for (const auto& s : signals)
    headers.push_back({{"header", s.header}, {"value", SanitizeUtf8(s.value)}});
  json ev = {{"headers", headers}};
  if (!ooo.empty()) {
    ev["subject"] = m.subject;
    ev["out_of_office_phrase"] = ooo;
  }
  if (!body_phrase.empty()) ev["out_of_office_body_phrase"] = body_phrase;

  if (!ooo.empty() || !body_phrase.empty()) {
    std::string why = !ooo.empty()
                          ? "the subject starts with the out-of-office phrase \"" + ooo + "\""
                          : "an automatic reply whose text says \"" + body_phrase + "\"";
    if (!signals.empty())
      why += " (" + signals.front().header + ": " + FirstToken(signals.front().value) + ")";
    return Finding{kCauseAutoVacation, "out-of-office reply: " + why, ev};
  }
  const Signal& s = signals.front();
  return Finding{kCauseAutoMailer,
                 "automated mail: " + s.header + ": " + SanitizeUtf8(Trim(s.value)), ev};
}

std::optional<Finding> DetectDeliveryFailure(const mime::Message& m) {
  json ev = json::object();
  std::string reason;
  if (auto ct = m.Header("Content-Type");
      ct && AsciiLower(*ct).find("report-type=delivery-status") != std::string::npos) {
    ev = {{"header", "Content-Type"}, {"value", SanitizeUtf8(*ct)}};
    reason = "a delivery status report (multipart/report; report-type=delivery-status)";
  } else if (auto as = m.Header("Auto-Submitted");
             as && AsciiLower(*as).find("failure") != std::string::npos) {
    ev = {{"header", "Auto-Submitted"}, {"value", SanitizeUtf8(*as)}};
    reason = "Auto-Submitted: " + SanitizeUtf8(Trim(*as));
  } else {
    std::string subject = AsciiLower(Trim(m.subject));
    static constexpr std::string_view kSubjects[] = {"undeliverable",
                                                     "undelivered mail",
                                                     "delivery status notification",
                                                     "mail delivery failed",
                                                     "returned mail",
                                                     "delivery failure",
                                                     "failure notice",
                                                     "delivery has failed",
                                                     "message not delivered",
                                                     "unzustellbar",
                                                     "non remis",
                                                     "non distribuibile",
                                                     "no se puede entregar",
                                                     "onbestelbaar",
                                                     "配信不能",
                                                     "配信エラー",
                                                     "退信",
                                                     "无法投递"};
    for (auto s : kSubjects) {
      if (subject.starts_with(s)) {
        ev = {{"subject", m.subject}};
        reason = "the subject says it is a delivery failure (\"" + std::string(s) + "\")";
        break;
      }
    }
  }
  if (reason.empty()) return std::nullopt;
  return Finding{kCauseAutoDeliveryFailure,
                 "a delivery failure report that matches none of our messages: " + reason, ev};
}

bool IsNoreplyLocalPart(std::string_view local_part) {
  std::string s;
  for (char c : AsciiLower(local_part.substr(0, local_part.find('+')))) {
    if (c != '-' && c != '_' && c != '.') s += c;
  }
  return ContainsAny(s, {"noreply", "donotreply", "dontreply", "donotrespond"});
}

std::optional<Finding> DetectSystemSender(std::string_view from_email) {
  std::string email = NormalizeEmail(from_email);
  std::string local = AsciiLower(EmailLocalPart(email));
  local = local.substr(0, local.find('+'));
  if (local == "mailer-daemon" || local == "mail-daemon" || local == "mailerdaemon" ||
      local == "postmaster") {
    return Finding{kCauseSystemUser,
                   "sent by a mail system account (" + email + "), not a person",
                   {{"from", email}}};
  }
  if (IsNoreplyLocalPart(local)) {
    return Finding{kCauseFromNoreply,
                   "sent from a no-reply address (" + email + "): nobody reads answers to it",
                   {{"from", email}}};
  }
  return std::nullopt;
}

std::optional<Finding> DetectToNoreply(const std::vector<std::string>& recipients) {
  for (const auto& r : recipients) {
    std::string email = NormalizeEmail(r);
    if (IsNoreplyLocalPart(EmailLocalPart(email))) {
      return Finding{
          kCauseToNoreply, "addressed to our no-reply address " + email, {{"recipient", email}}};
    }
  }
  return std::nullopt;
}

std::optional<Finding> DetectGtube(const mime::Message& m, std::string_view raw) {
  std::string where;
  if (raw.find(kGtube) != std::string_view::npos)
    where = "message";
  else if (m.text_body.find(kGtube) != std::string::npos)
    where = "text body";
  else if (m.html_body.find(kGtube) != std::string::npos)
    where = "HTML body";
  if (where.empty()) return std::nullopt;
  return Finding{kCauseSpam,
                 "the " + where + " contains the GTUBE spam test string",
                 {{"pattern", "gtube"}, {"where", where}}};
}

std::optional<Finding> DetectMaliciousPatterns(const mime::Message& m) {
  for (const auto& a : m.attachments) {
    if (auto f = CheckAttachment(a)) return f;
  }
  return CheckHtml(m.html_body);
}

std::optional<Finding> DetectTooManyRecipients(const mime::Message& m, size_t limit) {
  if (limit == 0) return std::nullopt;
  std::set<std::string> distinct;
  for (const auto* list : {&m.to, &m.cc}) {
    for (const auto& a : *list) {
      std::string e = NormalizeEmail(a.email);
      if (!e.empty()) distinct.insert(std::move(e));
    }
  }
  if (distinct.size() <= limit) return std::nullopt;
  return Finding{kCauseTooManyRecipients,
                 "addressed to " + std::to_string(distinct.size()) +
                     " people in To and Cc (limit " + std::to_string(limit) + ")",
                 {{"recipients", distinct.size()}, {"limit", limit}}};
}

}  // namespace postdesk::intake
