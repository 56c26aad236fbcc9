#include "api/present.h"

#include <gtest/gtest.h>

namespace postdesk::api {
namespace {

http::Request WithHost(std::string host) {
  http::Request r;
  r.headers["host"] = std::move(host);
  return r;
}

TEST(PresentTest, ParseIdAcceptsOnlyDigitsThatFit) {
  EXPECT_EQ(ParseId("1"), 1);
  EXPECT_EQ(ParseId("9223372036854775807"), INT64_MAX);
  EXPECT_FALSE(ParseId(""));
  EXPECT_FALSE(ParseId("-1"));
  EXPECT_FALSE(ParseId("+1"));
  EXPECT_FALSE(ParseId("1e3"));
  EXPECT_FALSE(ParseId("abc"));
  EXPECT_FALSE(ParseId(" 1"));
  EXPECT_FALSE(ParseId("9223372036854775808"));
  EXPECT_FALSE(ParseId("99999999999999999999999"));
}

TEST(PresentTest, BaseUrlUsesOnlyAWellFormedHost) {
  EXPECT_EQ(BaseUrl(WithHost("127.0.0.1:8080"), "http://fallback:1/"), "http://127.0.0.1:8080");
  EXPECT_EQ(BaseUrl(WithHost("[::1]:80"), "https://fallback"), "https://[::1]:80");
  EXPECT_EQ(BaseUrl(WithHost("evil.com/x?"), "http://fallback:1/"), "http://fallback:1");
  EXPECT_EQ(BaseUrl(WithHost("a\"b"), "http://fallback:1"), "http://fallback:1");
  EXPECT_EQ(BaseUrl(http::Request{}, "http://fallback:1"), "http://fallback:1");
}

TEST(PresentTest, SafeContentTypeDisarmsActiveTypes) {
  EXPECT_EQ(SafeContentType("image/png"), "image/png");
  EXPECT_EQ(SafeContentType("application/pdf; name=x.pdf"), "application/pdf");
  EXPECT_EQ(SafeContentType("text/plain; charset=\"ISO-8859-1\""),
            "text/plain; charset=iso-8859-1");
  for (const char* bad :
       {"text/html", "TEXT/HTML; charset=utf-8", "image/svg+xml", "application/xhtml+xml",
        "text/xml", "application/javascript", "text/javascript", "application/x-ecmascript",
        "multipart/x-mixed-replace", "", "garbage", "text/plain\r\nX-Injected: 1", "a/b/c"}) {
    EXPECT_EQ(SafeContentType(bad), "application/octet-stream") << bad;
  }
}

TEST(PresentTest, ContentDispositionCannotBreakOut) {
  std::string cd = ContentDisposition("evil\"\r\nX-Injected: 1.html");
  EXPECT_EQ(cd.find('\r'), std::string::npos);
  EXPECT_EQ(cd.find('\n'), std::string::npos);
  EXPECT_EQ(cd,
            "attachment; filename=\"evil_X-Injected_ 1.html\"; "
            "filename*=UTF-8''evil%22X-Injected%3A%201.html");
  EXPECT_EQ(ContentDisposition("r\xC3\xA9sum\xC3\xA9.pdf"),
            "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf");
  EXPECT_EQ(ContentDisposition(""),
            "attachment; filename=\"attachment\"; filename*=UTF-8''attachment");
  EXPECT_EQ(ContentDisposition("../../etc\\passwd"),
            "attachment; filename=\".._.._etc_passwd\"; filename*=UTF-8''.._.._etc_passwd");
}

TEST(PresentTest, TextToHtmlEscapesAndMakesParagraphs) {
  EXPECT_EQ(TextToHtml("Hi <b>&\"\n\nline1\r\nline2\n"),
            "<p>Hi &lt;b&gt;&amp;&quot;</p><p>line1<br>line2</p>");
  EXPECT_EQ(TextToHtml(""), "");
}

TEST(PresentTest, Base64) {
  EXPECT_EQ(Base64Decode("YWdlbnRAeC5jb20vdG9rZW46YWJj"), "agent@x.com/token:abc");
  EXPECT_EQ(Base64Decode("YQ=="), "a");
  EXPECT_EQ(Base64Decode("YQ"), "a");
  EXPECT_FALSE(Base64Decode("Y"));
  EXPECT_FALSE(Base64Decode("YW!j"));
}

TEST(PresentTest, PageLinks) {
  nlohmann::json out;
  Page page{.page = 2, .per_page = 10};
  AddPageLinks(out, "http://h", "/api/v2/tickets", page, 25);
  EXPECT_EQ(out["next_page"], "http://h/api/v2/tickets.json?page=3&per_page=10");
  EXPECT_EQ(out["previous_page"], "http://h/api/v2/tickets.json?page=1&per_page=10");
  EXPECT_EQ(out["count"], 25);
  page.page = 3;
  AddPageLinks(out, "http://h", "/api/v2/tickets", page, 25);
  EXPECT_TRUE(out["next_page"].is_null());
}

TEST(PresentTest, StoreErrorsMapToStatuses) {
  EXPECT_EQ(StoreError(Status::NotFound("x")).status, 404);
  EXPECT_EQ(StoreError(Status::Temporary("x")).status, 503);
  EXPECT_EQ(StoreError(Status::Invalid("x")).status, 400);
  auto r = StoreError(Status::Permanent("secret sql detail"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(StoreError(Status::NotFound("x")).body),
            (nlohmann::json{{"error", "RecordNotFound"}, {"description", "Not found"}}));
}

TEST(PresentTest, JsonDepthIsCountedOutsideStrings) {
  EXPECT_FALSE(JsonNestedDeeperThan(R"({"a":[1,{"b":2}]})", 3));
  EXPECT_TRUE(JsonNestedDeeperThan(R"({"a":[1,{"b":2}]})", 2));
  EXPECT_FALSE(JsonNestedDeeperThan(R"({"a":"[[[[[[\"[[[["})", 1));
}

// Issue 13, defect 1: 30,000 levels of nesting crashed the server on the
// trigger routes; every route reads its body here and refuses it.
TEST(PresentTest, DeeplyNestedBodyIsRefusedBeforeParsing) {
  http::Request req;
  std::string deep;
  for (int i = 0; i < 30000; ++i) deep += R"({"a":)";
  deep += "1" + std::string(30000, '}');
  req.body = deep;
  http::Response error;
  EXPECT_FALSE(ParseJsonBody(req, error));
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(nlohmann::json::parse(error.body)["error"], "InvalidJSON");

  req.body = R"({"ticket": {"subject": "x"}})";
  auto ticket = ParseJsonBody(req, error, "ticket");
  ASSERT_TRUE(ticket);
  EXPECT_EQ((*ticket)["subject"], "x");
  EXPECT_FALSE(ParseJsonBody(req, error, "user"));
  EXPECT_EQ(nlohmann::json::parse(error.body)["error"], "InvalidPayload");
  req.body = "[1]";
  EXPECT_FALSE(ParseJsonBody(req, error));
  EXPECT_EQ(error.status, 400);
}

}  // namespace
}  // namespace postdesk::api
