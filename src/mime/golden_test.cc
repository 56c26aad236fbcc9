// Golden corpus: every tests/data/mail/NAME.eml is parsed and compared with
// NAME.expected.json (the fields a ticket or comment is built from). A
// mismatch names the file and the field. tests/data/mail/make_corpus.py
// documents the fields and regenerates the corpus.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/strings.h"
#include "mime/message.h"

namespace postdesk::mime {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path CorpusDir() {
#ifdef POSTDESK_MAIL_CORPUS
  if (fs::is_directory(POSTDESK_MAIL_CORPUS)) return POSTDESK_MAIL_CORPUS;
#endif
  return "tests/data/mail";
}

std::vector<std::string> CorpusNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(CorpusDir(), ec)) {
    if (entry.path().extension() == ".eml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ExpectClean(const std::string& file, const std::string& field, const std::string& value) {
  EXPECT_TRUE(IsValidUtf8(value)) << file << ": " << field << " is not valid UTF-8";
  EXPECT_EQ(value.find('\0'), std::string::npos) << file << ": " << field << " has a NUL byte";
}

std::vector<std::string> Emails(const std::vector<Address>& addresses) {
  std::vector<std::string> out;
  for (const Address& a : addresses) out.push_back(a.email);
  return out;
}

class GoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesExpected) {
  const std::string name = GetParam();
  const std::string file = name + ".eml";
  fs::path expected_path = CorpusDir() / (name + ".expected.json");
  ASSERT_TRUE(fs::exists(expected_path)) << file << ": no " << name << ".expected.json";
  json expected;
  try {
    expected = json::parse(ReadFile(expected_path));
  } catch (const json::exception& e) {
    FAIL() << name << ".expected.json: " << e.what();
  }

  InitMime();
  Message m = Parse(ReadFile(CorpusDir() / file));

  // Invariants that hold for every message.
  ExpectClean(file, "subject", m.subject);
  ExpectClean(file, "text_body", m.text_body);
  ExpectClean(file, "html_body", m.html_body);
  for (const auto& [k, v] : m.headers) ExpectClean(file, "header " + k, v);
  for (const Address& a : m.from) ExpectClean(file, "from", a.name + a.email);
  for (const Attachment& a : m.attachments) ExpectClean(file, "attachment filename", a.filename);

  std::string from_email = m.from.empty() ? "" : m.from[0].email;
  std::string from_name = m.from.empty() ? "" : m.from[0].name;
  if (expected.contains("from_email")) {
    EXPECT_EQ(from_email, expected["from_email"].get<std::string>()) << file << ": from_email";
  }
  if (expected.contains("from_name")) {
    EXPECT_EQ(from_name, expected["from_name"].get<std::string>()) << file << ": from_name";
  }
  if (expected.contains("subject")) {
    EXPECT_EQ(m.subject, expected["subject"].get<std::string>()) << file << ": subject";
  }
  if (expected.contains("message_id")) {
    EXPECT_EQ(m.message_id, expected["message_id"].get<std::string>()) << file << ": message_id";
  }
  if (expected.contains("in_reply_to")) {
    EXPECT_EQ(m.in_reply_to, expected["in_reply_to"].get<std::vector<std::string>>())
        << file << ": in_reply_to";
  }
  if (expected.contains("references")) {
    EXPECT_EQ(m.references, expected["references"].get<std::vector<std::string>>())
        << file << ": references";
  }
  if (expected.contains("to")) {
    EXPECT_EQ(Emails(m.to), expected["to"].get<std::vector<std::string>>()) << file << ": to";
  }
  if (expected.contains("cc")) {
    EXPECT_EQ(Emails(m.cc), expected["cc"].get<std::vector<std::string>>()) << file << ": cc";
  }
  for (const std::string& s : expected.value("text_contains", std::vector<std::string>{})) {
    EXPECT_NE(m.text_body.find(s), std::string::npos)
        << file << ": text_contains \"" << s << "\"\n--- text_body ---\n"
        << m.text_body.substr(0, 2000);
  }
  for (const std::string& s : expected.value("text_not_contains", std::vector<std::string>{})) {
    EXPECT_EQ(m.text_body.find(s), std::string::npos)
        << file << ": text_not_contains \"" << s << "\"";
  }
  if (expected.contains("html")) {
    EXPECT_EQ(!m.html_body.empty(), expected["html"].get<bool>()) << file << ": html";
  }
  if (expected.contains("attachments")) {
    const json& want = expected["attachments"];
    ASSERT_EQ(m.attachments.size(), want.size()) << file << ": attachments (count)";
    for (size_t i = 0; i < want.size(); ++i) {
      const Attachment& got = m.attachments[i];
      std::string where = file + ": attachments[" + std::to_string(i) + "].";
      EXPECT_EQ(got.filename, want[i]["filename"].get<std::string>()) << where << "filename";
      EXPECT_EQ(got.content_type, want[i]["content_type"].get<std::string>())
          << where << "content_type";
      EXPECT_EQ(got.is_inline, want[i]["inline"].get<bool>()) << where << "inline";
      if (want[i].contains("content_id")) {
        EXPECT_EQ(got.content_id, want[i]["content_id"].get<std::string>()) << where << "content_id";
      }
    }
  }
  for (const std::string& s : expected.value("defects_contain", std::vector<std::string>{})) {
    bool found = std::any_of(m.defects.begin(), m.defects.end(),
                             [&](const std::string& d) { return d.find(s) != std::string::npos; });
    std::string all;
    for (const std::string& d : m.defects) all += "\n  " + d;
    EXPECT_TRUE(found) << file << ": defects_contain \"" << s << "\"; defects:" << all;
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, GoldenTest, testing::ValuesIn(CorpusNames()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST(GoldenCorpus, IsCompleteAndLargeEnough) {
  std::vector<std::string> names = CorpusNames();
  EXPECT_GE(names.size(), 32u) << "corpus in " << CorpusDir() << " is too small";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(CorpusDir(), ec)) {
    std::string fname = entry.path().filename().string();
    const std::string suffix = ".expected.json";
    if (fname.size() > suffix.size() &&
        fname.compare(fname.size() - suffix.size(), suffix.size(), suffix) == 0) {
      std::string stem = fname.substr(0, fname.size() - suffix.size());
      EXPECT_TRUE(fs::exists(CorpusDir() / (stem + ".eml"))) << fname << " has no .eml";
    }
  }
}

}  // namespace
}  // namespace postdesk::mime
