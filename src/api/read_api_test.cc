// The read API against a real SQLite store in a temporary directory, called
// through the router (and, for the download headers, over a socket).
#include "api/read_api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/ids.h"
#include "http/server.h"
#include "http/test_client.h"

namespace postdesk::api {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kAdminToken[] = "admin-token-1234";
constexpr char kAgentToken[] = "agent-token-5678";
constexpr char kEndUserToken[] = "end-user-token-9";
constexpr char kEvilName[] = "evil\"\r\nX-Injected: 1.html";

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

class ReadApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ =
        new fs::path(fs::temp_directory_path() / ("postdesk-api-test-" + std::to_string(getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    auto opened = store::OpenSqlite((*dir_ / "postdesk.db").string());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value().release();
    Seed();
    router_ = new http::Router();
    RegisterReadApi(*router_, *store_, {.base_url = "http://fallback.example:9"});
  }
  static void TearDownTestSuite() {
    delete router_;
    delete store_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static void Seed() {
    Status s = store_->Write([](store::Tx& tx) -> Status {
      auto make_user = [&](std::string name, std::string email, Role role,
                           const char* token) -> int64_t {
        store::User u;
        u.name = std::move(name);
        u.email = std::move(email);
        u.role = role;
        u.created_at = u.updated_at = 1700000000;
        auto created = tx.CreateUser(u);
        EXPECT_TRUE(created.ok()) << created.status().message();
        if (token) {
          EXPECT_TRUE(tx.SetUserApiToken(created->id, Sha256Hex(token)).ok());
        }
        return created->id;
      };
      admin_id_ = make_user("Ada Admin", "admin@support.example", Role::kAdmin, kAdminToken);
      agent_id_ = make_user("Alan Agent", "agent@support.example", Role::kAgent, kAgentToken);
      customer_id_ = make_user("Carol Customer", "carol@example.com", Role::kEndUser, kEndUserToken);

      for (int i = 0; i < 5; ++i) {
        store::Ticket t;
        t.encoded_id = NewEncodedId();
        t.subject = "Printer on fire " + std::to_string(i);
        t.description = "It is on fire.";
        t.status = "open";
        t.requester_id = customer_id_;
        t.submitter_id = customer_id_;
        t.recipient = "support@support.example";
        t.created_at = t.updated_at = 1700000100 + i;
        if (i == 0) {
          t.assignee_id = agent_id_;
          t.collaborator_ids = {admin_id_};
        }
        auto created = tx.CreateTicket(t);
        if (!created.ok()) return created.status();
        if (i == 0) {
          ticket_id_ = created->id;
          encoded_id_ = created->encoded_id;
        }
      }

      store::RawMessage raw;
      raw.bytes = "From: carol@example.com\r\nSubject: Printer on fire 0\r\n\r\nIt is on fire.\r\n";
      raw.sha256 = Sha256Hex(raw.bytes);
      raw.message_id = "abc@example.com";
      raw.mail_from = "carol@example.com";
      raw.rcpt_to = {"support@support.example"};
      raw.door = "smtp";
      raw.received_at = 1700000100;
      auto raw_id = tx.AddRawMessage(raw);
      if (!raw_id.ok()) return raw_id.status();

      store::Comment c1;
      c1.ticket_id = ticket_id_;
      c1.author_id = customer_id_;
      c1.body = "It is on fire.";
      c1.html_body = "<div>It is <b>on fire</b>.</div>";
      c1.raw_message_id = *raw_id;
      c1.created_at = 1700000100;
      auto added = tx.AddComment(c1);
      if (!added.ok()) return added.status();
      email_comment_id_ = added->id;

      store::Comment c2;
      c2.ticket_id = ticket_id_;
      c2.author_id = agent_id_;
      c2.body = "Use <water>.\n\nThanks";
      c2.via = Channel::kWeb;
      c2.created_at = 1700000200;
      added = tx.AddComment(c2);
      if (!added.ok()) return added.status();
      web_comment_id_ = added->id;

      store::AttachmentMeta evil;
      evil.comment_id = email_comment_id_;
      evil.file_name = kEvilName;
      evil.content_type = "text/html";
      auto att = tx.AddAttachment(evil, "<script>alert(1)</script>");
      if (!att.ok()) return att.status();
      evil_attachment_id_ = att->id;

      store::AttachmentMeta pdf;
      pdf.comment_id = email_comment_id_;
      pdf.file_name = "r\xC3\xA9sum\xC3\xA9.pdf";
      pdf.content_type = "application/pdf";
      att = tx.AddAttachment(pdf, "%PDF-1.4 fake");
      if (!att.ok()) return att.status();
      pdf_attachment_id_ = att->id;

      store::Audit audit;
      audit.ticket_id = ticket_id_;
      audit.author_id = customer_id_;
      audit.events_json =
          json::array({{{"id", 1}, {"type", "Create"}, {"field_name", "status"}, {"value", "new"}},
                       {{"id", email_comment_id_},
                        {"type", "Comment"},
                        {"body", "It is on fire."},
                        {"public", true}}})
              .dump();
      audit.metadata_json = R"({"system": {"ip_address": "192.0.2.7"}})";
      audit.created_at = 1700000100;
      auto audit_id = tx.AddAudit(audit);
      if (!audit_id.ok()) return audit_id.status();
      audit_id_ = *audit_id;

      store::SuspendedTicket sus;
      sus.cause_id = 0;
      sus.cause = "Detected as spam";
      sus.author_name = "Spammer";
      sus.author_email = "spam@spam.example";
      sus.subject = "Buy now";
      sus.content = "Cheap stuff";
      sus.recipient = "support@support.example";
      sus.message_id = "spam1@spam.example";
      sus.raw_message_id = *raw_id;
      sus.evidence_json = R"({"spam_score": 0.99})";
      sus.created_at = 1700000300;
      auto added_sus = tx.AddSuspended(sus);
      if (!added_sus.ok()) return added_sus.status();
      suspended_id_ = added_sus->id;
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }

  static http::Response Get(std::string target, std::string auth = "") {
    http::Request req;
    req.method = "GET";
    req.target = std::move(target);
    req.headers["host"] = "127.0.0.1:8080";
    if (auth.empty()) auth = std::string("Bearer ") + kAgentToken;
    if (auth != "none") req.headers["authorization"] = auth;
    return router_->Dispatch(std::move(req));
  }
  static json GetJson(std::string target, int expected_status = 200) {
    auto r = Get(target);
    EXPECT_EQ(r.status, expected_status) << target << ": " << r.body;
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }
  static std::string T(int64_t id) { return std::to_string(id); }

  static inline fs::path* dir_ = nullptr;
  static inline store::Store* store_ = nullptr;
  static inline http::Router* router_ = nullptr;
  static inline int64_t admin_id_ = 0, agent_id_ = 0, customer_id_ = 0;
  static inline int64_t ticket_id_ = 0, email_comment_id_ = 0, web_comment_id_ = 0;
  static inline int64_t evil_attachment_id_ = 0, pdf_attachment_id_ = 0;
  static inline int64_t audit_id_ = 0, suspended_id_ = 0;
  static inline std::string encoded_id_;
};

TEST_F(ReadApiTest, MissingTokenIs401WithChallenge) {
  auto r = Get("/api/v2/tickets.json", "none");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["error"], "Unauthorized");
  int challenges = 0;
  for (auto& [k, v] : r.headers) challenges += k == "WWW-Authenticate";
  EXPECT_EQ(challenges, 2);
}

TEST_F(ReadApiTest, WrongTokenIs401) {
  EXPECT_EQ(Get("/api/v2/tickets.json", "Bearer nope").status, 401);
  EXPECT_EQ(Get("/api/v2/tickets.json", "Bearer ").status, 401);
  EXPECT_EQ(Get("/api/v2/tickets.json", "Token abc").status, 401);
  EXPECT_EQ(Get("/api/v2/tickets.json", "Basic !!!").status, 401);
  // Password auth is refused with a hint.
  auto r = Get("/api/v2/tickets.json", "Basic " + Base64("agent@support.example:secret"));
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(json::parse(r.body)["description"].get<std::string>().find("token"), std::string::npos);
  // Right token, wrong email.
  EXPECT_EQ(Get("/api/v2/tickets.json",
                "Basic " + Base64(std::string("admin@support.example/token:") + kAgentToken))
                .status,
            401);
}

TEST_F(ReadApiTest, EndUserTokenIs403) {
  auto r = Get("/api/v2/tickets.json", std::string("Bearer ") + kEndUserToken);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::parse(r.body)["error"], "Forbidden");
}

TEST_F(ReadApiTest, BearerAndBasicWork) {
  EXPECT_EQ(Get("/api/v2/tickets.json", std::string("Bearer ") + kAdminToken).status, 200);
  EXPECT_EQ(Get("/api/v2/tickets.json",
                "Basic " + Base64(std::string("Agent@Support.example/token:") + kAgentToken))
                .status,
            200);
  auto me = GetJson("/api/v2/users/me.json");
  EXPECT_EQ(me["user"]["id"], agent_id_);
  EXPECT_EQ(me["user"]["role"], "agent");
}

TEST_F(ReadApiTest, TicketShape) {
  json j = GetJson("/api/v2/tickets/" + T(ticket_id_) + ".json");
  const json& t = j["ticket"];
  EXPECT_EQ(t["id"], ticket_id_);
  EXPECT_EQ(t["url"], "http://127.0.0.1:8080/api/v2/tickets/" + T(ticket_id_) + ".json");
  EXPECT_TRUE(t["external_id"].is_null());
  EXPECT_TRUE(t["type"].is_null());
  EXPECT_TRUE(t["priority"].is_null());
  EXPECT_EQ(t["subject"], "Printer on fire 0");
  EXPECT_EQ(t["raw_subject"], "Printer on fire 0");
  EXPECT_EQ(t["description"], "It is on fire.");
  EXPECT_EQ(t["status"], "open");
  EXPECT_EQ(t["recipient"], "support@support.example");
  EXPECT_EQ(t["requester_id"], customer_id_);
  EXPECT_EQ(t["submitter_id"], customer_id_);
  EXPECT_EQ(t["assignee_id"], agent_id_);
  EXPECT_EQ(t["collaborator_ids"], json::array({admin_id_}));
  EXPECT_EQ(t["email_cc_ids"], json::array({admin_id_}));
  EXPECT_EQ(t["tags"], json::array());
  EXPECT_EQ(t["encoded_id"], encoded_id_);
  EXPECT_EQ(t["created_at"], "2023-11-14T22:15:00Z");
  EXPECT_EQ(t["via"]["channel"], "email");
  EXPECT_EQ(t["via"]["source"]["from"]["address"], "carol@example.com");
  EXPECT_EQ(t["via"]["source"]["from"]["name"], "Carol Customer");
  EXPECT_EQ(t["via"]["source"]["to"]["address"], "support@support.example");
  EXPECT_TRUE(t["via"]["source"]["rel"].is_null());
  // Without .json too.
  EXPECT_EQ(GetJson("/api/v2/tickets/" + T(ticket_id_))["ticket"]["id"], ticket_id_);
}

TEST_F(ReadApiTest, TicketListPaginates) {
  json j = GetJson("/api/v2/tickets.json?per_page=2");
  EXPECT_EQ(j["count"], 5);
  ASSERT_EQ(j["tickets"].size(), 2u);
  EXPECT_EQ(j["tickets"][0]["id"], ticket_id_);
  EXPECT_EQ(j["next_page"], "http://127.0.0.1:8080/api/v2/tickets.json?page=2&per_page=2");
  EXPECT_TRUE(j["previous_page"].is_null());

  j = GetJson("/api/v2/tickets.json?page=3&per_page=2");
  ASSERT_EQ(j["tickets"].size(), 1u);
  EXPECT_TRUE(j["next_page"].is_null());
  EXPECT_EQ(j["previous_page"], "http://127.0.0.1:8080/api/v2/tickets.json?page=2&per_page=2");

  j = GetJson("/api/v2/tickets");
  EXPECT_EQ(j["tickets"].size(), 5u);
  EXPECT_TRUE(j["next_page"].is_null());
  EXPECT_EQ(GetJson("/api/v2/tickets.json?per_page=1000")["tickets"].size(), 5u);
  EXPECT_EQ(Get("/api/v2/tickets.json?page=0").status, 400);
  EXPECT_EQ(Get("/api/v2/tickets.json?page=abc").status, 400);
  EXPECT_EQ(Get("/api/v2/tickets.json?per_page=-5").status, 400);
  EXPECT_EQ(GetJson("/api/v2/tickets.json?page=99")["tickets"].size(), 0u);
}

TEST_F(ReadApiTest, CommentsShape) {
  json j = GetJson("/api/v2/tickets/" + T(ticket_id_) + "/comments.json");
  EXPECT_EQ(j["count"], 2);
  EXPECT_TRUE(j["next_page"].is_null());
  EXPECT_TRUE(j["previous_page"].is_null());
  ASSERT_EQ(j["comments"].size(), 2u);
  const json& c1 = j["comments"][0];
  EXPECT_EQ(c1["id"], email_comment_id_);
  EXPECT_EQ(c1["type"], "Comment");
  EXPECT_EQ(c1["author_id"], customer_id_);
  EXPECT_EQ(c1["body"], "It is on fire.");
  EXPECT_EQ(c1["plain_body"], "It is on fire.");
  EXPECT_EQ(c1["html_body"], "<div>It is <b>on fire</b>.</div>");
  EXPECT_EQ(c1["public"], true);
  EXPECT_EQ(c1["audit_id"], audit_id_);
  EXPECT_EQ(c1["via"]["channel"], "email");
  EXPECT_EQ(c1["via"]["source"]["from"]["address"], "carol@example.com");
  const json& system = c1["metadata"]["system"];
  EXPECT_FALSE(system["raw_email_identifier"].get<std::string>().empty());
  EXPECT_EQ(system["raw_email_url"], "http://127.0.0.1:8080/api/v2/tickets/" + T(ticket_id_) +
                                         "/comments/" + T(email_comment_id_) + "/raw");
  ASSERT_EQ(c1["attachments"].size(), 2u);
  const json& a = c1["attachments"][1];
  EXPECT_EQ(a["id"], pdf_attachment_id_);
  EXPECT_EQ(a["file_name"], "r\xC3\xA9sum\xC3\xA9.pdf");
  EXPECT_EQ(a["content_type"], "application/pdf");
  EXPECT_EQ(a["size"], 13);
  EXPECT_EQ(a["inline"], false);
  EXPECT_EQ(a["content_url"],
            "http://127.0.0.1:8080/attachments/" + T(pdf_attachment_id_) + "/r%C3%A9sum%C3%A9.pdf");
  EXPECT_EQ(a["url"],
            "http://127.0.0.1:8080/api/v2/attachments/" + T(pdf_attachment_id_) + ".json");

  const json& c2 = j["comments"][1];
  EXPECT_EQ(c2["html_body"], "<p>Use &lt;water&gt;.</p><p>Thanks</p>");
  EXPECT_FALSE(c2.contains("audit_id"));
  EXPECT_EQ(c2["via"]["channel"], "web");
  EXPECT_TRUE(c2["metadata"]["system"].empty());
  EXPECT_EQ(c2["attachments"], json::array());

  j = GetJson("/api/v2/tickets/" + T(ticket_id_) + "/comments.json?per_page=1");
  EXPECT_EQ(j["comments"].size(), 1u);
  EXPECT_FALSE(j["next_page"].is_null());
}

TEST_F(ReadApiTest, RawEmailOfAComment) {
  auto r = Get("/api/v2/tickets/" + T(ticket_id_) + "/comments/" + T(email_comment_id_) + "/raw");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "message/rfc822");
  EXPECT_NE(r.body.find("Subject: Printer on fire 0"), std::string::npos);
  bool found = false;
  for (auto& [k, v] : r.headers) {
    if (k == "Content-Disposition") {
      found = true;
      EXPECT_EQ(v, "attachment; filename=\"comment-" + T(email_comment_id_) + ".eml\"");
    }
  }
  EXPECT_TRUE(found);
  // A comment typed in the web UI has no email.
  r = Get("/api/v2/tickets/" + T(ticket_id_) + "/comments/" + T(web_comment_id_) + "/raw");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"], "RecordNotFound");
  // The comment must belong to the ticket in the path.
  r = Get("/api/v2/tickets/" + T(ticket_id_ + 1) + "/comments/" + T(email_comment_id_) + "/raw");
  EXPECT_EQ(r.status, 404);
}

TEST_F(ReadApiTest, AuditsShape) {
  json j = GetJson("/api/v2/tickets/" + T(ticket_id_) + "/audits.json");
  EXPECT_EQ(j["count"], 1);
  ASSERT_EQ(j["audits"].size(), 1u);
  const json& a = j["audits"][0];
  EXPECT_EQ(a["id"], audit_id_);
  EXPECT_EQ(a["ticket_id"], ticket_id_);
  EXPECT_EQ(a["author_id"], customer_id_);
  EXPECT_EQ(a["metadata"]["system"]["ip_address"], "192.0.2.7");
  EXPECT_TRUE(a["metadata"]["custom"].is_object());
  EXPECT_EQ(a["via"]["channel"], "email");
  ASSERT_EQ(a["events"].size(), 2u);
  EXPECT_EQ(a["events"][1]["type"], "Comment");
  EXPECT_EQ(a["created_at"], "2023-11-14T22:15:00Z");
}

TEST_F(ReadApiTest, UserShape) {
  json u = GetJson("/api/v2/users/" + T(customer_id_) + ".json")["user"];
  EXPECT_EQ(u["id"], customer_id_);
  EXPECT_EQ(u["url"], "http://127.0.0.1:8080/api/v2/users/" + T(customer_id_) + ".json");
  EXPECT_EQ(u["name"], "Carol Customer");
  EXPECT_EQ(u["email"], "carol@example.com");
  EXPECT_EQ(u["role"], "end-user");
  EXPECT_EQ(u["active"], true);
  EXPECT_EQ(u["verified"], false);
  EXPECT_EQ(u["created_at"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(GetJson("/api/v2/users/" + T(admin_id_))["user"]["verified"], true);
}

TEST_F(ReadApiTest, SuspendedShape) {
  json j = GetJson("/api/v2/suspended_tickets.json");
  EXPECT_EQ(j["count"], 1);
  EXPECT_TRUE(j["next_page"].is_null());
  ASSERT_EQ(j["suspended_tickets"].size(), 1u);
  const json& s = j["suspended_tickets"][0];
  EXPECT_EQ(s["id"], suspended_id_);
  EXPECT_EQ(s["url"],
            "http://127.0.0.1:8080/api/v2/suspended_tickets/" + T(suspended_id_) + ".json");
  EXPECT_TRUE(s["author"]["id"].is_null());
  EXPECT_EQ(s["author"]["name"], "Spammer");
  EXPECT_EQ(s["author"]["email"], "spam@spam.example");
  EXPECT_EQ(s["subject"], "Buy now");
  EXPECT_EQ(s["content"], "Cheap stuff");
  EXPECT_EQ(s["cause"], "Detected as spam");
  EXPECT_EQ(s["cause_id"], 0);
  EXPECT_EQ(s["message_id"], "spam1@spam.example");
  EXPECT_TRUE(s["ticket_id"].is_null());
  EXPECT_EQ(s["recipient"], "support@support.example");
  EXPECT_TRUE(s["brand_id"].is_null());
  EXPECT_EQ(s["attachments"], json::array());
  EXPECT_EQ(s["via"]["source"]["from"]["address"], "spam@spam.example");
  EXPECT_EQ(s["evidence"]["spam_score"], 0.99);
  EXPECT_EQ(GetJson("/api/v2/suspended_tickets/" + T(suspended_id_))["suspended_ticket"]["id"],
            suspended_id_);
}

TEST_F(ReadApiTest, AttachmentShape) {
  json a = GetJson("/api/v2/attachments/" + T(evil_attachment_id_) + ".json")["attachment"];
  EXPECT_EQ(a["id"], evil_attachment_id_);
  EXPECT_EQ(a["file_name"], kEvilName);
  EXPECT_EQ(a["content_type"], "text/html");
  EXPECT_EQ(a["size"], 25);
  EXPECT_EQ(a["inline"], false);
  EXPECT_EQ(a["content_url"], "http://127.0.0.1:8080/attachments/" + T(evil_attachment_id_) +
                                  "/evil%22%0D%0AX-Injected%3A%201.html");
}

TEST_F(ReadApiTest, NotFoundIsRecordNotFound) {
  for (std::string target :
       {"/api/v2/tickets/999999.json", "/api/v2/tickets/999999/comments.json",
        "/api/v2/tickets/999999/audits.json", "/api/v2/users/999999.json",
        "/api/v2/suspended_tickets/999999.json", "/api/v2/attachments/999999.json",
        "/attachments/999999/x.png", "/api/v2/tickets/1/comments/999999/raw"}) {
    auto r = Get(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(json::parse(r.body),
              (json{{"error", "RecordNotFound"}, {"description", "Not found"}}))
        << target;
  }
  auto r = Get("/api/v2/nothing.json");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"], "InvalidEndpoint");
}

TEST_F(ReadApiTest, BadIdsAre400) {
  for (std::string target :
       {"/api/v2/tickets/abc.json", "/api/v2/tickets/-1", "/api/v2/tickets/1.5",
        "/api/v2/tickets/99999999999999999999.json", "/api/v2/tickets/x/comments",
        "/api/v2/tickets/1/comments/x/raw", "/api/v2/users/abc", "/api/v2/suspended_tickets/%20",
        "/api/v2/attachments/1e3", "/attachments/abc/x.png"}) {
    auto r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(json::parse(r.body)["error"], "InvalidValue") << target;
  }
}

TEST_F(ReadApiTest, WrongMethodIs405) {
  http::Request req;
  req.method = "DELETE";
  req.target = "/api/v2/tickets/1.json";
  EXPECT_EQ(router_->Dispatch(req).status, 405);
}

TEST_F(ReadApiTest, HostHeaderIsValidatedForUrls) {
  http::Request req;
  req.method = "GET";
  req.target = "/api/v2/tickets/" + T(ticket_id_) + ".json";
  req.headers["host"] = "evil.example/\"><script>";
  req.headers["authorization"] = std::string("Bearer ") + kAgentToken;
  auto j = json::parse(router_->Dispatch(req).body);
  EXPECT_EQ(j["ticket"]["url"],
            "http://fallback.example:9/api/v2/tickets/" + T(ticket_id_) + ".json");
}

TEST_F(ReadApiTest, AttachmentBytesNeedAuth) {
  EXPECT_EQ(Get("/attachments/" + T(pdf_attachment_id_) + "/x.pdf", "none").status, 401);
  auto r = Get("/attachments/" + T(pdf_attachment_id_) + "/anything.pdf");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/pdf");
  EXPECT_EQ(r.body, "%PDF-1.4 fake");
}

// Over a real socket, so the headers are checked as they are on the wire.
TEST_F(ReadApiTest, AttachmentDownloadHeadersAreSafeOnTheWire) {
  boost::asio::io_context io;
  http::HttpServer server(io, {}, *router_);
  ASSERT_TRUE(server.Listen().ok());
  server.Start();
  std::thread runner([&] { io.run(); });

  http::testing::TestClient client(server.port());
  auto r = client.Send("GET", "/attachments/" + T(evil_attachment_id_) + "/evil.html",
                       {{"Authorization", std::string("Bearer ") + kAgentToken}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.HeaderCount("X-Injected"), 0);
  EXPECT_EQ(r.Header("Content-Disposition"),
            "attachment; filename=\"evil_X-Injected_ 1.html\"; "
            "filename*=UTF-8''evil%22X-Injected%3A%201.html");
  EXPECT_EQ(r.body, "<script>alert(1)</script>");

  // The content_url from the JSON works as given.
  auto meta = client.Send("GET", "/api/v2/attachments/" + T(pdf_attachment_id_) + ".json",
                          {{"Authorization", std::string("Bearer ") + kAgentToken},
                           {"Host", "127.0.0.1:" + std::to_string(server.port())}});
  ASSERT_EQ(meta.status, 200);
  std::string url = json::parse(meta.body)["attachment"]["content_url"];
  std::string prefix = "http://127.0.0.1:" + std::to_string(server.port());
  ASSERT_EQ(url.rfind(prefix, 0), 0u) << url;
  auto bytes = client.Send("GET", url.substr(prefix.size()),
                           {{"Authorization", std::string("Bearer ") + kAgentToken}});
  EXPECT_EQ(bytes.status, 200);
  EXPECT_EQ(bytes.body, "%PDF-1.4 fake");
  EXPECT_NE(bytes.Header("Content-Disposition").find("filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"),
            std::string::npos);

  // No token on the wire: 401 with challenges.
  auto denied = client.Send("GET", "/api/v2/tickets.json");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.HeaderCount("WWW-Authenticate"), 2);

  server.Stop();
  io.stop();
  runner.join();
}

}  // namespace
}  // namespace postdesk::api
