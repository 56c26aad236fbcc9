#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "spam/filter.h"
#include "spam/model.h"
#include "spam/tokenizer.h"

namespace postdesk::spam {
namespace {

class SpamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mime::InitMime(); }
};

std::string Mail(const std::string& from, const std::string& subject, const std::string& body,
                 const std::string& extra_headers = "") {
  return "From: " + from + "\r\nTo: support@desk.example\r\nSubject: " + subject +
         "\r\nMessage-ID: <" + std::to_string(std::hash<std::string>{}(subject + body)) +
         "@mail.example.org>\r\n" + extra_headers + "\r\n" + body + "\r\n";
}

Tokens TokensOf(const std::string& raw) { return Tokenize(mime::Parse(raw)); }

// ---------------------------------------------------------------- tokenizer

TEST_F(SpamTest, BodyWordsAreLowerCasedAndNumbersBucketed) {
  Tokens t = TokensOf(Mail("a@b.example", "x", "Get RICH now: $1,000,000 in 2002! Don't wait"));
  EXPECT_TRUE(t.Contains("get"));
  EXPECT_TRUE(t.Contains("rich"));
  EXPECT_TRUE(t.Contains("$num:7"));
  EXPECT_TRUE(t.Contains("num:4"));
  EXPECT_TRUE(t.Contains("don't"));
  EXPECT_TRUE(t.Contains("!"));
  EXPECT_FALSE(t.Contains("RICH"));
  EXPECT_FALSE(t.Contains("2002"));
}

TEST_F(SpamTest, LongWordsBecomeALengthClass) {
  Tokens t = TokensOf(Mail("a@b.example", "x", "short " + std::string(63, 'q') + " end"));
  EXPECT_TRUE(t.Contains("long:60"));
  EXPECT_TRUE(t.Contains("short"));
  for (const auto& s : t.Texts()) EXPECT_LE(s.size(), 60u) << s;
}

TEST_F(SpamTest, JapaneseIsSplitIntoBigrams) {
  Tokens t;
  TokenizeText("本日は不在です", "", {}, t);
  EXPECT_EQ(t.Texts(), (std::vector<std::string>{"本日", "日は", "は不", "不在", "在で", "です"}));
  Tokens one;
  TokenizeText("不在", "", {}, one);
  EXPECT_EQ(one.Texts(), (std::vector<std::string>{"不在"}));
}

TEST_F(SpamTest, MixedJapaneseAndEnglish) {
  Tokens t;
  TokenizeText("明日の meeting は Tokyo で。Ｆｕｌｌwidth 10時", "", {}, t);
  std::vector<std::string> want = {"明日", "日の",      "meeting", "は", "tokyo",
                                   "で",   "fullwidth", "num:2",   "時"};
  EXPECT_EQ(t.Texts(), want);
}

TEST_F(SpamTest, HangulAndChineseToo) {
  Tokens t;
  TokenizeText("안녕하세요 免费发票", "", {}, t);
  EXPECT_TRUE(t.Contains("안녕"));
  EXPECT_TRUE(t.Contains("세요"));
  EXPECT_TRUE(t.Contains("免费"));
  EXPECT_TRUE(t.Contains("发票"));
}

TEST_F(SpamTest, Iso2022JpSubjectAndBody) {
  std::string raw =
      "From: =?ISO-2022-JP?B?GyRCSVQ6XyROJCpDTiRpJDsbKEI=?= <tanaka@example.co.jp>\r\n"
      "To: support@desk.example\r\n"
      "Subject: =?ISO-2022-JP?B?GyRCSVQ6XyROJCpDTiRpJDsbKEI=?=\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
      "Content-Transfer-Encoding: 7bit\r\n\r\n"
      "\x1b$BK\\F|$OIT:_$G$9!#L@F|\x1b(B 10\x1b$B;~\x1b(B meeting at Tokyo\r\n";
  Tokens t = TokensOf(raw);
  EXPECT_TRUE(t.Contains("subject:不在")) << ::testing::PrintToString(t.Texts());
  EXPECT_TRUE(t.Contains("subject:知ら"));
  EXPECT_TRUE(t.Contains("不在"));
  EXPECT_TRUE(t.Contains("meeting"));
  EXPECT_TRUE(t.Contains("from:name:不在"));
  EXPECT_TRUE(t.Contains("from:domain:example.co.jp"));
  EXPECT_TRUE(t.Contains("body:text"));
}

TEST_F(SpamTest, UrlHostsFromTextAndHtml) {
  EXPECT_EQ(UrlHosts("see http://WWW.Example.co.uk/path?q=1, https://user@foo.bar.com:8080/x "
                     "and www.plain.example.net. and http://10.1.2.3/ and hxxp://no.example"),
            (std::vector<std::string>{"www.example.co.uk", "foo.bar.com", "www.plain.example.net",
                                      "10.1.2.3"}));
  EXPECT_TRUE(UrlHosts("http://%77%77%77.example.com/").empty());  // obfuscated: no host
  std::string raw =
      "From: a@b.example\r\nSubject: deal\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/html; charset=utf-8\r\n\r\n"
      "<html><body><p>Hello <a href=\"http://click.tracker.com/r?id=1\">here</a>"
      "<img src=\"https://images.cdn-host.org/a.gif\"></p></body></html>\r\n";
  Tokens t = TokensOf(raw);
  EXPECT_TRUE(t.Contains("url:click.tracker.com"));
  EXPECT_TRUE(t.Contains("url:tracker.com"));
  EXPECT_TRUE(t.Contains("url:images.cdn-host.org"));
  EXPECT_TRUE(t.Contains("url:cdn-host.org"));
  EXPECT_TRUE(t.Contains("hello"));
  EXPECT_TRUE(t.Contains("body:html"));
  EXPECT_EQ(RegisteredDomain("a.b.example.co.uk"), "example.co.uk");
}

TEST_F(SpamTest, HeaderTokensCarryTheirFieldName) {
  std::string raw =
      Mail("\"Best Deals\" <Offers@Mailer.Deals.Example.com>", "FREE money inside", "hi",
           "Reply-To: collect@other.example.net\r\n"
           "X-Mailer: Mass Mailer 5.1\r\n"
           "Received: from relay.sender.example.org ([192.0.2.77]) by mx.desk.example\r\n"
           "X-Spam-Status: No, score=-5\r\n"
           "Status: RO\r\n");
  Tokens t = TokensOf(raw);
  EXPECT_TRUE(t.Contains("from:addr:offers@mailer.deals.example.com"));
  EXPECT_TRUE(t.Contains("from:domain:example.com"));
  EXPECT_TRUE(t.Contains("from:name:best"));
  EXPECT_TRUE(t.Contains("from:name:deals"));
  EXPECT_TRUE(t.Contains("subject:free"));
  EXPECT_TRUE(t.Contains("subject:money"));
  EXPECT_TRUE(t.Contains("to:addr:support@desk.example"));
  EXPECT_TRUE(t.Contains("to:count:1"));
  EXPECT_TRUE(t.Contains("reply-to:domain:example.net"));
  EXPECT_TRUE(t.Contains("reply-to:other-domain"));
  EXPECT_TRUE(t.Contains("x-mailer:mass"));
  EXPECT_TRUE(t.Contains("header:x-mailer"));
  EXPECT_TRUE(t.Contains("received:example.org"));
  EXPECT_TRUE(t.Contains("received:ip:192.0.2"));
  EXPECT_TRUE(t.Contains("message-id:example.org"));
  // The message's own spam claims and mailbox flags say nothing.
  EXPECT_FALSE(t.Contains("header:x-spam-status"));
  EXPECT_FALSE(t.Contains("header:status"));
  for (const auto& s : t.Texts()) EXPECT_EQ(s.find("score"), std::string::npos) << s;
}

TEST_F(SpamTest, MimeStructureTokens) {
  Tokens t = TokensOf(
      "From: a@b.example\r\nSubject: x\r\n"
      "Content-Type: multipart/alternative; boundary=alt\r\n\r\n"
      "--alt\r\nContent-Type: text/plain; charset=Windows-1252\r\n\r\nhi\r\n"
      "--alt\r\nContent-Type: text/html; charset=us-ascii\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nPGI+aGk8L2I+\r\n"
      "--alt--\r\n");
  EXPECT_TRUE(t.Contains("part:multipart/alternative;-"));
  EXPECT_TRUE(t.Contains("part:text/plain;windows-1252"));
  EXPECT_TRUE(t.Contains("part:cte:text/plain;-"));
  EXPECT_TRUE(t.Contains("part:text/html;us-ascii"));
  EXPECT_TRUE(t.Contains("part:cte:text/html;base64"));
  EXPECT_TRUE(t.Contains("parts:multipart/alternative/text/plain/text/html"));
}

TEST_F(SpamTest, XMailerShapeAndSubjectTypography) {
  Tokens t = TokensOf(Mail("a@b.example", "FREE Money for YOU!!! $$", "hi",
                           "X-Mailer: Microsoft Outlook Express 6.00.2600.0000\r\n"));
  EXPECT_TRUE(t.Contains("x-mailer:shape:A A A 9.9.9.9"));
  EXPECT_TRUE(t.Contains("subject:caps:FREE"));
  EXPECT_TRUE(t.Contains("subject:caps:YOU"));
  EXPECT_FALSE(t.Contains("subject:caps:Money"));
  EXPECT_TRUE(t.Contains("subject:caps-words:some"));
  EXPECT_TRUE(t.Contains("subject:run:!!!"));
  EXPECT_TRUE(t.Contains("subject:run:$$"));
  EXPECT_FALSE(t.Contains("subject:run:??"));

  Tokens plain = TokensOf(Mail("a@b.example", "Re: meeting at 10 on Tuesday?", "hi",
                               "User-Agent: Mutt/1.4i\r\n"));
  EXPECT_TRUE(plain.Contains("x-mailer:shape:A/9.9a"));
  EXPECT_TRUE(plain.Contains("subject:caps-words:none"));
  for (const auto& s : plain.Texts()) {
    EXPECT_FALSE(s.starts_with("subject:caps:")) << s;
    EXPECT_FALSE(s.starts_with("subject:run:")) << s;
  }
}

TEST_F(SpamTest, WorkIsBoundedOnHugeInput) {
  std::string body;
  for (int i = 0; i < 200000; ++i) body += "w" + std::to_string(i % 5000) + "x ";
  TokenizerLimits limits;
  Tokens t = Tokenize(mime::Parse(Mail("a@b.example", "big", body)), limits);
  EXPECT_EQ(t.size(), limits.max_tokens);
  // Pathological input: no separators at all, NULs, broken UTF-8.
  std::string junk(1 << 20, 'a');
  junk[1000] = '\0';
  junk[2000] = '\xff';
  Tokens j = TokensOf(Mail("a@b.example", "junk", junk));
  EXPECT_LE(j.size(), limits.max_tokens);
}

TEST_F(SpamTest, FeaturesPairNeighboursOnce) {
  Tokens t;
  TokenizeText("click here now click here", "", {}, t);
  std::vector<Feature> f = Features(t, 5);
  std::vector<std::string> texts;
  for (const auto& x : f) texts.push_back(FeatureText(t, x));
  // 3 distinct words; pairs at distance 1..4 within the run, each once.
  EXPECT_NE(std::find(texts.begin(), texts.end(), "click here"), texts.end());
  EXPECT_NE(std::find(texts.begin(), texts.end(), "click * now"), texts.end());
  EXPECT_NE(std::find(texts.begin(), texts.end(), "here * click"), texts.end());
  EXPECT_NE(std::find(texts.begin(), texts.end(), "click * * click"), texts.end());
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "click here"), 1);
  std::set<uint64_t> hashes;
  for (const auto& x : f) hashes.insert(x.hash);
  EXPECT_EQ(hashes.size(), f.size());
  // Unigrams only with window 1.
  EXPECT_EQ(Features(t, 1).size(), 3u);
  // The hash is part of the stored format: it must never change.
  EXPECT_EQ(HashToken("subject:free"), HashToken(std::string("subject:") + "free"));
  EXPECT_NE(HashToken("free"), HashToken("fref"));
  EXPECT_NE(PairFeature(1, 2, 1), PairFeature(2, 1, 1));
  EXPECT_NE(PairFeature(1, 2, 1), PairFeature(1, 2, 2));
}

// ---------------------------------------------------------------- model

TEST(SpamModel, ChiSquareKnownValues) {
  // dof 2: Q = exp(-x/2); dof 4: Q = exp(-x/2) (1 + x/2).
  EXPECT_NEAR(ChiSquareQ(2.0, 2), std::exp(-1.0), 1e-12);
  EXPECT_NEAR(ChiSquareQ(10.0, 4), std::exp(-5.0) * 6.0, 1e-12);
  EXPECT_NEAR(ChiSquareQ(3.0, 4), std::exp(-1.5) * 2.5, 1e-12);
  EXPECT_DOUBLE_EQ(ChiSquareQ(0.0, 10), 1.0);
  // Large degrees of freedom, where exp(-x/2) alone underflows: the median
  // is near the dof, and far below it Q is ~1, far above ~0.
  EXPECT_NEAR(ChiSquareQ(4000.0, 4000), 0.5, 0.02);
  EXPECT_GT(ChiSquareQ(2043.0, 4000), 0.999999);
  EXPECT_LT(ChiSquareQ(6000.0, 4000), 1e-6);
}

TEST(SpamModel, FisherCombineBounds) {
  EXPECT_DOUBLE_EQ(FisherCombine({}), 0.5);
  EXPECT_NEAR(FisherCombine(std::vector<double>(50, 0.5)), 0.5, 1e-9);
  EXPECT_GT(FisherCombine(std::vector<double>(10, 0.99)), 0.99);
  EXPECT_LT(FisherCombine(std::vector<double>(10, 0.01)), 0.01);
  // Symmetric: swapping spam and ham evidence mirrors the score.
  std::vector<double> p = {0.9, 0.2, 0.7, 0.95, 0.4};
  std::vector<double> q;
  for (double x : p) q.push_back(1 - x);
  EXPECT_NEAR(FisherCombine(p) + FisherCombine(q), 1.0, 1e-9);
  // Strong evidence both ways: unsure.
  std::vector<double> both(20, 0.99);
  both.insert(both.end(), 20, 0.01);
  EXPECT_NEAR(FisherCombine(both), 0.5, 0.05);
  // Thousands of clues neither underflow nor lose the answer.
  EXPECT_GT(FisherCombine(std::vector<double>(5000, 0.9)), 0.999);
  EXPECT_LT(FisherCombine(std::vector<double>(5000, 0.1)), 0.001);
}

TEST(SpamModel, FisherCombineIsMonotonic) {
  std::vector<double> p = {0.3, 0.6, 0.55, 0.8, 0.2};
  double last = -1;
  for (double x = 0.01; x < 1.0; x += 0.049) {
    p[0] = x;
    double s = FisherCombine(p);
    EXPECT_GE(s, last) << x;
    last = s;
  }
  // One more spammy clue never lowers the score.
  double before = FisherCombine(p);
  p.push_back(0.9);
  EXPECT_GE(FisherCombine(p), before);
}

TEST(SpamModel, RobinsonProbability) {
  ModelParams m;
  EXPECT_DOUBLE_EQ(FeatureProbability(0, 0, 100, 100, m), m.unknown);
  EXPECT_GT(FeatureProbability(10, 0, 100, 100, m), 0.95);
  EXPECT_LT(FeatureProbability(0, 10, 100, 100, m), 0.05);
  EXPECT_NEAR(FeatureProbability(10, 10, 100, 100, m), 0.5, 1e-12);
  // Counts are relative to each class's size.
  EXPECT_NEAR(FeatureProbability(10, 20, 100, 200, m), 0.5, 1e-12);
  // More evidence, further from the prior.
  EXPECT_LT(FeatureProbability(1, 0, 100, 100, m), FeatureProbability(5, 0, 100, 100, m));
}

TEST(SpamModel, CountTableAddsAndForgets) {
  CountTable t;
  for (uint64_t k = 1; k <= 5000; ++k) t.Add(k * 0x9E3779B97F4A7C15ull, 1, 0);
  EXPECT_EQ(t.size(), 5000u);
  EXPECT_EQ(t.Find(7 * 0x9E3779B97F4A7C15ull).spam, 1u);
  t.Add(7 * 0x9E3779B97F4A7C15ull, 2, 3);
  EXPECT_EQ(t.Find(7 * 0x9E3779B97F4A7C15ull).spam, 3u);
  EXPECT_EQ(t.Find(7 * 0x9E3779B97F4A7C15ull).ham, 3u);
  t.Add(7 * 0x9E3779B97F4A7C15ull, -5, -5);  // stops at zero
  EXPECT_EQ(t.Find(7 * 0x9E3779B97F4A7C15ull).spam, 0u);
  EXPECT_EQ(t.size(), 4999u);
  EXPECT_EQ(t.Find(123456).spam, 0u);
  // Churn does not grow the table without bound.
  for (int round = 0; round < 20; ++round) {
    for (uint64_t k = 1; k <= 5000; ++k) t.Add(k * 31 + round * 1000003ull, 1, 0);
    for (uint64_t k = 1; k <= 5000; ++k) t.Add(k * 31 + round * 1000003ull, -1, 0);
  }
  EXPECT_EQ(t.size(), 4999u);
}

// ---------------------------------------------------------------- filter

std::string SpamMail(int i) {
  static const char* words[] = {"viagra", "cheap", "pills",   "discount", "winner",
                                "casino", "offer", "limited", "bonus",    "crypto"};
  std::string body = "Dear friend, ";
  for (int k = 0; k < 30; ++k) body += std::string(words[(i * 7 + k) % 10]) + " ";
  body += "click http://deals" + std::to_string(i % 3) + ".shop.example.com/buy now!!!";
  return Mail("promo" + std::to_string(i) + "@bulk-sender.example.com",
              "Limited offer " + std::to_string(i), body);
}

std::string HamMail(int i) {
  static const char* words[] = {"printer", "invoice",  "meeting", "account",  "password",
                                "thanks",  "attached", "order",   "delivery", "question"};
  std::string body = "Hello support, ";
  for (int k = 0; k < 30; ++k) body += std::string(words[(i * 3 + k) % 10]) + " ";
  body += "Regards, customer " + std::to_string(i);
  return Mail("customer" + std::to_string(i) + "@example.org",
              "Question about my order " + std::to_string(i), body);
}

class SpamStoreTest : public SpamTest {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("spam_test_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    Cleanup();
    auto s = store::OpenSqlite(path_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    Cleanup();
  }
  void Cleanup() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }
  bool Learn(Filter& f, const std::string& raw, bool spam) {
    bool changed = false;
    Status s = store_->Write([&](store::Tx& tx) {
      auto r = f.Learn(tx, raw, spam);
      if (!r.ok()) return r.status();
      changed = *r;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return changed;
  }
  void Train(Filter& f, int n) {
    for (int i = 0; i < n; ++i) {
      Learn(f, SpamMail(i), true);
      Learn(f, HamMail(i), false);
    }
  }

  std::string path_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(SpamStoreTest, UntrainedFilterGivesNoVerdict) {
  Filter f;
  Verdict v = f.Classify(SpamMail(1));
  EXPECT_FALSE(v.trained);
  EXPECT_EQ(v.decision, "untrained");
  EXPECT_DOUBLE_EQ(v.score, 0.5);
  // Below the minimum of either class it still does not act.
  for (int i = 0; i < 30; ++i) Learn(f, SpamMail(i), true);
  for (int i = 0; i < 5; ++i) Learn(f, HamMail(i), false);
  v = f.Classify(SpamMail(100));
  EXPECT_FALSE(v.trained);
  EXPECT_EQ(v.decision, "untrained");
  EXPECT_GT(v.score, 0.5);  // the score is still shown
}

TEST_F(SpamStoreTest, LearnsAndExplains) {
  Filter f;
  Train(f, 25);
  EXPECT_EQ(f.learned(), std::make_pair(int64_t{25}, int64_t{25}));
  Verdict spam = f.Classify(SpamMail(1000));
  Verdict ham = f.Classify(HamMail(1000));
  EXPECT_TRUE(spam.trained);
  EXPECT_GE(spam.score, 0.9);
  EXPECT_TRUE(spam.decision == "suspend" || spam.decision == "refuse") << spam.decision;
  EXPECT_LT(ham.score, 0.1);
  EXPECT_EQ(ham.decision, "ham");
  ASSERT_FALSE(spam.spammy.empty());
  EXPECT_LE(spam.spammy.size(), 10u);
  EXPECT_GT(spam.spammy[0].probability, 0.5);
  for (size_t i = 1; i < spam.spammy.size(); ++i) {
    EXPECT_LE(spam.spammy[i].probability, spam.spammy[i - 1].probability);
  }
  ASSERT_FALSE(ham.hammy.empty());
  EXPECT_LT(ham.hammy[0].probability, 0.5);

  auto j = nlohmann::json::parse(spam.ToJson());
  EXPECT_EQ(j["decision"], spam.decision);
  EXPECT_EQ(j["learned"]["spam"], 25);
  EXPECT_EQ(j["learned"]["ham"], 25);
  EXPECT_TRUE(j["trained"].get<bool>());
  ASSERT_FALSE(j["spam_tokens"].empty());
  EXPECT_EQ(j["spam_tokens"][0]["token"], spam.spammy[0].token);
  EXPECT_NEAR(j["score"].get<double>(), spam.score, 1e-4);
}

// Half spam words, half ham words: a score away from 0 and 1 that learning moves.
std::string MixedMail() {
  return Mail("someone@example.net", "hello",
              "viagra cheap pills discount winner casino offer printer invoice meeting account "
              "password thanks attached order");
}

TEST_F(SpamStoreTest, LearnCacheLearnsAMessageOnce) {
  Filter f;
  Train(f, 20);
  std::string msg = MixedMail();
  double before = f.Classify(msg).score;
  EXPECT_TRUE(Learn(f, msg, true));
  EXPECT_FALSE(Learn(f, msg, true));  // same message, same class: nothing changes
  // The same content with different transport headers is the same message.
  EXPECT_FALSE(Learn(f, "Received: from elsewhere.example by mx\r\n" + msg, true));
  EXPECT_EQ(f.learned(), std::make_pair(int64_t{21}, int64_t{20}));
  double learned_spam = f.Classify(msg).score;
  EXPECT_GT(learned_spam, before);
  EXPECT_LT(learned_spam, 1.0);

  // Relearning as ham moves its counts: one fewer spam, one more ham.
  EXPECT_TRUE(Learn(f, msg, false));
  EXPECT_EQ(f.learned(), std::make_pair(int64_t{20}, int64_t{21}));
  EXPECT_LT(f.Classify(msg).score, learned_spam);
  EXPECT_FALSE(Learn(f, msg, false));
  Status read = store_->Read([&](store::Tx& tx) {
    auto cls = tx.GetSpamLearned(Filter::LearnKey(mime::Parse(msg)));
    EXPECT_TRUE(cls.ok());
    if (cls.ok()) {
      EXPECT_EQ(*cls, "ham");
    }
    auto counts = tx.CountSpamLearned();
    EXPECT_TRUE(counts.ok());
    if (counts.ok()) {
      EXPECT_EQ(*counts, std::make_pair(int64_t{20}, int64_t{21}));
    }
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

TEST_F(SpamStoreTest, LearnManySumsABatchAndSkipsRepeats) {
  std::vector<mime::Message> spam, ham;
  for (int i = 0; i < 20; ++i) spam.push_back(mime::Parse(SpamMail(i)));
  spam.push_back(mime::Parse(SpamMail(4)));  // the same message twice in one batch
  for (int i = 0; i < 20; ++i) ham.push_back(mime::Parse(HamMail(i)));
  Filter f;
  size_t learned_spam = 0, learned_ham = 0;
  Status s = store_->Write([&](store::Tx& tx) -> Status {
    auto a = f.LearnMany(tx, spam, true);
    if (!a.ok()) return a.status();
    auto b = f.LearnMany(tx, ham, false);
    if (!b.ok()) return b.status();
    learned_spam = *a;
    learned_ham = *b;
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(learned_spam, 20u);
  EXPECT_EQ(learned_ham, 20u);
  EXPECT_EQ(f.learned(), std::make_pair(int64_t{20}, int64_t{20}));

  // The same as learning them one by one.
  Filter one_by_one;
  for (int i = 0; i < 20; ++i) {
    one_by_one.LearnInMemory(spam[static_cast<size_t>(i)], true);
    one_by_one.LearnInMemory(ham[static_cast<size_t>(i)], false);
  }
  Filter loaded;
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) { return loaded.Load(tx); }).ok());
  EXPECT_EQ(loaded.feature_count(), one_by_one.feature_count());
  for (const std::string& m : {SpamMail(50), HamMail(50), MixedMail()}) {
    EXPECT_DOUBLE_EQ(loaded.Classify(m).score, one_by_one.Classify(m).score);
    EXPECT_DOUBLE_EQ(f.Classify(m).score, one_by_one.Classify(m).score);
  }
  // Moving a batch to the other class.
  s = store_->Write([&](store::Tx& tx) -> Status {
    auto r = f.LearnMany(tx, std::span<const mime::Message>(spam.data(), 5), false);
    if (!r.ok()) return r.status();
    EXPECT_EQ(*r, 5u);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(f.learned(), std::make_pair(int64_t{15}, int64_t{25}));
}

TEST_F(SpamStoreTest, RefreshReloadsOnlyWhatAnotherFilterTaught) {
  Filter server, operator_tool;
  auto refresh = [&](Filter& f) {
    Result<bool> r = false;
    Status s = store_->Read([&](store::Tx& tx) {
      r = f.RefreshFrom(tx);
      return r.status();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return r.ok() && *r;
  };
  EXPECT_FALSE(refresh(server));  // both empty
  Train(operator_tool, 22);        // another process learns through the store
  EXPECT_TRUE(refresh(server));
  EXPECT_EQ(server.learned(), operator_tool.learned());
  EXPECT_DOUBLE_EQ(server.Classify(SpamMail(700)).score, operator_tool.Classify(SpamMail(700)).score);
  EXPECT_FALSE(refresh(server));  // nothing new
  Learn(server, HamMail(900), true);  // its own learning is in memory already
  EXPECT_FALSE(refresh(server));
  // The store as a fresh start would see it.
  auto fresh = [&] {
    auto f = std::make_unique<Filter>();
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) { return f->Load(tx); }).ok());
    return f;
  };
  // Moves that leave the totals equal still change the counts.
  auto before = server.learned();
  Learn(operator_tool, SpamMail(3), false);
  Learn(operator_tool, HamMail(4), true);
  EXPECT_EQ(fresh()->learned(), before);
  EXPECT_TRUE(refresh(server));
  EXPECT_DOUBLE_EQ(server.Classify(SpamMail(3)).score, fresh()->Classify(SpamMail(3)).score);
  // Another process learned, then this one did: still reloaded.
  Learn(operator_tool, SpamMail(801), true);
  Learn(server, HamMail(901), false);
  EXPECT_TRUE(refresh(server));
  EXPECT_EQ(server.learned(), fresh()->learned());
  EXPECT_EQ(server.feature_count(), fresh()->feature_count());
}

TEST_F(SpamStoreTest, LoadAfterLearnGivesTheSameScore) {
  Filter f;
  Train(f, 22);
  Learn(f, SpamMail(600), false);  // a little noise
  Filter g;
  Status s = store_->Read([&](store::Tx& tx) { return g.Load(tx); });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(g.learned(), f.learned());
  EXPECT_EQ(g.feature_count(), f.feature_count());
  for (const std::string& m : {SpamMail(700), HamMail(700), SpamMail(600), HamMail(3)}) {
    Verdict a = f.Classify(m), b = g.Classify(m);
    EXPECT_DOUBLE_EQ(a.score, b.score);
    EXPECT_EQ(a.decision, b.decision);
    EXPECT_EQ(a.ToJson(), b.ToJson());
  }
}

TEST_F(SpamTest, ClassifyRunsBesideLearning) {
  Filter f;
  for (int i = 0; i < 25; ++i) {
    f.LearnInMemory(mime::Parse(SpamMail(i)), true);
    f.LearnInMemory(mime::Parse(HamMail(i)), false);
  }
  std::atomic<bool> wrong{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (f.Classify(SpamMail(1000 + t * 1000 + i)).score < 0.9) wrong = true;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 200; ++i) f.LearnInMemory(mime::Parse(HamMail(100 + i)), false);
  });
  for (auto& th : threads) th.join();
  EXPECT_FALSE(wrong);
  EXPECT_EQ(f.learned(), std::make_pair(int64_t{25}, int64_t{225}));
}

}  // namespace
}  // namespace postdesk::spam
