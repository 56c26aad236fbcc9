#include "mime/charset.h"

#include <errno.h>
#include <iconv.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_set>
#include <vector>

#include "common/strings.h"

namespace postdesk::mime::internal {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
// Detection looks at this much of the input; the choice is then applied to all.
constexpr size_t kDetectSample = 256 * 1024;

// ---------------------------------------------------------------------------
// iconv with a per-thread descriptor cache.

class IconvCache {
 public:
  ~IconvCache() {
    for (auto& [name, cd] : cds_) {
      if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
    }
  }
  // Returns (iconv_t)-1 when glibc does not know `from`.
  iconv_t Get(const std::string& from) {
    auto it = cds_.find(from);
    if (it == cds_.end()) {
      it = cds_.emplace(from, iconv_open("UTF-8", from.c_str())).first;
    }
    if (it->second != reinterpret_cast<iconv_t>(-1)) {
      iconv(it->second, nullptr, nullptr, nullptr, nullptr);  // reset shift state
    }
    return it->second;
  }

 private:
  std::map<std::string, iconv_t> cds_;
};

iconv_t CachedIconv(const std::string& from) {
  thread_local IconvCache cache;
  return cache.Get(from);
}

enum class Mode { kStrict, kLossy, kSample };

// Converts `in` from `from` to UTF-8. kStrict fails on any invalid or
// incomplete sequence; kSample is strict except that an incomplete sequence at
// the very end (a cut sample) is accepted; kLossy replaces each bad byte with
// U+FFFD. Returns false when strict conversion fails or iconv lacks `from`.
bool IconvConvert(const std::string& from, std::string_view in, Mode mode, std::string* out,
                  bool* lossy) {
  iconv_t cd = CachedIconv(from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  out->clear();
  char* inp = const_cast<char*>(in.data());
  size_t inleft = in.size();
  std::vector<char> buf(std::max<size_t>(4096, in.size() * 2 + 16));
  while (true) {
    char* outp = buf.data();
    size_t outleft = buf.size();
    size_t rc = inleft > 0 ? iconv(cd, &inp, &inleft, &outp, &outleft)
                           : iconv(cd, nullptr, nullptr, &outp, &outleft);
    int err = errno;
    out->append(buf.data(), outp - buf.data());
    if (rc != static_cast<size_t>(-1)) {
      if (inleft == 0) {
        // Flush any pending shift state (stateful encodings).
        outp = buf.data();
        outleft = buf.size();
        iconv(cd, nullptr, nullptr, &outp, &outleft);
        out->append(buf.data(), outp - buf.data());
        return true;
      }
      continue;
    }
    if (err == E2BIG) continue;
    if (err == EINVAL && mode == Mode::kSample) return true;
    if (mode != Mode::kLossy) return false;
    // EILSEQ or EINVAL: replace one byte and go on.
    out->append(kReplacement);
    *lossy = true;
    ++inp;
    --inleft;
    if (inleft == 0) return true;
  }
}

// windows-1252 is decoded by hand: glibc refuses its five unassigned bytes,
// and WHATWG (what browsers do) maps them to C1 controls.
std::string DecodeWindows1252(std::string_view in) {
  static constexpr char16_t kHigh[32] = {
      0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  std::string out;
  out.reserve(in.size() + in.size() / 2);
  for (unsigned char c : in) {
    char32_t cp = c;
    if (c >= 0x80 && c < 0xA0) cp = kHigh[c - 0x80];
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Charset names.

enum class Kind { kUnknown, kAscii, kUtf8, kSingleByte, kMultiByte, kOther };

struct Canonical {
  std::string name;  // canonical name; empty for unknown
  Kind kind = Kind::kUnknown;
};

Canonical Canonicalize(std::string_view declared) {
  std::string s = ToLower(Trim(declared));
  // Strip quotes and an RFC 2231 language suffix ("utf-8*en").
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  s.erase(std::remove(s.begin(), s.end(), '\''), s.end());
  if (auto star = s.find('*'); star != std::string::npos) s.resize(star);
  s = std::string(Trim(s));
  if (s.empty()) return {};
  if (s.size() > 64) return {};
  auto one_of = [&](std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), s) != names.end();
  };
  if (one_of({"utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8", "unicode-2-0-utf-8"})) {
    return {"UTF-8", Kind::kUtf8};
  }
  if (one_of({"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "iso-ir-6", "cp367",
              "ibm367", "csascii", "ascii-us", "7bit", "8bit", "default", "unknown",
              "unknown-8bit", "x-unknown", "none", "charset"})) {
    return {"US-ASCII", Kind::kAscii};
  }
  if (one_of({"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819",
              "ibm819", "iso-ir-100", "csisolatin1", "windows-1252", "cp1252", "x-cp1252",
              "iso_8859-1:1987", "iso-8859-15", "iso8859-15", "latin-9", "latin9"})) {
    // ISO-8859-15 differs from 1252 in 8 rarely used positions; the euro sign
    // is the one that matters and 1252 has it too (at 0x80).
    if (s.find("15") != std::string::npos || s == "latin9" || s == "latin-9") {
      return {"ISO-8859-15", Kind::kSingleByte};
    }
    return {"WINDOWS-1252", Kind::kSingleByte};
  }
  if (one_of({"shift_jis", "shift-jis", "sjis", "x-sjis", "s-jis", "ms_kanji", "csshiftjis",
              "windows-31j", "cp932", "ms932", "x-ms-cp932", "shift_jisx0213", "ibm-943"})) {
    return {"CP932", Kind::kMultiByte};
  }
  if (one_of({"euc-jp", "eucjp", "x-euc-jp", "euc_jp", "cseucpkdfmtjapanese", "ujis", "x-euc",
              "euc-jp-ms", "eucjp-ms", "euc-jisx0213"})) {
    return {"EUC-JP", Kind::kMultiByte};
  }
  if (s.rfind("iso-2022-jp", 0) == 0 || s == "csiso2022jp" || s == "jis" || s == "cp50220" ||
      s == "cp50221" || s == "cp50222" || s == "iso2022jp") {
    return {"ISO-2022-JP", Kind::kMultiByte};
  }
  if (one_of({"gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn", "x-euc-cn", "csgb2312",
              "gb_2312-80", "gb_2312", "chinese", "ms936", "windows-936", "gb-2312", "gb"})) {
    return {"GB18030", Kind::kMultiByte};
  }
  if (one_of({"big5", "big-5", "big5-hkscs", "big5hkscs", "cn-big5", "x-x-big5", "csbig5",
              "cp950", "x-big5", "ms950"})) {
    return {"BIG5", Kind::kMultiByte};
  }
  if (one_of({"euc-kr", "euckr", "ks_c_5601-1987", "ks_c_5601", "ks_c_5601-1989", "korean",
              "cp949", "uhc", "x-windows-949", "ks_c_5601_1987", "csksc56011987", "ms949",
              "x-uhc", "iso-ir-149", "cseuckr"})) {
    return {"CP949", Kind::kMultiByte};
  }
  if (s == "iso-2022-kr" || s == "csiso2022kr") return {"ISO-2022-KR", Kind::kMultiByte};
  if (s == "koi8-r" || s == "koi8r" || s == "cskoi8r" || s == "koi8") {
    return {"KOI8-R", Kind::kSingleByte};
  }
  if (s == "koi8-u" || s == "koi8u" || s == "koi8-ru") return {"KOI8-U", Kind::kSingleByte};
  // windows-125N / cp125N / x-cp125N.
  for (std::string_view prefix : {"windows-", "cp", "x-cp", "win-", "ms-"}) {
    if (s.rfind(prefix, 0) == 0) {
      std::string_view rest = std::string_view(s).substr(prefix.size());
      if (rest.size() == 4 && rest.substr(0, 3) == "125" && rest[3] >= '0' && rest[3] <= '8') {
        return {"CP" + std::string(rest), Kind::kSingleByte};
      }
    }
  }
  // iso-8859-N in its spellings.
  for (std::string_view prefix : {"iso-8859-", "iso8859-", "iso_8859-", "iso8859_", "iso-8859_"}) {
    if (s.rfind(prefix, 0) == 0) {
      std::string_view rest = std::string_view(s).substr(prefix.size());
      if (auto colon = rest.find(':'); colon != std::string_view::npos) rest = rest.substr(0, colon);
      if (!rest.empty() && rest.size() <= 2 &&
          std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return {"ISO-8859-" + std::string(rest), Kind::kSingleByte};
      }
    }
  }
  if (s == "latin2" || s == "l2") return {"ISO-8859-2", Kind::kSingleByte};
  if (s == "tis-620" || s == "windows-874" || s == "cp874") return {"CP874", Kind::kSingleByte};
  // Anything else glibc knows (UTF-16, UTF-7, IBM code pages, ...).
  bool safe = std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
           c == ':';
  });
  if (!safe) return {};
  std::string upper = s;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (CachedIconv(upper) == reinterpret_cast<iconv_t>(-1)) return {};
  return {upper, Kind::kOther};
}

// The iconv names tried (strictly, in order) for a canonical charset; the
// first one is used for lossy conversion.
std::vector<std::string> IconvNames(const std::string& canonical) {
  if (canonical == "ISO-2022-JP") return {"ISO-2022-JP-2", "ISO-2022-JP-3"};
  if (canonical == "EUC-JP") return {"EUC-JP", "EUC-JP-MS"};
  if (canonical == "BIG5") return {"CP950", "BIG5-HKSCS"};
  if (canonical == "US-ASCII") return {"WINDOWS-1252"};
  return {canonical};
}

bool HasNonAscii(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

bool HasIso2022JpEscape(std::string_view s) {
  for (std::string_view esc : {"\x1b$B", "\x1b$@", "\x1b(J", "\x1b(I", "\x1b$(D", "\x1b$(Q",
                               "\x1b$(O"}) {
    if (s.find(esc) != std::string_view::npos) return true;
  }
  return false;
}

// Converts with one canonical charset. Returns false in strict/sample modes
// when no iconv name for it decodes cleanly.
bool ConvertCanonical(const std::string& canonical, std::string_view in, Mode mode, std::string* out,
                      bool* lossy) {
  if (canonical == "UTF-8") {
    if (IsValidUtf8(in)) {
      *out = std::string(in);
      return true;
    }
    if (mode == Mode::kSample) {
      // Accept a multi-byte character cut by the sample boundary.
      for (size_t cut = 1; cut <= 3 && cut < in.size(); ++cut) {
        if (IsValidUtf8(in.substr(0, in.size() - cut))) {
          *out = std::string(in.substr(0, in.size() - cut));
          return true;
        }
      }
    }
    if (mode != Mode::kLossy) return false;
    *out = SanitizeUtf8(in);
    *lossy = true;
    return true;
  }
  if (canonical == "WINDOWS-1252" || canonical == "US-ASCII") {
    *out = DecodeWindows1252(in);
    return true;
  }
  std::vector<std::string> names = IconvNames(canonical);
  for (const std::string& name : names) {
    bool unused = false;
    if (IconvConvert(name, in, mode == Mode::kLossy ? Mode::kStrict : mode, out, &unused)) {
      return true;
    }
  }
  if (mode != Mode::kLossy) return false;
  if (IconvConvert(names.front(), in, Mode::kLossy, out, lossy)) return true;
  // iconv does not know the charset at all.
  *out = DecodeWindows1252(in);
  *lossy = true;
  return true;
}

// ---------------------------------------------------------------------------
// Plausibility scoring.

// Frequent characters of written Chinese (simplified and traditional),
// Japanese kanji and Korean hangul. A correct decoding hits these often; a
// decoding in the wrong CJK charset yields mostly rare characters.
constexpr std::string_view kCommonCjk =
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之"
    "年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理"
    "心她本前开但因只从想实日问题请您谢感客户服务信息系统邮件回复附件订单产品公司时间已经可以需"
    "要联系谢谢收到发送账号密码登录使用支持帮助处理网站手机電話這個們來為國說時會對於過發後裡種經"
    "麼學現動還進樣開從實請謝問題謝謝訊息系統郵件回覆附件訂單產品公司時間已經聯繫帳號密碼登錄使用"
    "支援幫助處理網站手機月日本語私何今見言思行入出先生気社員会議場合連絡確認件名内容添付資料送信"
    "受信問合返信願申訳御担当者様方新旧明後届変更対応予定以上以下最近中止開始終了完了注文商品価格"
    "金額支払発送配達住所電話番号名前情報登録利用規約検討提案報告書類";

constexpr std::string_view kCommonHangul =
    "이다는의에하고을를가지서로한니습기나있사도리자대것수내어요들시일인게해정보아제주안부전면합"
    "감드립까세우문의확인경결과처방법메일번호고객님희께서니다했습니까요청변경주문상품배송결제회원"
    "계정비밀관련내용첨부파일답변감사드리겠안녕하세요오늘지금시간다음부탁";

struct CommonSets {
  std::unordered_set<char32_t> cjk, hangul;
};

char32_t NextCodePoint(std::string_view s, size_t* i) {
  unsigned char c = s[*i];
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (*i + len > s.size()) len = 1;
  char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  *i += len;
  return cp;
}

const CommonSets& Common() {
  static const CommonSets* sets = [] {
    auto* s = new CommonSets;
    for (size_t i = 0; i < kCommonCjk.size();) s->cjk.insert(NextCodePoint(kCommonCjk, &i));
    for (size_t i = 0; i < kCommonHangul.size();) {
      s->hangul.insert(NextCodePoint(kCommonHangul, &i));
    }
    return s;
  }();
  return *sets;
}

bool IsCyrillicLetter(char32_t cp) { return (cp >= 0x410 && cp <= 0x44F) || cp == 0x401 || cp == 0x451; }
bool IsAsciiLetter(char32_t cp) { return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'); }
bool IsCyrillicLower(char32_t cp) { return (cp >= 0x430 && cp <= 0x44F) || cp == 0x451; }

bool MostlyHighBytes(std::string_view s) {
  s = s.substr(0, kDetectSample);
  size_t high = std::count_if(s.begin(), s.end(),
                              [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  return high * 10 > s.size() * 3;
}

bool IsCjk(std::string_view canonical) {
  return canonical == "CP932" || canonical == "EUC-JP" || canonical == "ISO-2022-JP" ||
         canonical == "GB18030" || canonical == "BIG5" || canonical == "CP949";
}

}  // namespace

double PlausibilityScore(std::string_view utf8) {
  const CommonSets& common = Common();
  double score = 0;
  char32_t prev = ' ';
  for (size_t i = 0; i < utf8.size();) {
    char32_t cp = NextCodePoint(utf8, &i);
    double s = 0;
    if (cp < 0x80) {
      if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') s = -3;
      if (cp == 0x7F) s = -3;
      if (IsAsciiLetter(cp) && IsCyrillicLetter(prev)) s = -1;
    } else if (cp < 0xA0) {
      s = -3;  // C1 controls: the mark of a wrong single-byte guess
    } else if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7) {
      s = 0;
    } else if (cp < 0x100) {
      s = 0.4;
    } else if (cp < 0x180) {
      s = 0.2;
    } else if (cp >= 0x400 && cp <= 0x4FF) {
      if (!IsCyrillicLetter(cp)) {
        s = -0.5;
      } else if (IsAsciiLetter(prev)) {
        s = -1;  // a word mixing Latin and Cyrillic: a wrong guess
      } else if (IsCyrillicLower(cp)) {
        s = IsCyrillicLetter(prev) ? 1.0 : 0.3;
      } else {
        s = IsCyrillicLetter(prev) ? 0.1 : 0.5;
      }
    } else if (cp >= 0x2500 && cp <= 0x259F) {
      s = -1;  // box drawing: KOI8 read as something else, or vice versa
    } else if (cp >= 0x3000 && cp <= 0x303F) {
      s = 1;
    } else if (cp >= 0x3041 && cp <= 0x3096) {
      s = 2;
    } else if ((cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FC) {
      s = 1.5;
    } else if (cp >= 0x3130 && cp <= 0x318F) {
      s = -0.5;
    } else if (cp >= 0x3400 && cp <= 0x4DBF) {
      s = -1;
    } else if (cp >= 0x4E00 && cp <= 0x9FFF) {
      s = common.cjk.count(cp) ? 2.5 : 0.3;
    } else if (cp >= 0xAC00 && cp <= 0xD7A3) {
      s = common.hangul.count(cp) ? 2.5 : 0.3;
    } else if (cp >= 0xE000 && cp <= 0xF8FF) {
      s = -3;
    } else if (cp >= 0xF900 && cp <= 0xFAFF) {
      s = -1;
    } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
      s = 0.5;
    } else if (cp >= 0xFF61 && cp <= 0xFF9F) {
      s = -0.5;
    } else if (cp == 0xFFFD) {
      s = -6;
    } else if (cp >= 0x20000) {
      s = -1.5;
    }
    score += s;
    prev = cp;
  }
  return score;
}

std::string DetectCharset(std::string_view bytes) {
  std::string_view sample = bytes.substr(0, kDetectSample);
  bool has_esc = sample.find('\x1b') != std::string_view::npos;
  if (!HasNonAscii(sample) && !has_esc) return "US-ASCII";
  std::string out;
  bool lossy = false;
  // ISO-2022 is 7-bit, hence also valid UTF-8: its escapes decide first.
  if (has_esc && HasIso2022JpEscape(sample) &&
      ConvertCanonical("ISO-2022-JP", sample, Mode::kSample, &out, &lossy)) {
    return "ISO-2022-JP";
  }
  if (has_esc && sample.find("\x1b$)C") != std::string_view::npos &&
      ConvertCanonical("ISO-2022-KR", sample, Mode::kSample, &out, &lossy)) {
    return "ISO-2022-KR";
  }
  if (ConvertCanonical("UTF-8", sample, Mode::kSample, &out, &lossy)) return "UTF-8";
  // Candidates decoded strictly; ties go to the earlier one.
  static const char* const kCandidates[] = {"CP932",  "EUC-JP",       "GB18030",
                                            "BIG5",   "CP949",        "WINDOWS-1251",
                                            "KOI8-R", "WINDOWS-1252"};
  std::string best = "WINDOWS-1252";
  double best_score = -1e300;
  for (const char* candidate : kCandidates) {
    if (!ConvertCanonical(candidate, sample, Mode::kSample, &out, &lossy)) continue;
    double score = PlausibilityScore(out);
    if (score > best_score) {
      best_score = score;
      best = candidate;
    }
  }
  // Mostly-UTF-8 text with a few broken bytes beats a clean mis-decoding.
  lossy = false;
  ConvertCanonical("UTF-8", sample, Mode::kLossy, &out, &lossy);
  if (PlausibilityScore(out) > best_score) best = "UTF-8";
  return best;
}

bool DecodesCleanly(std::string_view bytes, std::string_view charset) {
  Canonical c = Canonicalize(charset);
  if (c.kind == Kind::kUnknown) return false;
  if (c.kind == Kind::kAscii) return !HasNonAscii(bytes);
  std::string out;
  bool lossy = false;
  return ConvertCanonical(c.name, bytes, Mode::kStrict, &out, &lossy);
}

Decoded Decode(std::string_view bytes, std::string_view declared) {
  Decoded result;
  Canonical c = Canonicalize(declared);
  bool utf16ish = c.kind == Kind::kOther && (c.name.rfind("UTF-16", 0) == 0 ||
                                            c.name.rfind("UTF-32", 0) == 0 ||
                                            c.name.rfind("UCS-", 0) == 0);
  // Fast path: plain ASCII is the same in every charset we accept.
  if (!utf16ish && !HasNonAscii(bytes) && bytes.find('\x1b') == std::string_view::npos &&
      c.kind != Kind::kOther) {
    result.text = SanitizeUtf8(bytes);
    result.charset = c.kind == Kind::kUnknown ? "US-ASCII" : c.name;
    return result;
  }
  std::string out;
  bool lossy = false;
  switch (c.kind) {
    case Kind::kUtf8:
      if (IsValidUtf8(bytes)) {
        result.text = SanitizeUtf8(bytes);
        result.charset = "UTF-8";
        return result;
      }
      break;
    case Kind::kSingleByte:
      // Declared Latin/Cyrillic but the bytes are valid UTF-8 with multi-byte
      // sequences: a mislabelled UTF-8 message (the common case by far).
      if (IsValidUtf8(bytes)) {
        result.text = SanitizeUtf8(bytes);
        result.charset = "UTF-8";
        result.declared_used = false;
        return result;
      }
      if (ConvertCanonical(c.name, bytes, Mode::kStrict, &out, &lossy)) {
        // Every byte string decodes in a single-byte charset, so a wrong
        // label never fails. Text that is mostly high bytes may really be
        // CJK: take that only when it decodes cleanly and reads far better.
        std::string cjk = MostlyHighBytes(bytes) ? DetectCharset(bytes) : "";
        if (IsCjk(cjk)) {
          std::string alt;
          bool alt_lossy = false;
          std::string_view sample = bytes.substr(0, kDetectSample);
          if (ConvertCanonical(cjk, sample, Mode::kSample, &alt, &alt_lossy) &&
              PlausibilityScore(alt) >
                  2 * std::max(0.0, PlausibilityScore(out.substr(0, kDetectSample))) + 10) {
            ConvertCanonical(cjk, bytes, Mode::kLossy, &out, &lossy);
            result.text = SanitizeUtf8(out);
            result.charset = cjk;
            result.declared_used = false;
            result.lossy = lossy;
            return result;
          }
        }
        result.text = SanitizeUtf8(out);
        result.charset = c.name;
        return result;
      }
      break;
    case Kind::kMultiByte:
    case Kind::kOther:
      if (ConvertCanonical(c.name, bytes, Mode::kStrict, &out, &lossy)) {
        // A CJK declaration that decodes cleanly into implausible text (all
        // private-use or half-width kana) is probably wrong.
        if (c.kind == Kind::kOther || PlausibilityScore(out.substr(0, kDetectSample)) >= 0) {
          result.text = SanitizeUtf8(out);
          result.charset = c.name;
          return result;
        }
      }
      break;
    case Kind::kAscii:
    case Kind::kUnknown:
      break;
  }
  // The declaration is missing, unknown, or does not fit the bytes.
  std::string detected = DetectCharset(bytes);
  // When detection finds nothing better than the fallback, a declared
  // multi-byte charset converted lossily keeps more of the text.
  if (detected == "WINDOWS-1252" && (c.kind == Kind::kMultiByte || c.kind == Kind::kOther)) {
    detected = c.name;
  }
  lossy = false;
  ConvertCanonical(detected, bytes, Mode::kLossy, &out, &lossy);
  result.text = SanitizeUtf8(out);
  result.charset = detected;
  result.declared_used = detected == c.name;
  result.lossy = lossy;
  return result;
}

}  // namespace postdesk::mime::internal
