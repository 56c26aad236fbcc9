// The suspended tickets API over an in-process HTTP server, with a real
// SQLite store, the intake pipeline (recovery) and the spam filter
// (learning): sorting, cursors, filters, errors, explain, raw, delete,
// destroy_many, recover, recover_many, mark_as_spam, and learning ham when an
// agent answers.
#include "api/suspended_api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/read_api.h"
#include "api/write_api.h"
#include "common/ids.h"
#include "common/strings.h"
#include "http/server.h"
#include "http/test_client.h"
#include "intake/pipeline.h"
#include "spam/filter.h"
#include "tickets/updates.h"

namespace postdesk::api {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kAgentToken[] = "agent-token-5678";
constexpr char kSupport[] = "support@support.example";
constexpr int64_t kT0 = 1700000000;

std::string T(int64_t v) { return std::to_string(v); }

std::string Mail(const std::string& from, const std::string& subject, const std::string& body,
                 const std::string& message_id, const std::string& extra_headers = "") {
  return "From: " + from + "\r\nTo: " + kSupport + "\r\nSubject: " + subject + "\r\nMessage-ID: <" +
         message_id + ">\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n" + extra_headers +
         "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n";
}

class SuspendedApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mime::InitMime();
    dir_ = fs::temp_directory_path() /
           ("postdesk-suspended-api-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto opened = store::OpenSqlite((dir_ / "postdesk.db").string());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();

    ASSERT_TRUE(store_
                    ->Write([&](store::Tx& tx) -> Status {
                      store::User agent;
                      agent.name = "Alan Agent";
                      agent.email = "agent@support.example";
                      agent.role = Role::kAgent;
                      agent.created_at = agent.updated_at = kT0;
                      auto a = tx.CreateUser(agent);
                      if (!a.ok()) return a.status();
                      agent_id_ = a->id;
                      if (Status s = tx.SetUserApiToken(a->id, Sha256Hex(kAgentToken)); !s.ok()) {
                        return s;
                      }
                      if (Status s = tickets::SeedDefaultTriggers(tx, kT0); !s.ok()) return s;
                      return filter_.Load(tx);
                    })
                    .ok());

    desk_.name = "Support";
    desk_.support_address = kSupport;
    desk_.hostname = "desk.test";
    desk_.bounce_domain = "support.example";
    desk_.base_url = "http://127.0.0.1:8080";
    desk_.spam_filter = &filter_;
    intake::PipelineOptions po;
    po.support_addresses = {kSupport};
    po.hostname = "desk.test";
    po.desk = desk_;
    po.auth.mode = "off";
    po.spam = &filter_;
    pipeline_ = std::make_unique<intake::Pipeline>(po);

    RegisterReadApi(router_, *store_, {.base_url = "http://127.0.0.1:8080"});
    WriteApiOptions wo;
    wo.desk = desk_;
    wo.support_addresses = {kSupport};
    RegisterWriteApi(router_, *store_, wo);
    SuspendedApiOptions so;
    so.pipeline = pipeline_.get();
    so.filter = &filter_;
    so.on_mail_queued = [this] { ++wakes_; };
    RegisterSuspendedApi(router_, *store_, so);

    server_ = std::make_unique<http::HttpServer>(io_, http::HttpOptions{}, router_);
    ASSERT_TRUE(server_->Listen().ok());
    server_->Start();
    runner_ = std::thread([this] { io_.run(); });
    client_ = std::make_unique<http::testing::TestClient>(server_->port());
  }

  void TearDown() override {
    client_.reset();
    server_->Stop();
    io_.stop();
    runner_.join();
    server_.reset();
    pipeline_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  http::testing::ClientResponse Call(const std::string& method, const std::string& target,
                                     const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Authorization", std::string("Bearer ") + kAgentToken}, {"Host", "127.0.0.1:8080"}};
    if (!body.empty()) headers.push_back({"Content-Type", "application/json"});
    return client_->Send(method, target, headers, body);
  }
  json CallJson(const std::string& method, const std::string& target, int expected,
                const std::string& body = "") {
    auto r = Call(method, target, body);
    EXPECT_EQ(r.status, expected) << method << " " << target << ": " << r.body;
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }
  json Get(const std::string& target) { return CallJson("GET", target, 200); }
  // A 4xx JSON error; returns its description.
  std::string Error(const std::string& method, const std::string& target, int expected) {
    json j = CallJson(method, target, expected);
    EXPECT_TRUE(j.contains("error")) << j.dump();
    return j.value("description", std::string());
  }

  // A suspended ticket with its raw message, as intake would have left it.
  int64_t AddSuspended(const std::string& from, const std::string& subject, intake::Cause cause,
                       int64_t created_at, std::string raw_bytes = "", std::string spam_json = "") {
    int64_t id = 0;
    if (raw_bytes.empty()) {
      raw_bytes = Mail(from, subject, "Some text about " + subject,
                       "m" + T(++counter_) + "@" + std::string(EmailDomain(from)));
    }
    Status s = store_->Write([&](store::Tx& tx) -> Status {
      store::RawMessage raw;
      raw.bytes = raw_bytes;
      raw.sha256 = Sha256Hex(raw.bytes);
      raw.mail_from = from;
      raw.rcpt_to = {kSupport};
      raw.door = "smtp";
      raw.client_ip = "192.0.2.7";
      raw.received_at = created_at;
      auto raw_id = tx.AddRawMessage(raw);
      if (!raw_id.ok()) return raw_id.status();
      store::SuspendedTicket st;
      st.cause_id = cause.id;
      st.cause = std::string(cause.name);
      st.author_email = from;
      st.author_name = "Sender " + from;
      st.subject = subject;
      st.content = "Some text about " + subject;
      st.recipient = kSupport;
      st.message_id = "m" + T(counter_);
      st.raw_message_id = *raw_id;
      st.evidence_json = json{{"cause", cause.name}, {"reason", "because " + subject}}.dump();
      st.spam_json = spam_json;
      st.created_at = created_at;
      auto added = tx.AddSuspended(st);
      if (!added.ok()) return added.status();
      id = added->id;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return id;
  }

  std::vector<int64_t> Ids(const json& list) {
    std::vector<int64_t> out;
    for (const auto& s : list) out.push_back(s["id"].get<int64_t>());
    return out;
  }

  template <typename F>
  void Read(F fn) {
    Status s = store_->Read([&](store::Tx& tx) -> Status {
      fn(tx);
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }

  std::vector<store::SystemEvent> Events(std::string_view kind) {
    std::vector<store::SystemEvent> out;
    Read([&](store::Tx& tx) {
      auto e = tx.ListSystemEvents("", kind, 1000);
      ASSERT_TRUE(e.ok()) << e.status().message();
      out = *e;
    });
    return out;
  }

  // Seven suspended tickets with distinct authors, causes, subjects and times.
  std::vector<int64_t> SeedMany() {
    std::vector<int64_t> ids;
    ids.push_back(AddSuspended("dave@d.example", "Delta", intake::kCauseSpam, kT0 + 5));
    ids.push_back(AddSuspended("alice@a.example", "Echo", intake::kCauseLoop, kT0 + 1));
    ids.push_back(AddSuspended("carol@c.example", "Alpha", intake::kCauseSpam, kT0 + 3));
    ids.push_back(AddSuspended("bob@b.example", "Charlie", intake::kCauseAutoVacation, kT0 + 3));
    ids.push_back(AddSuspended("erin@e.example", "Bravo", intake::kCauseSpam, kT0 + 7));
    ids.push_back(AddSuspended("frank@f.example", "Foxtrot", intake::kCauseBlank, kT0 + 2));
    ids.push_back(AddSuspended("gina@g.example", "Golf", intake::kCauseLoop, kT0 + 6));
    return ids;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  spam::Filter filter_;
  tickets::DeskInfo desk_;
  std::unique_ptr<intake::Pipeline> pipeline_;
  http::Router router_;
  boost::asio::io_context io_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread runner_;
  std::unique_ptr<http::testing::TestClient> client_;
  int64_t agent_id_ = 0;
  int counter_ = 0;
  std::atomic<int> wakes_{0};
};

TEST_F(SuspendedApiTest, ListShapeAndDefaultOrderNewestFirst) {
  auto ids = SeedMany();
  json j = Get("/api/v2/suspended_tickets.json");
  EXPECT_EQ(j["count"], 7);
  ASSERT_EQ(j["suspended_tickets"].size(), 7u);
  // created_at desc, ties by id desc: erin(7) gina(6) dave(5) bob(3, later id) carol(3) frank(2)
  // alice(1)
  EXPECT_EQ(Ids(j["suspended_tickets"]),
            (std::vector<int64_t>{ids[4], ids[6], ids[0], ids[3], ids[2], ids[5], ids[1]}));
  EXPECT_EQ(j["meta"]["has_more"], false);
  EXPECT_TRUE(j["links"]["next"].is_null());
  EXPECT_TRUE(j["links"]["prev"].is_null());
  const json& s = j["suspended_tickets"][0];
  for (const char* key : {"id", "url", "author", "subject", "content", "cause", "cause_id",
                          "message_id", "ticket_id", "recipient", "created_at", "updated_at", "via",
                          "attachments", "error_messages", "evidence", "spam"}) {
    EXPECT_TRUE(s.contains(key)) << key;
  }
  EXPECT_EQ(s["author"]["email"], "erin@e.example");
  EXPECT_TRUE(s["author"]["id"].is_null());
  EXPECT_EQ(s["cause"], "spam");
  EXPECT_EQ(s["evidence"]["reason"], "because Bravo");
  EXPECT_TRUE(s["spam"].is_null());
  EXPECT_EQ(s["url"], "http://127.0.0.1:8080/api/v2/suspended_tickets/" + T(ids[4]) + ".json");
}

TEST_F(SuspendedApiTest, SortsByEachColumnBothWays) {
  auto ids = SeedMany();
  auto order = [&](const std::string& q) {
    return Ids(Get("/api/v2/suspended_tickets?" + q)["suspended_tickets"]);
  };
  EXPECT_EQ(order("sort_by=author_email"),
            (std::vector<int64_t>{ids[1], ids[3], ids[2], ids[0], ids[4], ids[5], ids[6]}));
  EXPECT_EQ(order("sort_by=author_email&sort_order=desc"),
            (std::vector<int64_t>{ids[6], ids[5], ids[4], ids[0], ids[2], ids[3], ids[1]}));
  EXPECT_EQ(order("sort_by=subject&sort_order=asc"),
            (std::vector<int64_t>{ids[2], ids[4], ids[3], ids[0], ids[1], ids[5], ids[6]}));
  EXPECT_EQ(order("sort_by=created_at&sort_order=asc"),
            (std::vector<int64_t>{ids[1], ids[5], ids[2], ids[3], ids[0], ids[6], ids[4]}));
  // cause: auto_vacation < blank < loop < spam; ties by id.
  EXPECT_EQ(order("sort_by=cause&sort_order=asc"),
            (std::vector<int64_t>{ids[3], ids[5], ids[1], ids[6], ids[0], ids[2], ids[4]}));
}

TEST_F(SuspendedApiTest, FiltersByCauseNameOrIdAndAuthor) {
  auto ids = SeedMany();
  json j = Get("/api/v2/suspended_tickets.json?cause=spam&sort_order=asc");
  EXPECT_EQ(Ids(j["suspended_tickets"]), (std::vector<int64_t>{ids[2], ids[0], ids[4]}));
  EXPECT_FALSE(j.contains("count"));  // only the whole queue is counted
  j = Get("/api/v2/suspended_tickets.json?cause=4&sort_order=asc");
  EXPECT_EQ(Ids(j["suspended_tickets"]), (std::vector<int64_t>{ids[1], ids[6]}));
  j = Get("/api/v2/suspended_tickets.json?cause=auto_mailer");
  EXPECT_TRUE(j["suspended_tickets"].empty());
  j = Get("/api/v2/suspended_tickets.json?author_email=Carol@C.example");
  EXPECT_EQ(Ids(j["suspended_tickets"]), (std::vector<int64_t>{ids[2]}));
}

TEST_F(SuspendedApiTest, BadParametersAreNamed) {
  SeedMany();
  EXPECT_NE(Error("GET", "/api/v2/suspended_tickets?sort_by=id", 400).find("sort_by"),
            std::string::npos);
  EXPECT_NE(Error("GET", "/api/v2/suspended_tickets?sort_order=up", 400).find("sort_order"),
            std::string::npos);
  EXPECT_NE(Error("GET", "/api/v2/suspended_tickets?cause=bananas", 400).find("cause"),
            std::string::npos);
  EXPECT_NE(Error("GET", "/api/v2/suspended_tickets?cause=99", 400).find("cause"),
            std::string::npos);
  EXPECT_NE(Error("GET", "/api/v2/suspended_tickets?author_email=nobody", 400).find("author_email"),
            std::string::npos);
  for (std::string q :
       {"page[size]=0", "page[size]=101", "page[size]=x", "page=0", "per_page=-1",
        "page[after]=!!!", "page[after]=abc", "page[before]=eyJ4IjoxfQ",
        "page[after]=a&page[before]=b", "page=2&page[size]=2", "page=1000&per_page=100"}) {
    auto r = Call("GET", "/api/v2/suspended_tickets?" + q);
    EXPECT_EQ(r.status, 400) << q << ": " << r.body;
    EXPECT_EQ(json::parse(r.body)["error"], "InvalidPaginationParameter") << q;
  }
  EXPECT_EQ(Call("GET", "/api/v2/suspended_tickets/abc").status, 400);
  EXPECT_EQ(Call("GET", "/api/v2/suspended_tickets/999999").status, 404);
}

TEST_F(SuspendedApiTest, CursorPagesWalkForwardAndBack) {
  auto ids = SeedMany();
  std::vector<int64_t> all =
      Ids(Get("/api/v2/suspended_tickets?sort_by=subject")["suspended_tickets"]);
  ASSERT_EQ(all.size(), 7u);

  std::vector<int64_t> walked;
  std::vector<std::string> befores;
  std::string target = "/api/v2/suspended_tickets.json?sort_by=subject&page[size]=3";
  int pages = 0;
  json page;
  while (true) {
    page = Get(target);
    ASSERT_LE(++pages, 5);
    auto got = Ids(page["suspended_tickets"]);
    walked.insert(walked.end(), got.begin(), got.end());
    befores.push_back(page["meta"]["before_cursor"].is_null()
                          ? ""
                          : page["meta"]["before_cursor"].get<std::string>());
    if (pages == 1) EXPECT_TRUE(page["links"]["prev"].is_null());
    if (!page["meta"]["has_more"].get<bool>()) {
      EXPECT_TRUE(page["links"]["next"].is_null());
      break;
    }
    std::string next = page["links"]["next"];
    std::string prefix = "http://127.0.0.1:8080";
    ASSERT_EQ(next.rfind(prefix, 0), 0u) << next;
    target = next.substr(prefix.size());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(walked, all);

  // From the last page, page[before] gives the middle page, in order.
  ASSERT_FALSE(page["links"]["prev"].is_null());
  std::string prev = page["links"]["prev"];
  json middle = Get(prev.substr(std::string("http://127.0.0.1:8080").size()));
  EXPECT_EQ(Ids(middle["suspended_tickets"]), (std::vector<int64_t>{all[3], all[4], all[5]}));
  EXPECT_EQ(middle["meta"]["has_more"], true);  // the first page lies before it
  ASSERT_FALSE(middle["links"]["prev"].is_null());
  std::string first_link = middle["links"]["prev"];
  json first = Get(first_link.substr(std::string("http://127.0.0.1:8080").size()));
  EXPECT_EQ(Ids(first["suspended_tickets"]), (std::vector<int64_t>{all[0], all[1], all[2]}));
  EXPECT_EQ(first["meta"]["has_more"], false);

  // A cursor is bound to its sort and filter.
  std::string cursor = middle["meta"]["after_cursor"];
  auto r = Call("GET", "/api/v2/suspended_tickets?sort_by=created_at&page[after]=" + cursor);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(json::parse(r.body)["description"].get<std::string>().find("different"),
            std::string::npos);
  EXPECT_EQ(
      Call("GET", "/api/v2/suspended_tickets?sort_by=subject&cause=spam&page[after]=" + cursor)
          .status,
      400);
  EXPECT_EQ(Call("GET", "/api/v2/suspended_tickets?sort_by=subject&page[after]=" + cursor).status,
            200);

  // A row deleted between pages does not disturb the walk (keyset, not offset).
  json p1 = Get("/api/v2/suspended_tickets?sort_by=subject&page[size]=3");
  ASSERT_EQ(Call("DELETE", "/api/v2/suspended_tickets/" + T(all[1])).status, 204);
  std::string after = p1["meta"]["after_cursor"];
  json p2 = Get("/api/v2/suspended_tickets?sort_by=subject&page[size]=3&page[after]=" + after);
  EXPECT_EQ(Ids(p2["suspended_tickets"]), (std::vector<int64_t>{all[3], all[4], all[5]}));
  (void)ids;
}

TEST_F(SuspendedApiTest, OffsetPagesStillWork) {
  auto ids = SeedMany();
  json j =
      Get("/api/v2/suspended_tickets.json?page=2&per_page=3&sort_by=created_at&sort_order=asc");
  EXPECT_EQ(Ids(j["suspended_tickets"]), (std::vector<int64_t>{ids[3], ids[0], ids[6]}));
  EXPECT_EQ(j["count"], 7);
  EXPECT_EQ(j["next_page"],
            "http://127.0.0.1:8080/api/v2/"
            "suspended_tickets.json?sort_by=created_at&sort_order=asc&page=3&per_page=3");
  EXPECT_EQ(j["previous_page"],
            "http://127.0.0.1:8080/api/v2/"
            "suspended_tickets.json?sort_by=created_at&sort_order=asc&page=1&per_page=3");
  j = Get("/api/v2/suspended_tickets.json?page=3&per_page=3&sort_by=created_at&sort_order=asc");
  EXPECT_EQ(Ids(j["suspended_tickets"]), (std::vector<int64_t>{ids[4]}));
  EXPECT_TRUE(j["next_page"].is_null());
}

TEST_F(SuspendedApiTest, ShowExplainAndRaw) {
  json verdict = {{"score", 0.97},
                  {"decision", "suspend"},
                  {"trained", true},
                  {"spam_tokens", json::array({{{"token", "subject:viagra"}, {"p", 0.99}}})},
                  {"ham_tokens", json::array()}};
  std::string raw = Mail("spammer@spam.example", "Cheap pills", "Buy now", "sp1@spam.example");
  int64_t id = AddSuspended("spammer@spam.example", "Cheap pills", intake::kCauseSpam, kT0, raw,
                            verdict.dump());
  json s = Get("/api/v2/suspended_tickets/" + T(id) + ".json")["suspended_ticket"];
  EXPECT_EQ(s["id"], id);
  EXPECT_EQ(s["spam"]["score"], 0.97);

  json e = Get("/api/v2/suspended_tickets/" + T(id) + "/explain")["explanation"];
  EXPECT_EQ(e["cause"], "spam");
  EXPECT_EQ(e["cause_id"], 0);
  EXPECT_EQ(e["cause_description"], "Detected as spam");
  EXPECT_EQ(e["reason"], "because Cheap pills");
  EXPECT_EQ(e["spam"]["spam_tokens"][0]["token"], "subject:viagra");
  EXPECT_TRUE(e["spam_now"].is_object());  // today's model's view of it
  EXPECT_TRUE(e["spam_now"].contains("score"));
  EXPECT_EQ(e["raw_message"]["available"], true);
  EXPECT_EQ(e["raw_message"]["size"], raw.size());
  EXPECT_EQ(e["raw_message"]["purge_at"], FormatIsoTime(kT0 + 14 * 86400));
  EXPECT_EQ(e["raw_message"]["url"],
            "http://127.0.0.1:8080/api/v2/suspended_tickets/" + T(id) + "/raw");

  auto r = Call("GET", "/api/v2/suspended_tickets/" + T(id) + "/raw");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "message/rfc822");
  EXPECT_EQ(r.Header("Content-Disposition"),
            "attachment; filename=\"suspended-" + T(id) + ".eml\"");
  EXPECT_EQ(r.body, raw);
  EXPECT_EQ(Call("GET", "/api/v2/suspended_tickets/999999/explain").status, 404);
  EXPECT_EQ(Call("GET", "/api/v2/suspended_tickets/999999/raw").status, 404);
}

TEST_F(SuspendedApiTest, AttachmentsAreListedAndServedFromTheRawMessage) {
  intake::Inbound in;
  in.bytes =
      "From: Ann <ann@customer.example>\r\nTo: " + std::string(kSupport) +
      "\r\nSubject: Invoice\r\nMessage-ID: <inv@customer.example>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nPlease pay.\r\n"
      "--b\r\nContent-Type: text/html; name=\"invoice.html\"\r\n"
      "Content-Disposition: attachment; filename=\"invoice.html\"\r\n\r\n"
      "<script>alert(1)</script>\r\n"
      "--b\r\nContent-Type: application/octet-stream; name=\"invoice.pdf.exe\"\r\n"
      "Content-Disposition: attachment; filename=\"invoice.pdf.exe\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b--\r\n";
  in.mail_from = "ann@customer.example";
  in.recipients = {kSupport};
  auto made = pipeline_->Process(*store_, in);
  ASSERT_TRUE(made.ok());
  ASSERT_EQ(made->kind, intake::OutcomeKind::kSuspended);  // malicious_pattern_detected (double extension)
  const std::string item = "/api/v2/suspended_tickets/" + T(made->suspended_id);

  json listed = Get(item)["suspended_ticket"]["attachments"];
  ASSERT_EQ(listed.size(), 2u) << listed.dump();
  EXPECT_EQ(listed[1]["file_name"], "invoice.pdf.exe");
  EXPECT_EQ(listed[1]["size"], 12);
  EXPECT_EQ(listed[1]["content_url"],
            "http://127.0.0.1:8080" + item + "/attachments/2/invoice.pdf.exe");
  EXPECT_EQ(Get(item + "/explain")["explanation"]["attachments"], listed);
  EXPECT_EQ(Get("/api/v2/suspended_tickets.json")["suspended_tickets"][0]["attachments"], listed);

  auto exe = Call("GET", item + "/attachments/2/invoice.pdf.exe");
  EXPECT_EQ(exe.status, 200);
  EXPECT_EQ(exe.body, std::string("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00", 12));
  EXPECT_EQ(exe.Header("Content-Type"), "application/octet-stream");
  EXPECT_NE(exe.Header("Content-Disposition").find("attachment"), std::string::npos);
  // Active content is never served as such.
  auto html = Call("GET", item + "/attachments/1");
  EXPECT_EQ(html.status, 200);
  EXPECT_EQ(html.Header("Content-Type"), "application/octet-stream");

  EXPECT_EQ(Call("GET", item + "/attachments/3").status, 404);
  EXPECT_EQ(Call("GET", item + "/attachments/0").status, 400);
  EXPECT_EQ(Call("GET", item + "/attachments/x").status, 400);
  // Deleted (or purged with its raw message): gone.
  ASSERT_EQ(Call("DELETE", item).status, 204);
  EXPECT_EQ(Call("GET", item + "/attachments/2").status, 404);
}

TEST_F(SuspendedApiTest, ExplainReadsAttachmentsOfOlderSuspensionsOffTheRawMessage) {
  // Suspended before attachments were recorded in the evidence.
  std::string raw =
      "From: old@customer.example\r\nTo: " + std::string(kSupport) +
      "\r\nSubject: Old\r\nMessage-ID: <old@customer.example>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nSee log.\r\n"
      "--b\r\nContent-Type: text/plain; name=\"app.log\"\r\n"
      "Content-Disposition: attachment; filename=\"app.log\"\r\n\r\nerror 42\r\n--b--\r\n";
  int64_t id = AddSuspended("old@customer.example", "Old", intake::kCauseAutoMailer, kT0, raw);
  const std::string item = "/api/v2/suspended_tickets/" + T(id);
  EXPECT_TRUE(Get(item)["suspended_ticket"]["attachments"].empty());
  json listed = Get(item + "/explain")["explanation"]["attachments"];
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_EQ(listed[0]["file_name"], "app.log");
  auto r = Call("GET", listed[0]["content_url"].get<std::string>().substr(
                           std::string("http://127.0.0.1:8080").size()));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "error 42");
}

TEST_F(SuspendedApiTest, AuthorIdWhenTheSenderIsAUser) {
  int64_t id = AddSuspended("agent@support.example", "Mine", intake::kCauseBlank, kT0);
  json s = Get("/api/v2/suspended_tickets/" + T(id))["suspended_ticket"];
  EXPECT_EQ(s["author"]["id"], agent_id_);
}

TEST_F(SuspendedApiTest, DeleteRemovesRowAndRawAndRecordsIt) {
  int64_t id = AddSuspended("x@spam.example", "Gone", intake::kCauseSpam, kT0);
  int64_t raw_id = 0;
  Read([&](store::Tx& tx) { raw_id = tx.GetSuspended(id)->raw_message_id; });
  auto r = Call("DELETE", "/api/v2/suspended_tickets/" + T(id));
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(Call("GET", "/api/v2/suspended_tickets/" + T(id)).status, 404);
  Read([&](store::Tx& tx) { EXPECT_FALSE(tx.GetRawMessage(raw_id).ok()); });
  auto events = Events("suspended_deleted");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].subject, "x@spam.example");
  json d = json::parse(events[0].detail_json);
  EXPECT_EQ(d["suspended_ticket_id"], id);
  EXPECT_EQ(d["agent_id"], agent_id_);
  EXPECT_EQ(d["as_spam"], false);
  EXPECT_EQ(filter_.learned(), (std::pair<int64_t, int64_t>(0, 0)));
  // Gone is gone.
  EXPECT_EQ(Call("DELETE", "/api/v2/suspended_tickets/" + T(id)).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v2/suspended_tickets/" + T(id) + "?spam=maybe").status, 400);
}

TEST_F(SuspendedApiTest, DeleteAsSpamLearnsSpam) {
  int64_t id = AddSuspended("x@spam.example", "Win a prize", intake::kCauseSpam, kT0);
  EXPECT_EQ(Call("DELETE", "/api/v2/suspended_tickets/" + T(id) + "?spam=true").status, 204);
  EXPECT_EQ(filter_.learned().first, 1);
  EXPECT_EQ(filter_.learned().second, 0);
  json d = json::parse(Events("suspended_deleted").at(0).detail_json);
  EXPECT_EQ(d["as_spam"], true);
  EXPECT_EQ(d["learned_spam"], true);
}

TEST_F(SuspendedApiTest, DestroyMany) {
  auto ids = SeedMany();
  EXPECT_EQ(Call("DELETE", "/api/v2/suspended_tickets/destroy_many?ids=" + T(ids[0]) + "," +
                               T(ids[1]) + ",999999&spam=true")
                .status,
            204);  // 999999: already gone, skipped
  json j = Get("/api/v2/suspended_tickets");
  EXPECT_EQ(j["count"], 5);
  EXPECT_EQ(Events("suspended_deleted").size(), 2u);
  EXPECT_EQ(filter_.learned().first, 2);

  EXPECT_NE(Error("DELETE", "/api/v2/suspended_tickets/destroy_many", 400).find("ids"),
            std::string::npos);
  EXPECT_NE(Error("DELETE", "/api/v2/suspended_tickets/destroy_many?ids=1,x", 400).find("'x'"),
            std::string::npos);
  std::string many;
  for (int i = 1; i <= 101; ++i) many += (i > 1 ? "," : "") + T(i);
  EXPECT_NE(Error("DELETE", "/api/v2/suspended_tickets/destroy_many?ids=" + many, 400).find("100"),
            std::string::npos);
  EXPECT_EQ(Get("/api/v2/suspended_tickets")["count"], 5);  // nothing deleted by refusals
}

TEST_F(SuspendedApiTest, RecoverMakesTicketWithOriginalRequesterAndLearnsHam) {
  std::string raw = Mail("Pat Customer <pat@customer.example>", "My order is late",
                         "Where is order 1234?", "order1@customer.example");
  int64_t id =
      AddSuspended("pat@customer.example", "My order is late", intake::kCauseSpam, kT0, raw);
  json j = CallJson("PUT", "/api/v2/suspended_tickets/" + T(id) + "/recover", 200);
  ASSERT_TRUE(j["ticket"].is_array()) << j.dump();
  ASSERT_EQ(j["ticket"].size(), 1u);
  const json& t = j["ticket"][0];
  EXPECT_EQ(t["subject"], "My order is late");
  EXPECT_EQ(t["recovered_from"]["suspended_ticket_id"], id);
  EXPECT_EQ(t["recovered_from"]["outcome"], "ticket");
  int64_t ticket_id = t["id"];

  json requester = Get("/api/v2/users/" + T(t["requester_id"].get<int64_t>()))["user"];
  EXPECT_EQ(requester["email"], "pat@customer.example");
  EXPECT_EQ(Call("GET", "/api/v2/suspended_tickets/" + T(id)).status, 404);
  EXPECT_EQ(filter_.learned(), (std::pair<int64_t, int64_t>(0, 1)));

  // The default trigger acknowledged the request to the original requester.
  Read([&](store::Tx& tx) {
    auto messages = tx.ListOutboundMessages(ticket_id);
    ASSERT_TRUE(messages.ok());
    bool to_requester = false;
    for (const auto& m : *messages) {
      auto rcpts = tx.ListOutboundRecipients(m.id);
      ASSERT_TRUE(rcpts.ok());
      for (const auto& r : *rcpts) to_requester |= r.address == "pat@customer.example";
    }
    EXPECT_TRUE(to_requester);
    // The comment refers to the stored email.
    auto comments = tx.ListComments(ticket_id);
    ASSERT_TRUE(comments.ok());
    ASSERT_EQ(comments->size(), 1u);
    ASSERT_TRUE((*comments)[0].raw_message_id.has_value());
    auto stored = tx.GetRawMessage(*(*comments)[0].raw_message_id);
    ASSERT_TRUE(stored.ok());
    EXPECT_NE(stored->bytes.find("Where is order 1234?"), std::string::npos);
  });
  EXPECT_GE(wakes_.load(), 1);

  auto events = Events("suspended_recovered");
  ASSERT_EQ(events.size(), 1u);
  json d = json::parse(events[0].detail_json);
  EXPECT_EQ(d["agent_id"], agent_id_);
  EXPECT_EQ(d["ticket_id"], ticket_id);
  EXPECT_EQ(d["requester"], "original");

  // Recovering twice: it is gone.
  EXPECT_EQ(Call("PUT", "/api/v2/suspended_tickets/" + T(id) + "/recover").status, 404);
}

TEST_F(SuspendedApiTest, RecoverAsMeMakesTheAgentTheRequester) {
  int64_t id = AddSuspended("pat@customer.example", "Help", intake::kCauseLoop, kT0);
  EXPECT_EQ(Call("PUT", "/api/v2/suspended_tickets/" + T(id) + "/recover?requester=you").status,
            400);
  EXPECT_EQ(Call("PUT", "/api/v2/suspended_tickets/" + T(id) + "/recover", "{not json").status,
            400);
  json j = CallJson("PUT", "/api/v2/suspended_tickets/" + T(id) + "/recover", 200,
                    R"({"requester": "me"})");
  EXPECT_EQ(j["ticket"][0]["requester_id"], agent_id_);
  EXPECT_EQ(json::parse(Events("suspended_recovered").at(0).detail_json)["requester"], "agent");
}

TEST_F(SuspendedApiTest, RecoveredReplyBecomesACommentOnItsTicket) {
  // Pat's first email makes a ticket.
  intake::Inbound first;
  first.bytes = Mail("pat@customer.example", "Broken widget", "It broke.", "w1@customer.example");
  first.mail_from = "pat@customer.example";
  first.recipients = {kSupport};
  auto made = pipeline_->Process(*store_, first);
  ASSERT_TRUE(made.ok()) << made.status().message();
  ASSERT_EQ(made->kind, intake::OutcomeKind::kTicket);
  // Pat's reply was held back; recovering it adds it to that ticket.
  std::string reply = Mail("pat@customer.example", "Re: Broken widget", "Still broken.",
                           "w2@customer.example", "In-Reply-To: <w1@customer.example>\r\n");
  int64_t id = AddSuspended("pat@customer.example", "Re: Broken widget", intake::kCauseAutoMailer,
                            kT0, reply);
  json j = CallJson("PUT", "/api/v2/suspended_tickets/" + T(id) + "/recover", 200);
  EXPECT_EQ(j["ticket"][0]["id"], made->ticket_id);
  EXPECT_EQ(j["ticket"][0]["recovered_from"]["outcome"], "comment");
  json comments = Get("/api/v2/tickets/" + T(made->ticket_id) + "/comments")["comments"];
  ASSERT_EQ(comments.size(), 2u);
  EXPECT_NE(comments[1]["body"].get<std::string>().find("Still broken."), std::string::npos);
}

TEST_F(SuspendedApiTest, RecoverManyReportsFailuresAndKeepsSuccesses) {
  int64_t a = AddSuspended("one@customer.example", "First", intake::kCauseSpam, kT0);
  int64_t b = AddSuspended("two@customer.example", "Second", intake::kCauseSpam, kT0 + 1);
  json j = CallJson("PUT", "/api/v2/suspended_tickets/recover_many?ids=" + T(a) + ",999999," + T(b),
                    422);
  ASSERT_EQ(j["tickets"].size(), 2u);
  ASSERT_EQ(j["suspended_tickets"].size(), 1u);
  EXPECT_EQ(j["suspended_tickets"][0]["id"], 999999);
  EXPECT_FALSE(j["suspended_tickets"][0]["error_messages"][0].get<std::string>().empty());
  EXPECT_EQ(Get("/api/v2/suspended_tickets")["count"], 0);
  EXPECT_EQ(Get("/api/v2/tickets")["count"], 2);

  int64_t c = AddSuspended("three@customer.example", "Third", intake::kCauseSpam, kT0 + 2);
  j = CallJson("PUT", "/api/v2/suspended_tickets/recover_many?ids=" + T(c), 200);
  ASSERT_EQ(j["tickets"].size(), 1u);
  EXPECT_EQ(j["tickets"][0]["subject"], "Third");
  EXPECT_EQ(Call("PUT", "/api/v2/suspended_tickets/recover_many?ids=").status, 400);
}

TEST_F(SuspendedApiTest, MarkAsSpamLearnsClosesAndTagsWithoutMail) {
  intake::Inbound in;
  in.bytes =
      Mail("spammer@spam.example", "Cheap watches", "Buy cheap watches now", "cw@spam.example");
  in.mail_from = "spammer@spam.example";
  in.recipients = {kSupport};
  auto made = pipeline_->Process(*store_, in);
  ASSERT_TRUE(made.ok());
  ASSERT_EQ(made->kind, intake::OutcomeKind::kTicket);
  size_t outbound_before = 0;
  Read([&](store::Tx& tx) { outbound_before = tx.ListOutboundMessages(made->ticket_id)->size(); });

  json j = CallJson("PUT", "/api/v2/tickets/" + T(made->ticket_id) + "/mark_as_spam", 200);
  EXPECT_EQ(j["ticket"]["status"], "closed");
  EXPECT_NE(std::find(j["ticket"]["tags"].begin(), j["ticket"]["tags"].end(), "spam"),
            j["ticket"]["tags"].end());
  EXPECT_EQ(j["spam"]["learned"], true);
  EXPECT_EQ(filter_.learned().first, 1);
  Read([&](store::Tx& tx) {
    EXPECT_EQ(tx.ListOutboundMessages(made->ticket_id)->size(), outbound_before);
  });
  // Again: nothing more to learn, still 200.
  j = CallJson("PUT", "/api/v2/tickets/" + T(made->ticket_id) + "/mark_as_spam", 200);
  EXPECT_EQ(j["spam"]["learned"], false);
  EXPECT_EQ(filter_.learned().first, 1);
  EXPECT_EQ(Call("PUT", "/api/v2/tickets/999999/mark_as_spam").status, 404);
}

TEST_F(SuspendedApiTest, AnAgentsPublicAnswerTeachesHamOnce) {
  intake::Inbound in;
  in.bytes =
      Mail("pat@customer.example", "Invoice question", "Why two charges?", "iq@customer.example");
  in.mail_from = "pat@customer.example";
  in.recipients = {kSupport};
  auto made = pipeline_->Process(*store_, in);
  ASSERT_TRUE(made.ok());
  // A private note teaches nothing.
  CallJson("PUT", "/api/v2/tickets/" + T(made->ticket_id), 200,
           R"({"ticket": {"comment": {"body": "checking", "public": false}}})");
  EXPECT_EQ(filter_.learned().second, 0);
  CallJson("PUT", "/api/v2/tickets/" + T(made->ticket_id), 200,
           R"({"ticket": {"comment": {"body": "We refunded one."}}})");
  EXPECT_EQ(filter_.learned().second, 1);
  CallJson("PUT", "/api/v2/tickets/" + T(made->ticket_id), 200,
           R"({"ticket": {"comment": {"body": "Anything else?"}}})");
  EXPECT_EQ(filter_.learned().second, 1);  // the learn cache: once per message
  json audits = Get("/api/v2/tickets/" + T(made->ticket_id) + "/audits")["audits"];
  int learned_marks = 0;
  for (const auto& a : audits) learned_marks += a["metadata"].contains("spam_filter");
  EXPECT_EQ(learned_marks, 1);
}

TEST_F(SuspendedApiTest, FindCauseKnowsZendeskIdsAndNames) {
  EXPECT_EQ(FindCause("spam")->id, 0);
  EXPECT_EQ(FindCause("0")->name, "spam");
  EXPECT_EQ(FindCause("auto_vacation")->id, 8);
  EXPECT_EQ(FindCause("29")->name, "malicious_pattern_detected");
  EXPECT_FALSE(FindCause("nope"));
  EXPECT_FALSE(FindCause("-1"));
  EXPECT_FALSE(FindCause(""));
}

}  // namespace
}  // namespace postdesk::api
