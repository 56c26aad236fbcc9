// Store tests, written once against the Store interface and run for every
// backend (a PostgreSQL factory joins SqliteBackend() in the instantiation).

#include "store/store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/ids.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_store.h"

namespace postdesk::store {
namespace {

namespace fs = std::filesystem;

// How a test reaches one backend. `location` is a fresh temporary directory.
struct Backend {
  std::string name;
  std::function<Result<std::unique_ptr<Store>>(const std::string& location)> open;
  // Peeks under the interface, for facts it does not expose.
  std::function<int64_t(const std::string& location, const std::string& table)> count_rows;
  std::function<void(const std::string& location, int version)> record_schema_version;
  // Replaces whatever is at `location` with a database that has only the
  // schema steps up to `version` applied, as an older postdesk left it.
  std::function<void(const std::string& location, int version)> create_schema_at;
  // Runs one statement of portable SQL outside the Store (to fill such a
  // database with rows).
  std::function<void(const std::string& location, const std::string& sql)> exec;
};

std::string SqlitePath(const std::string& location) { return location + "/postdesk.db"; }

void SqliteExec(const std::string& location, const std::string& sql,
                const std::function<void(sqlite3_stmt*)>& on_row = nullptr) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(SqlitePath(location).c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (on_row) on_row(stmt);
  }
  EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

Backend SqliteBackend() {
  Backend b;
  b.name = "Sqlite";
  b.open = [](const std::string& location) { return OpenSqlite(SqlitePath(location)); };
  b.count_rows = [](const std::string& location, const std::string& table) {
    int64_t n = -1;
    SqliteExec(location, "SELECT COUNT(*) FROM " + table,
               [&](sqlite3_stmt* s) { n = sqlite3_column_int64(s, 0); });
    return n;
  };
  b.record_schema_version = [](const std::string& location, int version) {
    SqliteExec(location, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
                             std::to_string(version) + ", 'from the future', 0)");
  };
  b.create_schema_at = [](const std::string& location, int version) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::error_code ec;
      fs::remove(SqlitePath(location) + suffix, ec);
    }
    SqliteExec(location,
               "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
               "applied_at BIGINT NOT NULL)");
    for (const Migration& m : Migrations()) {
      if (m.version > version) break;
      for (std::string_view sql : m.statements) {
        SqliteExec(location, RenderSql(sql, SqliteDialect()));
      }
      SqliteExec(location, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
                               std::to_string(m.version) + ", 'old', 0)");
    }
  };
  b.exec = [](const std::string& location, const std::string& sql) { SqliteExec(location, sql); };
  return b;
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "postdesk-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    location_ = tmpl;
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(location_, ec);
  }
  void Reopen() {
    store_.reset();
    auto opened = GetParam().open(location_);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
  }
  Store& store() { return *store_; }

  // Runs `fn` in a write transaction and expects it to commit.
  void W(const std::function<void(Tx&)>& fn) {
    Status s = store_->Write([&](Tx& tx) {
      fn(tx);
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }
  void R(const std::function<void(Tx&)>& fn) {
    Status s = store_->Read([&](Tx& tx) {
      fn(tx);
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }

  User MakeUser(Tx& tx, const std::string& email) {
    User u;
    u.name = "User " + email;
    u.email = email;
    u.created_at = u.updated_at = 1700000000;
    auto r = tx.CreateUser(u);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : User{};
  }
  Ticket MakeTicket(Tx& tx, int64_t requester, const std::string& subject) {
    Ticket t;
    t.encoded_id = NewEncodedId();
    t.subject = subject;
    t.description = "body of " + subject;
    t.requester_id = t.submitter_id = requester;
    t.recipient = "support@example.com";
    t.created_at = t.updated_at = 1700000100;
    auto r = tx.CreateTicket(t);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : Ticket{};
  }

  // Outbound fixtures: a message, and a recipient with its VERP token.
  OutboundMessage AddMessage(Tx& tx, const std::string& message_id) {
    OutboundMessage m;
    m.message_id = message_id;
    m.bytes = "x";
    auto r = tx.AddOutboundMessage(m);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : OutboundMessage{};
  }
  OutboundRecipient AddRecipient(Tx& tx, int64_t message_id, const std::string& token,
                                 const std::string& state, int64_t next_attempt_at) {
    OutboundRecipient r;
    r.message_id = message_id;
    r.address = token + "@example.org";
    r.verp_token = token;
    r.state = state;
    r.next_attempt_at = next_attempt_at;
    auto added = tx.AddOutboundRecipient(r);
    EXPECT_TRUE(added.ok()) << added.status().message();
    return added.ok() ? *added : OutboundRecipient{};
  }
  static std::vector<std::string> Tokens(const std::vector<OutboundRecipient>& list) {
    std::vector<std::string> out;
    for (const OutboundRecipient& r : list) out.push_back(r.verp_token);
    return out;
  }

  std::string location_;
  std::unique_ptr<Store> store_;
};

// ---------------- users ----------------

TEST_P(StoreTest, UsersRoundTrip) {
  User created;
  W([&](Tx& tx) { created = MakeUser(tx, "Alice@Example.COM"); });
  EXPECT_GT(created.id, 0);
  EXPECT_EQ(created.email, "alice@example.com");

  R([&](Tx& tx) {
    auto got = tx.GetUser(created.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->name, "User Alice@Example.COM");
    EXPECT_EQ(got->email, "alice@example.com");
    EXPECT_EQ(got->role, Role::kEndUser);
    EXPECT_EQ(got->created_at, 1700000000);
    auto by_email = tx.FindUserByEmail("ALICE@example.com");
    ASSERT_TRUE(by_email.ok());
    EXPECT_EQ(by_email->id, created.id);
    EXPECT_EQ(tx.GetUser(created.id + 100).status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.FindUserByEmail("bob@example.com").status().kind(), ErrorKind::kNotFound);
  });
}

TEST_P(StoreTest, DuplicateEmailIsInvalid) {
  W([&](Tx& tx) { MakeUser(tx, "alice@example.com"); });
  Status s = store().Write([](Tx& tx) {
    User u;
    u.name = "Other Alice";
    u.email = "ALICE@example.com";
    return tx.CreateUser(u).status();
  });
  EXPECT_EQ(s.kind(), ErrorKind::kInvalid) << s.message();
  // Users without an address do not collide with each other.
  W([&](Tx& tx) {
    User u;
    u.name = "No address 1";
    EXPECT_TRUE(tx.CreateUser(u).ok());
    u.name = "No address 2";
    EXPECT_TRUE(tx.CreateUser(u).ok());
  });
}

TEST_P(StoreTest, ApiTokenLookup) {
  User agent;
  W([&](Tx& tx) {
    agent = MakeUser(tx, "agent@example.com");
    EXPECT_TRUE(tx.SetUserApiToken(agent.id, Sha256Hex("secret")).ok());
    EXPECT_EQ(tx.SetUserApiToken(agent.id + 1000, Sha256Hex("x")).kind(), ErrorKind::kNotFound);
  });
  R([&](Tx& tx) {
    auto found = tx.FindUserByApiToken(Sha256Hex("secret"));
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->id, agent.id);
    EXPECT_EQ(tx.FindUserByApiToken(Sha256Hex("wrong")).status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.FindUserByApiToken("").status().kind(), ErrorKind::kNotFound);
  });
  // A token belongs to one user only; an empty token clears it.
  W([&](Tx& tx) {
    User other = MakeUser(tx, "other@example.com");
    EXPECT_EQ(tx.SetUserApiToken(other.id, Sha256Hex("secret")).kind(), ErrorKind::kInvalid);
    EXPECT_TRUE(tx.SetUserApiToken(agent.id, "").ok());
    EXPECT_EQ(tx.FindUserByApiToken(Sha256Hex("secret")).status().kind(), ErrorKind::kNotFound);
  });
}

// ---------------- tickets ----------------

TEST_P(StoreTest, TicketsRoundTripWithCollaborators) {
  User req, cc1, cc2, agent;
  Ticket created;
  W([&](Tx& tx) {
    req = MakeUser(tx, "req@example.com");
    cc1 = MakeUser(tx, "cc1@example.com");
    cc2 = MakeUser(tx, "cc2@example.com");
    agent = MakeUser(tx, "agent@example.com");
    Ticket t;
    t.encoded_id = "k7q2-9xwd";
    t.subject = "Printer on fire";
    t.description = "It is on fire.";
    t.requester_id = req.id;
    t.submitter_id = req.id;
    t.collaborator_ids = {cc2.id, cc1.id, cc2.id};  // order kept, duplicate dropped
    t.tags = {"vip", "Printer", "vip"};              // lower-cased, order kept, duplicate dropped
    t.recipient = "support@example.com";
    t.created_at = 10;
    t.updated_at = 11;
    auto r = tx.CreateTicket(t);
    ASSERT_TRUE(r.ok()) << r.status().message();
    created = *r;
  });
  EXPECT_GT(created.id, 0);
  EXPECT_EQ(created.encoded_id, "K7Q2-9XWD");

  R([&](Tx& tx) {
    auto got = tx.GetTicket(created.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->subject, "Printer on fire");
    EXPECT_EQ(got->description, "It is on fire.");
    EXPECT_EQ(got->status, "new");
    EXPECT_EQ(got->requester_id, req.id);
    EXPECT_FALSE(got->assignee_id.has_value());
    EXPECT_EQ(got->collaborator_ids, (std::vector<int64_t>{cc2.id, cc1.id}));
    EXPECT_EQ(got->tags, (std::vector<std::string>{"vip", "printer"}));
    EXPECT_EQ(got->recipient, "support@example.com");
    EXPECT_EQ(got->via, Channel::kEmail);
    EXPECT_EQ(got->created_at, 10);
    EXPECT_EQ(got->updated_at, 11);
    auto by_code = tx.FindTicketByEncodedId("k7q2-9xwd");
    ASSERT_TRUE(by_code.ok());
    EXPECT_EQ(by_code->id, created.id);
    EXPECT_EQ(tx.FindTicketByEncodedId("AAAA-BBBB").status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.GetTicket(created.id + 1).status().kind(), ErrorKind::kNotFound);
  });

  W([&](Tx& tx) {
    Ticket t = *tx.GetTicket(created.id);
    t.status = "open";
    t.assignee_id = agent.id;
    t.collaborator_ids = {cc1.id};
    t.tags = {"printer", "system_email_notification_failure"};
    t.updated_at = 99;
    EXPECT_TRUE(tx.UpdateTicket(t).ok());
    Ticket missing = t;
    missing.id = t.id + 50;
    EXPECT_EQ(tx.UpdateTicket(missing).kind(), ErrorKind::kNotFound);
  });
  R([&](Tx& tx) {
    auto got = tx.GetTicket(created.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->status, "open");
    EXPECT_EQ(got->assignee_id, std::optional<int64_t>(agent.id));
    EXPECT_EQ(got->collaborator_ids, (std::vector<int64_t>{cc1.id}));
    EXPECT_EQ(got->tags, (std::vector<std::string>{"printer", "system_email_notification_failure"}));
    EXPECT_EQ(got->updated_at, 99);
  });
}

TEST_P(StoreTest, TicketConstraints) {
  User req;
  Ticket first;
  W([&](Tx& tx) {
    req = MakeUser(tx, "req@example.com");
    first = MakeTicket(tx, req.id, "one");
  });
  Status dup = store().Write([&](Tx& tx) {
    Ticket t = first;
    t.id = 0;
    return tx.CreateTicket(t).status();
  });
  EXPECT_EQ(dup.kind(), ErrorKind::kInvalid) << dup.message();
  Status no_code = store().Write([&](Tx& tx) {
    Ticket t = first;
    t.encoded_id.clear();
    return tx.CreateTicket(t).status();
  });
  EXPECT_EQ(no_code.kind(), ErrorKind::kInvalid);
  Status bad_requester = store().Write([&](Tx& tx) {
    Ticket t = first;
    t.encoded_id = NewEncodedId();
    t.requester_id = req.id + 1000;
    return tx.CreateTicket(t).status();
  });
  EXPECT_EQ(bad_requester.kind(), ErrorKind::kInvalid) << bad_requester.message();
}

TEST_P(StoreTest, ListAndCountTicketsPaginate) {
  std::vector<int64_t> ids;
  W([&](Tx& tx) {
    User req = MakeUser(tx, "req@example.com");
    User cc = MakeUser(tx, "cc@example.com");
    for (int i = 0; i < 5; ++i) {
      Ticket t = MakeTicket(tx, req.id, "t" + std::to_string(i));
      if (i % 2 == 0) {
        t.collaborator_ids = {cc.id};
        EXPECT_TRUE(tx.UpdateTicket(t).ok());
      }
      ids.push_back(t.id);
    }
  });
  R([&](Tx& tx) {
    EXPECT_EQ(*tx.CountTickets(), 5);
    auto page = tx.ListTickets(1, 2);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].id, ids[1]);
    EXPECT_EQ((*page)[0].subject, "t1");
    EXPECT_TRUE((*page)[0].collaborator_ids.empty());
    EXPECT_EQ((*page)[1].id, ids[2]);
    EXPECT_EQ((*page)[1].collaborator_ids.size(), 1u);
    EXPECT_EQ(tx.ListTickets(4, 10)->size(), 1u);
    EXPECT_TRUE(tx.ListTickets(5, 10)->empty());
    EXPECT_EQ(tx.ListTickets(0, 100)->size(), 5u);
    EXPECT_EQ(tx.ListTickets(-1, 2).status().kind(), ErrorKind::kInvalid);
  });
}

TEST_P(StoreTest, MessageIdLookup) {
  Ticket a, b;
  W([&](Tx& tx) {
    User req = MakeUser(tx, "req@example.com");
    a = MakeTicket(tx, req.id, "a");
    b = MakeTicket(tx, req.id, "b");
    EXPECT_TRUE(tx.AddTicketMessageId(a.id, "first@mail.example", false).ok());
    EXPECT_TRUE(tx.AddTicketMessageId(a.id, "<reply@postdesk.example>", true).ok());
    EXPECT_TRUE(tx.AddTicketMessageId(a.id, "first@mail.example", false).ok());  // idempotent
    EXPECT_TRUE(tx.AddTicketMessageId(b.id, "other@mail.example", false).ok());
    EXPECT_EQ(tx.AddTicketMessageId(a.id, "", false).kind(), ErrorKind::kInvalid);
    EXPECT_EQ(tx.AddTicketMessageId(b.id + 100, "x@y", false).kind(), ErrorKind::kInvalid);
  });
  R([&](Tx& tx) {
    EXPECT_EQ(tx.FindTicketByMessageId("first@mail.example")->id, a.id);
    EXPECT_EQ(tx.FindTicketByMessageId("reply@postdesk.example")->id, a.id);
    EXPECT_EQ(tx.FindTicketByMessageId("<other@mail.example>")->id, b.id);
    EXPECT_EQ(tx.FindTicketByMessageId("nobody@mail.example").status().kind(),
              ErrorKind::kNotFound);
    EXPECT_EQ(*tx.ListTicketMessageIds(a.id),
              (std::vector<std::string>{"first@mail.example", "reply@postdesk.example"}));
    EXPECT_TRUE(tx.ListTicketMessageIds(b.id + 100)->empty());
  });
}

// ---------------- comments, attachments, blobs ----------------

TEST_P(StoreTest, CommentsWithAttachmentsAndDedupedBlobs) {
  const std::string logo("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  Ticket t;
  Comment c1, c2;
  AttachmentMeta a1, a2, a3;
  W([&](Tx& tx) {
    User req = MakeUser(tx, "req@example.com");
    t = MakeTicket(tx, req.id, "with files");
    Comment c;
    c.ticket_id = t.id;
    c.author_id = req.id;
    c.body = "see attached";
    c.html_body = "<p>see attached</p>";
    c.created_at = 5;
    c.attachments.push_back(AttachmentMeta{});  // ignored by AddComment
    auto r1 = tx.AddComment(c);
    ASSERT_TRUE(r1.ok()) << r1.status().message();
    c1 = *r1;
    EXPECT_TRUE(c1.attachments.empty());
    c.body = "again";
    c.is_public = false;
    c.via = Channel::kWeb;
    c.created_at = 6;
    c2 = *tx.AddComment(c);

    AttachmentMeta m;
    m.comment_id = c1.id;
    m.file_name = "logo.png";
    m.content_type = "image/png";
    m.content_id = "logo@x";
    m.is_inline = true;
    a1 = *tx.AddAttachment(m, logo);
    m.file_name = "notes.txt";
    m.content_type = "text/plain";
    m.content_id.clear();
    m.is_inline = false;
    m.sha256 = Sha256Hex("notes");
    a2 = *tx.AddAttachment(m, "notes");
    m.comment_id = c2.id;
    m.file_name = "logo-again.png";
    m.sha256.clear();
    a3 = *tx.AddAttachment(m, logo);  // same bytes, second comment

    m.sha256 = Sha256Hex("something else");
    EXPECT_EQ(tx.AddAttachment(m, "notes").status().kind(), ErrorKind::kInvalid);
  });
  EXPECT_EQ(a1.sha256, Sha256Hex(logo));
  EXPECT_EQ(a1.size, 16);
  EXPECT_EQ(a3.sha256, a1.sha256);
  EXPECT_NE(a3.id, a1.id);
  EXPECT_EQ(GetParam().count_rows(location_, "blobs"), 2);
  EXPECT_EQ(GetParam().count_rows(location_, "attachments"), 3);

  R([&](Tx& tx) {
    auto got = tx.GetComment(c1.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->body, "see attached");
    EXPECT_EQ(got->html_body, "<p>see attached</p>");
    EXPECT_TRUE(got->is_public);
    EXPECT_FALSE(got->raw_message_id.has_value());
    ASSERT_EQ(got->attachments.size(), 2u);
    EXPECT_EQ(got->attachments[0].file_name, "logo.png");
    EXPECT_EQ(got->attachments[0].content_id, "logo@x");
    EXPECT_TRUE(got->attachments[0].is_inline);
    EXPECT_EQ(got->attachments[1].file_name, "notes.txt");
    EXPECT_FALSE(got->attachments[1].is_inline);

    auto list = tx.ListComments(t.id);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].id, c1.id);
    EXPECT_EQ((*list)[0].attachments.size(), 2u);
    EXPECT_EQ((*list)[1].id, c2.id);
    EXPECT_FALSE((*list)[1].is_public);
    EXPECT_EQ((*list)[1].via, Channel::kWeb);
    ASSERT_EQ((*list)[1].attachments.size(), 1u);
    EXPECT_EQ((*list)[1].attachments[0].file_name, "logo-again.png");

    auto meta = tx.GetAttachment(a2.id);
    ASSERT_TRUE(meta.ok());
    EXPECT_EQ(meta->comment_id, c1.id);
    EXPECT_EQ(meta->size, 5);
    EXPECT_EQ(*tx.GetBlob(a1.sha256), logo);
    EXPECT_EQ(*tx.GetBlob(a2.sha256), "notes");
    EXPECT_EQ(tx.GetBlob(Sha256Hex("missing")).status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.GetAttachment(a3.id + 10).status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.GetComment(c2.id + 10).status().kind(), ErrorKind::kNotFound);
    EXPECT_TRUE(tx.ListComments(t.id + 10)->empty());
  });
}

// ---------------- raw messages ----------------

TEST_P(StoreTest, SenderAdmissionsWithinAWindow) {
  W([&](Tx& tx) {
    for (int64_t t : {100, 200, 300, 400}) {
      RawMessage m;
      m.door = "smtp";
      m.sender = "loop@customer.example";
      m.received_at = t;
      ASSERT_TRUE(tx.AddRawMessage(m).ok());
    }
    RawMessage other;  // another sender, and one that did not count (a bounce)
    other.door = "smtp";
    other.sender = "someone@else.example";
    other.received_at = 350;
    ASSERT_TRUE(tx.AddRawMessage(other).ok());
    RawMessage uncounted;
    uncounted.door = "smtp";
    uncounted.received_at = 350;
    ASSERT_TRUE(tx.AddRawMessage(uncounted).ok());
  });
  R([&](Tx& tx) {
    EXPECT_EQ(*tx.ListSenderAdmissions("loop@customer.example", 200, 100),
              (std::vector<int64_t>{200, 300, 400}));
    EXPECT_EQ(*tx.ListSenderAdmissions("loop@customer.example", 0, 2),
              (std::vector<int64_t>{300, 400}));  // the newest two
    EXPECT_TRUE(tx.ListSenderAdmissions("loop@customer.example", 401, 100)->empty());
    EXPECT_TRUE(tx.ListSenderAdmissions("", 0, 100)->empty());
    EXPECT_EQ(tx.ListSenderAdmissions("someone@else.example", 0, 100)->size(), 1u);
  });
}

TEST_P(StoreTest, RawMessagesKeepEveryByte) {
  std::string bytes = "Subject: hi\r\n\r\nbinary:";
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  bytes += std::string(3, '\0');
  RawMessage m;
  m.message_id = "<abc@mail.example>";
  m.mail_from = "sender@example.org";
  m.rcpt_to = {"support@example.com", "help@example.com"};
  m.door = "smtp";
  m.client_ip = "192.0.2.7";
  m.bytes = bytes;
  m.received_at = 1234;
  int64_t id = 0, empty_id = 0, keyed_id = 0;
  W([&](Tx& tx) {
    auto r = tx.AddRawMessage(m);
    ASSERT_TRUE(r.ok()) << r.status().message();
    id = *r;
    RawMessage empty;
    empty.door = "pipe";
    empty_id = *tx.AddRawMessage(empty);
    RawMessage keyed = m;  // a caller's own hash (of the bytes as received) is kept
    keyed.sha256 = Sha256Hex("bytes before our trace header");
    keyed_id = *tx.AddRawMessage(keyed);
    RawMessage bad = m;
    bad.rcpt_to = {"a@b\r\nc@d"};
    EXPECT_EQ(tx.AddRawMessage(bad).status().kind(), ErrorKind::kInvalid);
  });
  R([&](Tx& tx) {
    auto got = tx.GetRawMessage(id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->bytes.size(), bytes.size());
    EXPECT_EQ(got->bytes, bytes);
    EXPECT_EQ(got->sha256, Sha256Hex(bytes));
    EXPECT_EQ(got->message_id, "abc@mail.example");
    EXPECT_EQ(got->mail_from, "sender@example.org");
    EXPECT_EQ(got->rcpt_to, m.rcpt_to);
    EXPECT_EQ(got->door, "smtp");
    EXPECT_EQ(got->client_ip, "192.0.2.7");
    EXPECT_EQ(got->received_at, 1234);
    EXPECT_EQ(got->sender, "");
    auto empty = tx.GetRawMessage(empty_id);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->bytes.empty());
    EXPECT_TRUE(empty->rcpt_to.empty());
    EXPECT_EQ(tx.GetRawMessage(keyed_id)->sha256, Sha256Hex("bytes before our trace header"));
    EXPECT_EQ(tx.GetRawMessage(keyed_id + 10).status().kind(), ErrorKind::kNotFound);
  });
  // A comment can point at the email it came from.
  W([&](Tx& tx) {
    User req = MakeUser(tx, "req@example.com");
    Ticket t = MakeTicket(tx, req.id, "from mail");
    Comment c;
    c.ticket_id = t.id;
    c.author_id = req.id;
    c.raw_message_id = id;
    auto added = tx.AddComment(c);
    ASSERT_TRUE(added.ok());
    EXPECT_EQ(tx.GetComment(added->id)->raw_message_id, std::optional<int64_t>(id));
  });
}

// ---------------- audits ----------------

TEST_P(StoreTest, AuditsOldestFirst) {
  Ticket t, other;
  W([&](Tx& tx) {
    User req = MakeUser(tx, "req@example.com");
    t = MakeTicket(tx, req.id, "audited");
    other = MakeTicket(tx, req.id, "other");
    for (int i = 0; i < 3; ++i) {
      Audit a;
      a.ticket_id = t.id;
      a.author_id = i == 2 ? -1 : req.id;  // -1: the system, as Zendesk has it
      a.events_json = R"([{"type":"Change","n":)" + std::to_string(i) + "}]";
      a.created_at = 100 + i;
      EXPECT_TRUE(tx.AddAudit(a).ok());
    }
    Audit a;
    a.ticket_id = other.id;
    EXPECT_TRUE(tx.AddAudit(a).ok());
  });
  R([&](Tx& tx) {
    auto list = tx.ListAudits(t.id);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 3u);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ((*list)[i].created_at, 100 + i);
      EXPECT_NE((*list)[i].events_json.find("\"n\":" + std::to_string(i)), std::string::npos);
    }
    EXPECT_EQ((*list)[2].author_id, -1);
    EXPECT_EQ(tx.ListAudits(other.id)->size(), 1u);
    EXPECT_TRUE(tx.ListAudits(other.id + 10)->empty());
  });
}

// ---------------- suspended tickets ----------------

TEST_P(StoreTest, SuspendedNewestFirst) {
  Ticket t;
  int64_t raw = 0;
  std::vector<int64_t> ids;
  W([&](Tx& tx) {
    User req = MakeUser(tx, "req@example.com");
    t = MakeTicket(tx, req.id, "target");
    RawMessage m;
    m.bytes = "raw";
    raw = *tx.AddRawMessage(m);
    for (int i = 0; i < 4; ++i) {
      SuspendedTicket s;
      s.cause_id = 20 + i;
      s.cause = "cause" + std::to_string(i);
      s.author_name = "Sender";
      s.author_email = "sender@example.org";
      s.subject = "s" + std::to_string(i);
      s.content = "text";
      s.recipient = "support@example.com";
      s.message_id = "<m" + std::to_string(i) + "@x>";
      if (i == 1) s.ticket_id = t.id;
      s.raw_message_id = i == 0 ? 0 : raw;
      s.evidence_json = R"({"spam":0.9})";
      s.created_at = 1000 + i;
      auto r = tx.AddSuspended(s);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_GT(r->id, 0);
      ids.push_back(r->id);
    }
  });
  R([&](Tx& tx) {
    EXPECT_EQ(*tx.CountSuspended(), 4);
    auto all = tx.ListSuspended(0, 10);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 4u);
    EXPECT_EQ((*all)[0].id, ids[3]);
    EXPECT_EQ((*all)[3].id, ids[0]);
    auto page = tx.ListSuspended(1, 2);
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].id, ids[2]);
    EXPECT_EQ((*page)[1].id, ids[1]);
    auto one = tx.GetSuspended(ids[1]);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(one->cause_id, 21);
    EXPECT_EQ(one->cause, "cause1");
    EXPECT_EQ(one->author_email, "sender@example.org");
    EXPECT_EQ(one->subject, "s1");
    EXPECT_EQ(one->message_id, "m1@x");
    EXPECT_EQ(one->ticket_id, std::optional<int64_t>(t.id));
    EXPECT_EQ(one->raw_message_id, raw);
    EXPECT_EQ(one->evidence_json, R"({"spam":0.9})");
    EXPECT_EQ(one->created_at, 1001);
    auto first = tx.GetSuspended(ids[0]);
    EXPECT_FALSE(first->ticket_id.has_value());
    EXPECT_EQ(first->raw_message_id, 0);
    EXPECT_EQ(tx.GetSuspended(ids[3] + 10).status().kind(), ErrorKind::kNotFound);
  });
}

// ---------------- suspended queue: query, purge, delete ----------------

// One suspended ticket with the fields the queue sorts and filters on.
SuspendedTicket MakeSuspendedRow(int cause_id, const std::string& cause, const std::string& email,
                                 const std::string& subject, int64_t created_at) {
  SuspendedTicket s;
  s.cause_id = cause_id;
  s.cause = cause;
  s.author_name = "Sender";
  s.author_email = email;
  s.subject = subject;
  s.content = "text";
  s.recipient = "support@example.com";
  s.message_id = "<" + subject + "@x>";
  s.created_at = created_at;
  return s;
}

// The value a client would put in the cursor for `row` under `sort_by`.
std::string SortValue(const SuspendedTicket& row, const std::string& sort_by) {
  if (sort_by == "created_at") return std::to_string(row.created_at);
  if (sort_by == "author_email") return row.author_email;
  if (sort_by == "cause") return row.cause;
  return row.subject;
}

// `rows` in the order QuerySuspended must give: by the sort column, ties by
// id, both in the requested direction.
std::vector<int64_t> ExpectedOrder(std::vector<SuspendedTicket> rows, const std::string& sort_by,
                                   bool ascending) {
  std::sort(rows.begin(), rows.end(), [&](const SuspendedTicket& a, const SuspendedTicket& b) {
    int c = 0;
    if (sort_by == "created_at") {
      c = a.created_at < b.created_at ? -1 : (a.created_at > b.created_at ? 1 : 0);
    } else {
      c = SortValue(a, sort_by).compare(SortValue(b, sort_by));
      c = c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    if (c == 0) c = a.id < b.id ? -1 : (a.id > b.id ? 1 : 0);
    return ascending ? c < 0 : c > 0;
  });
  std::vector<int64_t> ids;
  for (const SuspendedTicket& r : rows) ids.push_back(r.id);
  return ids;
}

TEST_P(StoreTest, SuspendedKeepsSpamVerdictAndNormalisedSender) {
  int64_t id = 0, plain = 0;
  W([&](Tx& tx) {
    SuspendedTicket s = MakeSuspendedRow(3, "spam", "Spammer@Example.ORG", "buy", 10);
    s.spam_json = R"({"score":0.97,"decision":"spam","tokens":["buy"]})";
    auto added = tx.AddSuspended(s);
    ASSERT_TRUE(added.ok()) << added.status().message();
    EXPECT_EQ(added->author_email, "spammer@example.org");
    id = added->id;
    plain = tx.AddSuspended(MakeSuspendedRow(1, "unknown_author", "a@b.c", "hi", 11))->id;
  });
  R([&](Tx& tx) {
    auto got = tx.GetSuspended(id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->spam_json, R"({"score":0.97,"decision":"spam","tokens":["buy"]})");
    EXPECT_EQ(got->author_email, "spammer@example.org");
    EXPECT_EQ(tx.GetSuspended(plain)->spam_json, "");
    EXPECT_EQ(tx.ListSuspended(0, 10)->at(1).spam_json, got->spam_json);
  });
}

TEST_P(StoreTest, QuerySuspendedPaginatesEveryOrderWithoutGapsOrDuplicates) {
  const std::vector<std::string> causes = {"spam", "unknown_author", "loop", "backscatter",
                                           "failed_email_authentication"};
  const std::vector<std::string> subjects = {
      "Invoice", "invoice", "Zürich office", "Über", "", "re: help", "help", "a", "Ä", "z"};
  std::vector<SuspendedTicket> rows;
  W([&](Tx& tx) {
    for (int i = 0; i < 250; ++i) {
      // Many ties in every column, and created_at not following id.
      SuspendedTicket s =
          MakeSuspendedRow(i % 5, causes[i % 5], "sender" + std::to_string(i % 7) + "@example.org",
                           subjects[(i * 3) % subjects.size()], 5000 + (i * 7919) % 60);
      auto added = tx.AddSuspended(s);
      ASSERT_TRUE(added.ok()) << added.status().message();
      rows.push_back(*added);
    }
  });
  ASSERT_EQ(rows.size(), 250u);
  for (const std::string sort_by : {"created_at", "author_email", "cause", "subject"}) {
    for (bool ascending : {true, false}) {
      SCOPED_TRACE(sort_by + (ascending ? " ascending" : " descending"));
      std::vector<int64_t> seen;
      SuspendedQuery q;
      q.sort_by = sort_by;
      q.ascending = ascending;
      q.limit = 23;
      int pages = 0;
      R([&](Tx& tx) {
        while (pages < 50) {
          auto page = tx.QuerySuspended(q);
          ASSERT_TRUE(page.ok()) << page.status().message();
          ++pages;
          for (const SuspendedTicket& r : *page) seen.push_back(r.id);
          if (page->size() < static_cast<size_t>(q.limit)) break;
          q.after_value = SortValue(page->back(), sort_by);
          q.after_id = page->back().id;
        }
      });
      EXPECT_EQ(pages, 11);  // 10 full pages of 23 and one of 20
      EXPECT_EQ(seen, ExpectedOrder(rows, sort_by, ascending));
      std::set<int64_t> unique(seen.begin(), seen.end());
      EXPECT_EQ(unique.size(), 250u);
    }
  }

  // Filters, alone and together, also across pages.
  std::vector<SuspendedTicket> cause2, sender3, both;
  for (const SuspendedTicket& r : rows) {
    if (r.cause_id == 2) cause2.push_back(r);
    if (r.author_email == "sender3@example.org") sender3.push_back(r);
    if (r.cause_id == 2 && r.author_email == "sender3@example.org") both.push_back(r);
  }
  ASSERT_FALSE(both.empty());
  R([&](Tx& tx) {
    SuspendedQuery q;
    q.cause_id = 2;
    q.limit = 1000;
    auto got = tx.QuerySuspended(q);
    ASSERT_TRUE(got.ok());
    std::vector<int64_t> ids;
    for (const auto& r : *got) ids.push_back(r.id);
    EXPECT_EQ(ids, ExpectedOrder(cause2, "created_at", false));

    q = SuspendedQuery{};
    q.author_email = " SENDER3@Example.org ";  // normalised like the stored address
    q.sort_by = "subject";
    q.ascending = true;
    q.limit = 1000;
    ids.clear();
    auto by_sender = tx.QuerySuspended(q);
    ASSERT_TRUE(by_sender.ok());
    for (const auto& r : *by_sender) ids.push_back(r.id);
    EXPECT_EQ(ids, ExpectedOrder(sender3, "subject", true));

    q.cause_id = 2;
    q.limit = 2;
    ids.clear();
    for (int guard = 0; guard < 50; ++guard) {
      auto page = tx.QuerySuspended(q);
      ASSERT_TRUE(page.ok());
      for (const auto& r : *page) {
        EXPECT_EQ(r.cause_id, 2);
        EXPECT_EQ(r.author_email, "sender3@example.org");
        ids.push_back(r.id);
      }
      if (page->size() < 2) break;
      q.after_value = page->back().subject;
      q.after_id = page->back().id;
    }
    EXPECT_EQ(ids, ExpectedOrder(both, "subject", true));

    q = SuspendedQuery{};
    q.cause_id = 99;
    EXPECT_TRUE(tx.QuerySuspended(q)->empty());
    q = SuspendedQuery{};
    q.author_email = "nobody@example.org";
    EXPECT_TRUE(tx.QuerySuspended(q)->empty());
  });
}

TEST_P(StoreTest, QuerySuspendedRefusesBadArguments) {
  W([&](Tx& tx) {
    ASSERT_TRUE(tx.AddSuspended(MakeSuspendedRow(1, "spam", "a@b.c", "s", 1)).ok());
  });
  R([&](Tx& tx) {
    SuspendedQuery q;
    for (const std::string bad :
         {"id", "content", "created_at DESC", "subject; DROP TABLE users", "", "Subject"}) {
      q.sort_by = bad;
      EXPECT_EQ(tx.QuerySuspended(q).status().kind(), ErrorKind::kInvalid) << bad;
    }
    q = SuspendedQuery{};
    for (int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{1001}}) {
      q.limit = bad;
      EXPECT_EQ(tx.QuerySuspended(q).status().kind(), ErrorKind::kInvalid) << bad;
    }
    q.limit = 1000;
    EXPECT_EQ(tx.QuerySuspended(q)->size(), 1u);
    q.limit = 1;
    EXPECT_EQ(tx.QuerySuspended(q)->size(), 1u);
    for (const std::string bad : {"", "abc", "12x", " 12", "99999999999999999999"}) {
      q.after_value = bad;
      EXPECT_EQ(tx.QuerySuspended(q).status().kind(), ErrorKind::kInvalid) << bad;
    }
    // A text cursor is any text for the text columns.
    q.sort_by = "subject";
    q.after_value = "";
    q.after_id = 0;
    q.ascending = true;
    EXPECT_EQ(tx.QuerySuspended(q)->size(), 1u);  // "s" > ""
    q.after_value = "-5";
    q.sort_by = "created_at";
    EXPECT_EQ(tx.QuerySuspended(q)->size(), 1u);  // negative times parse
  });
}

TEST_P(StoreTest, PurgeSuspendedOldestFirstAndDelete) {
  std::vector<int64_t> ids;
  W([&](Tx& tx) {
    for (int64_t t : {300, 100, 200, 100, 400}) {
      ids.push_back(tx.AddSuspended(MakeSuspendedRow(1, "spam", "a@b.c", "s", t))->id);
    }
  });
  R([&](Tx& tx) {
    auto old = tx.ListSuspendedCreatedBefore(300, 10);
    ASSERT_TRUE(old.ok());
    ASSERT_EQ(old->size(), 3u);  // strictly before 300
    EXPECT_EQ((*old)[0].id, ids[1]);
    EXPECT_EQ((*old)[1].id, ids[3]);
    EXPECT_EQ((*old)[2].id, ids[2]);
    EXPECT_EQ(tx.ListSuspendedCreatedBefore(300, 2)->size(), 2u);
    EXPECT_TRUE(tx.ListSuspendedCreatedBefore(100, 10)->empty());
    EXPECT_EQ(tx.ListSuspendedCreatedBefore(1000, 0).status().kind(), ErrorKind::kInvalid);
  });
  W([&](Tx& tx) {
    EXPECT_TRUE(tx.DeleteSuspended(ids[1]).ok());
    EXPECT_EQ(tx.DeleteSuspended(ids[1]).kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.DeleteSuspended(ids.back() + 100).kind(), ErrorKind::kNotFound);
  });
  R([&](Tx& tx) {
    EXPECT_EQ(*tx.CountSuspended(), 4);
    EXPECT_EQ(tx.GetSuspended(ids[1]).status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.ListSuspendedCreatedBefore(300, 10)->size(), 2u);
  });
}

TEST_P(StoreTest, DeleteRawMessageRefusesOneStillReferenced) {
  int64_t by_comment = 0, by_suspended = 0, free_raw = 0, suspended_id = 0;
  W([&](Tx& tx) {
    RawMessage m;
    m.bytes = "one";
    by_comment = *tx.AddRawMessage(m);
    m.bytes = "two";
    by_suspended = *tx.AddRawMessage(m);
    m.bytes = "three";
    free_raw = *tx.AddRawMessage(m);
    User req = MakeUser(tx, "req@example.com");
    Ticket t = MakeTicket(tx, req.id, "t");
    Comment c;
    c.ticket_id = t.id;
    c.author_id = req.id;
    c.raw_message_id = by_comment;
    ASSERT_TRUE(tx.AddComment(c).ok());
    SuspendedTicket s = MakeSuspendedRow(1, "spam", "a@b.c", "s", 1);
    s.raw_message_id = by_suspended;
    suspended_id = tx.AddSuspended(s)->id;
  });
  Status s = store().Write([&](Tx& tx) { return tx.DeleteRawMessage(by_comment); });
  EXPECT_EQ(s.kind(), ErrorKind::kInvalid) << s.message();
  EXPECT_NE(s.message().find("comment"), std::string::npos) << s.message();
  s = store().Write([&](Tx& tx) { return tx.DeleteRawMessage(by_suspended); });
  EXPECT_EQ(s.kind(), ErrorKind::kInvalid) << s.message();
  EXPECT_NE(s.message().find("suspended"), std::string::npos) << s.message();
  W([&](Tx& tx) {
    // The refusal leaves the transaction usable; the suspended ticket goes
    // first, then its message.
    EXPECT_EQ(tx.DeleteRawMessage(by_suspended).kind(), ErrorKind::kInvalid);
    EXPECT_TRUE(tx.DeleteSuspended(suspended_id).ok());
    EXPECT_TRUE(tx.DeleteRawMessage(by_suspended).ok());
    EXPECT_TRUE(tx.DeleteRawMessage(free_raw).ok());
    EXPECT_EQ(tx.DeleteRawMessage(free_raw).kind(), ErrorKind::kNotFound);
  });
  R([&](Tx& tx) {
    EXPECT_TRUE(tx.GetRawMessage(by_comment).ok());
    EXPECT_EQ(tx.GetRawMessage(by_suspended).status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.GetRawMessage(free_raw).status().kind(), ErrorKind::kNotFound);
  });
  EXPECT_EQ(GetParam().count_rows(location_, "raw_messages"), 1);
}

// ---------------- lookups by person ----------------

TEST_P(StoreTest, TicketsByRequesterNewestFirstWithTheirLists) {
  User alice, bob, cc;
  std::vector<int64_t> alice_tickets;
  W([&](Tx& tx) {
    alice = MakeUser(tx, "alice@example.com");
    bob = MakeUser(tx, "bob@example.com");
    cc = MakeUser(tx, "cc@example.com");
    // Alice's tickets are scattered among many of Bob's.
    for (int i = 0; i < 40; ++i) {
      bool hers = i % 13 == 0;
      Ticket t = MakeTicket(tx, hers ? alice.id : bob.id, "t" + std::to_string(i));
      t.collaborator_ids = {cc.id, hers ? bob.id : alice.id};
      t.tags = {"n" + std::to_string(i)};
      ASSERT_TRUE(tx.UpdateTicket(t).ok());
      if (hers) alice_tickets.push_back(t.id);
    }
  });
  ASSERT_EQ(alice_tickets.size(), 4u);
  R([&](Tx& tx) {
    auto got = tx.ListTicketsByRequester(alice.id, 10);
    ASSERT_TRUE(got.ok()) << got.status().message();
    ASSERT_EQ(got->size(), 4u);
    for (size_t i = 0; i < 4; ++i) {
      const Ticket& t = (*got)[i];
      EXPECT_EQ(t.id, alice_tickets[3 - i]);
      EXPECT_EQ(t.requester_id, alice.id);
      EXPECT_EQ(t.collaborator_ids, (std::vector<int64_t>{cc.id, bob.id}));
      ASSERT_EQ(t.tags.size(), 1u);
      EXPECT_EQ(t.tags[0], "n" + std::to_string(13 * (3 - i)));
    }
    auto two = tx.ListTicketsByRequester(alice.id, 2);
    ASSERT_EQ(two->size(), 2u);
    EXPECT_EQ((*two)[1].id, alice_tickets[2]);
    auto bobs = tx.ListTicketsByRequester(bob.id, 1000);
    ASSERT_EQ(bobs->size(), 36u);  // the dense path
    EXPECT_EQ(bobs->front().collaborator_ids, (std::vector<int64_t>{cc.id, alice.id}));
    EXPECT_EQ(bobs->front().tags, std::vector<std::string>{"n38"});
    EXPECT_TRUE(tx.ListTicketsByRequester(cc.id, 10)->empty());
    EXPECT_EQ(tx.ListTicketsByRequester(alice.id, 0).status().kind(), ErrorKind::kInvalid);
  });
}

TEST_P(StoreTest, CommentsByAuthorNewestFirstWithTheirAttachments) {
  User agent, other;
  std::vector<int64_t> mine;
  W([&](Tx& tx) {
    agent = MakeUser(tx, "agent@example.com");
    other = MakeUser(tx, "other@example.com");
    Ticket t = MakeTicket(tx, other.id, "t");
    for (int i = 0; i < 12; ++i) {
      Comment c;
      c.ticket_id = t.id;
      c.author_id = i % 3 == 0 ? agent.id : other.id;
      c.body = "c" + std::to_string(i);
      auto added = tx.AddComment(c);
      ASSERT_TRUE(added.ok());
      AttachmentMeta m;
      m.comment_id = added->id;
      m.file_name = "f" + std::to_string(i) + ".txt";
      ASSERT_TRUE(tx.AddAttachment(m, "bytes " + std::to_string(i)).ok());
      if (c.author_id == agent.id) mine.push_back(added->id);
    }
  });
  R([&](Tx& tx) {
    auto got = tx.ListCommentsByAuthor(agent.id, 3);
    ASSERT_TRUE(got.ok()) << got.status().message();
    ASSERT_EQ(got->size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      const Comment& c = (*got)[i];
      EXPECT_EQ(c.id, mine[3 - i]);
      EXPECT_EQ(c.author_id, agent.id);
      int n = 3 * static_cast<int>(3 - i);
      EXPECT_EQ(c.body, "c" + std::to_string(n));
      ASSERT_EQ(c.attachments.size(), 1u);
      EXPECT_EQ(c.attachments[0].file_name, "f" + std::to_string(n) + ".txt");
    }
    EXPECT_EQ(tx.ListCommentsByAuthor(other.id, 100)->size(), 8u);
    EXPECT_TRUE(tx.ListCommentsByAuthor(other.id + agent.id + 10, 5)->empty());
    EXPECT_EQ(tx.ListCommentsByAuthor(agent.id, -1).status().kind(), ErrorKind::kInvalid);
  });
}

// ---------------- support addresses ----------------

TEST_P(StoreTest, RecipientAddressesRoundTripWithUniqueEmail) {
  RecipientAddress main, external;
  int64_t outbound_recipient = 0;
  W([&](Tx& tx) {
    RecipientAddress a;
    a.name = "Support";
    a.email = "Support@Desk.Example";
    a.is_default = true;
    a.forwarding_status = "verified";
    a.created_at = a.updated_at = 100;
    auto created = tx.CreateRecipientAddress(a);
    ASSERT_TRUE(created.ok()) << created.status().message();
    main = *created;
    EXPECT_GT(main.id, 0);
    EXPECT_EQ(main.email, "support@desk.example");
    a = RecipientAddress{};
    a.name = "Sales";
    a.email = "sales@shop.example";
    a.created_at = a.updated_at = 200;
    external = *tx.CreateRecipientAddress(a);
    outbound_recipient =
        AddRecipient(tx, AddMessage(tx, "verify@desk.example").id, "v1", "queued", 0).id;
    a.email = " ";
    EXPECT_EQ(tx.CreateRecipientAddress(a).status().kind(), ErrorKind::kInvalid);
  });
  // The same address in other letters is a duplicate: a Status, no throw.
  Status dup = store().Write([](Tx& tx) {
    RecipientAddress a;
    a.name = "Again";
    a.email = "SALES@shop.example";
    return tx.CreateRecipientAddress(a).status();
  });
  EXPECT_FALSE(dup.ok());
  EXPECT_EQ(dup.kind(), ErrorKind::kInvalid) << dup.message();

  R([&](Tx& tx) {
    auto got = tx.GetRecipientAddress(main.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->name, "Support");
    EXPECT_TRUE(got->is_default);
    EXPECT_EQ(got->forwarding_status, "verified");
    EXPECT_EQ(got->spf_status, "unknown");
    EXPECT_EQ(got->dns_results_json, "{}");
    EXPECT_FALSE(got->forwarding_recipient_id.has_value());
    EXPECT_EQ(got->created_at, 100);
    auto found = tx.FindRecipientAddressByEmail("SALES@Shop.Example");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->id, external.id);
    EXPECT_FALSE(found->is_default);
    EXPECT_EQ(tx.FindRecipientAddressByEmail("nobody@shop.example").status().kind(),
              ErrorKind::kNotFound);
    EXPECT_EQ(tx.FindRecipientAddressByEmail("").status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.GetRecipientAddress(external.id + 10).status().kind(), ErrorKind::kNotFound);
  });

  W([&](Tx& tx) {
    RecipientAddress u = external;
    u.name = "Sales team";
    u.email = "changed@shop.example";  // not written: email never changes
    u.created_at = 1;                  // nor this
    u.is_default = true;
    u.forwarding_status = "waiting";
    u.forwarding_token = "tok-123";
    u.forwarding_sent_at = 250;
    u.forwarding_recipient_id = outbound_recipient;
    u.spf_status = "failed";
    u.cname_status = "verified";
    u.domain_verification_status = "failed";
    u.dns_results_json = R"({"spf":"v=spf1 -all"})";
    u.checks_json = R"({"spf_status":{"reason":"r","fix":"f"}})";
    u.updated_at = 300;
    EXPECT_TRUE(tx.UpdateRecipientAddress(u).ok());
    u.id = external.id + 100;
    EXPECT_EQ(tx.UpdateRecipientAddress(u).kind(), ErrorKind::kNotFound);
  });
  R([&](Tx& tx) {
    auto got = tx.GetRecipientAddress(external.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->name, "Sales team");
    EXPECT_EQ(got->email, "sales@shop.example");
    EXPECT_EQ(got->created_at, 200);
    EXPECT_TRUE(got->is_default);
    EXPECT_EQ(got->forwarding_status, "waiting");
    EXPECT_EQ(got->forwarding_token, "tok-123");
    EXPECT_EQ(got->forwarding_sent_at, 250);
    EXPECT_EQ(got->forwarding_recipient_id, std::optional<int64_t>(outbound_recipient));
    EXPECT_EQ(got->spf_status, "failed");
    EXPECT_EQ(got->cname_status, "verified");
    EXPECT_EQ(got->domain_verification_status, "failed");
    EXPECT_EQ(got->dns_results_json, R"({"spf":"v=spf1 -all"})");
    EXPECT_EQ(got->checks_json, R"({"spf_status":{"reason":"r","fix":"f"}})");
    EXPECT_EQ(got->updated_at, 300);
    EXPECT_EQ(tx.FindRecipientAddressByEmail("changed@shop.example").status().kind(),
              ErrorKind::kNotFound);
    auto all = tx.ListRecipientAddresses();
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].id, main.id);
    EXPECT_EQ((*all)[1].id, external.id);
  });
  W([&](Tx& tx) {
    EXPECT_TRUE(tx.DeleteRecipientAddress(external.id).ok());
    EXPECT_EQ(tx.DeleteRecipientAddress(external.id).kind(), ErrorKind::kNotFound);
    // Its address is free again.
    RecipientAddress a;
    a.name = "Sales again";
    a.email = "sales@shop.example";
    EXPECT_TRUE(tx.CreateRecipientAddress(a).ok());
  });
  R([&](Tx& tx) { EXPECT_EQ(tx.ListRecipientAddresses()->size(), 2u); });
}

// ---------------- system events ----------------

TEST_P(StoreTest, SystemEventsNewestFirstFilteredBySubjectAndKind) {
  std::vector<int64_t> ids;
  W([&](Tx& tx) {
    auto add = [&](const std::string& kind, const std::string& subject, int64_t at) {
      SystemEvent e;
      e.kind = kind;
      e.subject = subject;
      e.detail_json = R"({"n":)" + std::to_string(at) + "}";
      e.created_at = at;
      auto id = tx.AddSystemEvent(e);
      ASSERT_TRUE(id.ok()) << id.status().message();
      ids.push_back(*id);
    };
    add("smtp_refused", "Spam@Bad.Example", 1);      // [0]
    add("smtp_refused", "other@bad.example", 2);     // [1]
    add("suspended_purged", "spam@bad.example", 3);  // [2]
    add("doctor_fix", "ticket:7", 4);                // [3]
    add("smtp_refused", "spam@bad.example", 5);      // [4]
    SystemEvent e;
    EXPECT_EQ(tx.AddSystemEvent(e).status().kind(), ErrorKind::kInvalid);  // no kind
  });
  auto ids_of = [](const std::vector<SystemEvent>& list) {
    std::vector<int64_t> out;
    for (const SystemEvent& e : list) out.push_back(e.id);
    return out;
  };
  R([&](Tx& tx) {
    auto all = tx.ListSystemEvents("", "", 100);
    ASSERT_TRUE(all.ok()) << all.status().message();
    EXPECT_EQ(ids_of(*all), (std::vector<int64_t>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
    EXPECT_EQ((*all)[4].subject, "spam@bad.example");
    EXPECT_EQ((*all)[4].kind, "smtp_refused");
    EXPECT_EQ((*all)[4].detail_json, R"({"n":1})");
    EXPECT_EQ((*all)[4].created_at, 1);
    EXPECT_EQ(ids_of(*tx.ListSystemEvents("SPAM@bad.example", "", 100)),
              (std::vector<int64_t>{ids[4], ids[2], ids[0]}));
    EXPECT_EQ(ids_of(*tx.ListSystemEvents("", "smtp_refused", 100)),
              (std::vector<int64_t>{ids[4], ids[1], ids[0]}));
    EXPECT_EQ(ids_of(*tx.ListSystemEvents("spam@bad.example", "smtp_refused", 100)),
              (std::vector<int64_t>{ids[4], ids[0]}));
    EXPECT_EQ(ids_of(*tx.ListSystemEvents("spam@bad.example", "smtp_refused", 1)),
              (std::vector<int64_t>{ids[4]}));
    EXPECT_EQ(ids_of(*tx.ListSystemEvents("ticket:7", "", 100)), (std::vector<int64_t>{ids[3]}));
    EXPECT_TRUE(tx.ListSystemEvents("nobody", "", 100)->empty());
    EXPECT_TRUE(tx.ListSystemEvents("", "no_such_kind", 100)->empty());
    EXPECT_EQ(tx.ListSystemEvents("", "", 0).status().kind(), ErrorKind::kInvalid);
  });
}

// ---------------- spam filter model ----------------

std::map<uint64_t, std::pair<int64_t, int64_t>> TokenMap(const std::vector<SpamTokenCount>& list) {
  std::map<uint64_t, std::pair<int64_t, int64_t>> out;
  for (const SpamTokenCount& t : list) {
    EXPECT_TRUE(out.emplace(t.token, std::make_pair(t.spam, t.ham)).second) << t.token;
  }
  return out;
}

TEST_P(StoreTest, SpamTokenCountsAccumulateAndEmptyRowsVanish) {
  const uint64_t big = (uint64_t{1} << 63) + 5;  // stored as a negative int64
  const uint64_t top = ~uint64_t{0};
  const uint64_t half = uint64_t{1} << 63;
  R([&](Tx& tx) { EXPECT_TRUE(tx.LoadSpamTokens()->empty()); });
  W([&](Tx& tx) {
    ASSERT_TRUE(tx.AddSpamTokenCounts(
                      {{0, 1, 0}, {1, 0, 2}, {big, 3, 1}, {top, 1, 1}, {half, 2, 0}, {42, 0, 0}})
                    .ok());
    // The same token twice in one batch adds up.
    ASSERT_TRUE(tx.AddSpamTokenCounts({{1, 1, 0}, {1, 1, 1}}).ok());
    ASSERT_TRUE(tx.AddSpamTokenCounts({}).ok());
  });
  R([&](Tx& tx) {
    auto all = tx.LoadSpamTokens();
    ASSERT_TRUE(all.ok()) << all.status().message();
    auto m = TokenMap(*all);
    EXPECT_EQ(m.size(), 5u);  // the 0/0 delta made no row
    EXPECT_EQ(m[0], std::make_pair(int64_t{1}, int64_t{0}));
    EXPECT_EQ(m[1], std::make_pair(int64_t{2}, int64_t{3}));
    EXPECT_EQ(m[big], std::make_pair(int64_t{3}, int64_t{1}));
    EXPECT_EQ(m[top], std::make_pair(int64_t{1}, int64_t{1}));
    EXPECT_EQ(m[half], std::make_pair(int64_t{2}, int64_t{0}));
    EXPECT_EQ(m.count(42), 0u);
  });
  W([&](Tx& tx) {
    ASSERT_TRUE(tx.AddSpamTokenCounts({
                                          {0, -1, 0},     // reaches 0/0: removed
                                          {big, -3, 0},   // 0/1: kept
                                          {top, -5, -1},  // below zero stops at 0: removed
                                          {half, 0, 4},
                                          {7, -2, -2},  // unknown token, only negative: no row
                                      })
                    .ok());
  });
  R([&](Tx& tx) {
    auto m = TokenMap(*tx.LoadSpamTokens());
    EXPECT_EQ(m.size(), 3u);
    EXPECT_EQ(m.count(0), 0u);
    EXPECT_EQ(m.count(top), 0u);
    EXPECT_EQ(m.count(7), 0u);
    EXPECT_EQ(m[big], std::make_pair(int64_t{0}, int64_t{1}));
    EXPECT_EQ(m[half], std::make_pair(int64_t{2}, int64_t{4}));
    EXPECT_EQ(m[1], std::make_pair(int64_t{2}, int64_t{3}));
  });
  EXPECT_EQ(GetParam().count_rows(location_, "spam_tokens"), 3);
}

// Learning one message touches thousands of tokens in one transaction.
TEST_P(StoreTest, SpamTokenCountsBulkLearnAndUnlearn) {
  constexpr int kTokens = 5000;
  std::vector<SpamTokenCount> learn, unlearn;
  for (int i = 0; i < kTokens; ++i) {
    // Spread over the whole 64-bit range, half of them above 2^63.
    uint64_t token = (uint64_t{0x9E3779B97F4A7C15} * static_cast<uint64_t>(i + 1));
    learn.push_back({token, 1, 0});
    unlearn.push_back({token, -1, 0});
  }
  auto timed = [&](const std::vector<SpamTokenCount>& deltas) {
    auto start = std::chrono::steady_clock::now();
    W([&](Tx& tx) { ASSERT_TRUE(tx.AddSpamTokenCounts(deltas).ok()); });
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  double first = timed(learn);   // all inserts
  double second = timed(learn);  // all updates
  R([&](Tx& tx) {
    auto m = TokenMap(*tx.LoadSpamTokens());
    ASSERT_EQ(m.size(), static_cast<size_t>(kTokens));
    for (const SpamTokenCount& d : learn) EXPECT_EQ(m[d.token].first, 2);
  });
  double third = timed(unlearn);
  double fourth = timed(unlearn);  // all reach 0/0 and are removed
  EXPECT_EQ(GetParam().count_rows(location_, "spam_tokens"), 0);
  std::printf(
      "[ measure  ] %d token deltas per transaction: insert %.1f ms, update %.1f ms, "
      "decrement %.1f ms, remove %.1f ms\n",
      kTokens, first, second, third, fourth);
}

TEST_P(StoreTest, SpamLearnCacheOverwritesAndCounts) {
  W([&](Tx& tx) {
    EXPECT_EQ(tx.GetSpamLearned("k1").status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(*tx.CountSpamLearned(), std::make_pair(int64_t{0}, int64_t{0}));
    EXPECT_TRUE(tx.SetSpamLearned("k1", "spam").ok());
    EXPECT_TRUE(tx.SetSpamLearned("k2", "spam").ok());
    EXPECT_TRUE(tx.SetSpamLearned("k3", "ham").ok());
    EXPECT_EQ(tx.SetSpamLearned("k4", "eggs").kind(), ErrorKind::kInvalid);
    EXPECT_EQ(tx.SetSpamLearned("k4", "SPAM").kind(), ErrorKind::kInvalid);
    EXPECT_EQ(tx.SetSpamLearned("", "ham").kind(), ErrorKind::kInvalid);
  });
  R([&](Tx& tx) {
    EXPECT_EQ(*tx.GetSpamLearned("k1"), "spam");
    EXPECT_EQ(*tx.GetSpamLearned("k3"), "ham");
    EXPECT_EQ(tx.GetSpamLearned("k4").status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(*tx.CountSpamLearned(), std::make_pair(int64_t{2}, int64_t{1}));
  });
  W([&](Tx& tx) {
    EXPECT_TRUE(tx.SetSpamLearned("k1", "ham").ok());  // relearned as the other class
    EXPECT_TRUE(tx.SetSpamLearned("k3", "ham").ok());  // same class again: no change
  });
  R([&](Tx& tx) {
    EXPECT_EQ(*tx.GetSpamLearned("k1"), "ham");
    EXPECT_EQ(*tx.CountSpamLearned(), std::make_pair(int64_t{1}, int64_t{2}));
  });
  EXPECT_EQ(GetParam().count_rows(location_, "spam_learned"), 3);
}

// ---------------- inbound deliveries, settings ----------------

TEST_P(StoreTest, InboundDeliveries) {
  const std::string sha = Sha256Hex("message bytes");
  W([&](Tx& tx) {
    EXPECT_EQ(tx.FindInboundDelivery(sha, "support@example.com").status().kind(),
              ErrorKind::kNotFound);
    InboundDelivery d{sha, "Support@Example.com", "ticket", 42, 77};
    EXPECT_TRUE(tx.AddInboundDelivery(d).ok());
    d.recipient = "help@example.com";
    d.outcome = "suspended";
    d.ref_id = 3;
    EXPECT_TRUE(tx.AddInboundDelivery(d).ok());
  });
  Status dup = store().Write([&](Tx& tx) {
    return tx.AddInboundDelivery(InboundDelivery{sha, "support@example.com", "comment", 1, 1});
  });
  EXPECT_EQ(dup.kind(), ErrorKind::kInvalid) << dup.message();
  R([&](Tx& tx) {
    auto d = tx.FindInboundDelivery(sha, "SUPPORT@example.com");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->sha256, sha);
    EXPECT_EQ(d->recipient, "support@example.com");
    EXPECT_EQ(d->outcome, "ticket");
    EXPECT_EQ(d->ref_id, 42);
    EXPECT_EQ(d->created_at, 77);
    EXPECT_EQ(tx.FindInboundDelivery(sha, "help@example.com")->outcome, "suspended");
    EXPECT_EQ(tx.FindInboundDelivery(Sha256Hex("other"), "support@example.com").status().kind(),
              ErrorKind::kNotFound);
  });
}

TEST_P(StoreTest, Settings) {
  W([&](Tx& tx) {
    EXPECT_EQ(tx.GetSetting("first_start").status().kind(), ErrorKind::kNotFound);
    EXPECT_TRUE(tx.SetSetting("first_start", "1").ok());
    EXPECT_TRUE(tx.SetSetting("first_start", "2").ok());
    EXPECT_TRUE(tx.SetSetting("empty", "").ok());
  });
  R([&](Tx& tx) {
    EXPECT_EQ(*tx.GetSetting("first_start"), "2");
    EXPECT_EQ(*tx.GetSetting("empty"), "");
  });
}

// ---------------- user delivery health ----------------

TEST_P(StoreTest, UpdateUserRoundTrip) {
  User u;
  W([&](Tx& tx) { u = MakeUser(tx, "Bouncy@Example.com"); });
  R([&](Tx& tx) {
    auto got = tx.GetUser(u.id);
    ASSERT_TRUE(got.ok());
    EXPECT_FALSE(got->undeliverable);
    EXPECT_EQ(got->undeliverable_reason, "");
    EXPECT_EQ(got->soft_bounces, 0);
  });
  W([&](Tx& tx) {
    User changed = u;
    changed.name = "Renamed";
    changed.role = Role::kAgent;
    changed.undeliverable = true;
    changed.undeliverable_reason = "5.1.1 user unknown";
    changed.soft_bounces = 3;
    changed.updated_at = 1800000000;
    // Not written by UpdateUser: the address and the creation time.
    changed.email = "other@example.com";
    changed.created_at = 1;
    EXPECT_TRUE(tx.UpdateUser(changed).ok());
    User missing = changed;
    missing.id = u.id + 100;
    EXPECT_EQ(tx.UpdateUser(missing).kind(), ErrorKind::kNotFound);
  });
  R([&](Tx& tx) {
    auto got = tx.GetUser(u.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->name, "Renamed");
    EXPECT_EQ(got->role, Role::kAgent);
    EXPECT_TRUE(got->undeliverable);
    EXPECT_EQ(got->undeliverable_reason, "5.1.1 user unknown");
    EXPECT_EQ(got->soft_bounces, 3);
    EXPECT_EQ(got->updated_at, 1800000000);
    EXPECT_EQ(got->email, "bouncy@example.com");
    EXPECT_EQ(got->created_at, 1700000000);
    // Every reader sees the new fields.
    EXPECT_TRUE(tx.FindUserByEmail("bouncy@example.com")->undeliverable);
  });
  // An agent clears the mark.
  W([&](Tx& tx) {
    User cleared = *tx.GetUser(u.id);
    cleared.undeliverable = false;
    cleared.undeliverable_reason.clear();
    cleared.soft_bounces = 0;
    EXPECT_TRUE(tx.UpdateUser(cleared).ok());
  });
  R([&](Tx& tx) {
    auto got = tx.GetUser(u.id);
    EXPECT_FALSE(got->undeliverable);
    EXPECT_EQ(got->undeliverable_reason, "");
    EXPECT_EQ(got->soft_bounces, 0);
  });
}

TEST_P(StoreTest, ListUsersByRole) {
  std::vector<int64_t> agents;
  int64_t admin = 0;
  W([&](Tx& tx) {
    for (const char* email : {"a1@example.com", "e1@example.com", "a2@example.com",
                              "admin@example.com", "a3@example.com"}) {
      User u;
      u.email = email;
      u.name = email;
      if (email[0] == 'a') u.role = Role::kAgent;
      if (std::string(email) == "admin@example.com") u.role = Role::kAdmin;
      auto r = tx.CreateUser(u);
      ASSERT_TRUE(r.ok()) << r.status().message();
      if (r->role == Role::kAgent) agents.push_back(r->id);
      if (r->role == Role::kAdmin) admin = r->id;
    }
  });
  R([&](Tx& tx) {
    auto list = tx.ListUsersByRole(Role::kAgent);
    ASSERT_TRUE(list.ok());
    std::vector<int64_t> ids;
    for (const User& u : *list) ids.push_back(u.id);
    EXPECT_EQ(ids, agents);
    EXPECT_EQ((*list)[1].email, "a2@example.com");
    auto admins = tx.ListUsersByRole(Role::kAdmin);
    ASSERT_EQ(admins->size(), 1u);
    EXPECT_EQ((*admins)[0].id, admin);
    EXPECT_EQ(tx.ListUsersByRole(Role::kEndUser)->size(), 1u);
  });
}

// ---------------- the directory: groups, memberships, organizations ----------------

TEST_P(StoreTest, GroupsHaveUniqueNamesAndDeletedOnesLeaveTheLists) {
  W([&](Tx& tx) {
    auto billing = tx.CreateGroup({.name = "Billing", .created_at = 1, .updated_at = 1});
    ASSERT_TRUE(billing.ok()) << billing.status().message();
    auto dup = tx.CreateGroup({.name = "Billing"});
    EXPECT_EQ(dup.status().kind(), ErrorKind::kInvalid);
    EXPECT_NE(dup.status().message().find("already taken"), std::string::npos);
    EXPECT_EQ(tx.CreateGroup({.name = "  "}).status().kind(), ErrorKind::kInvalid);
    User agent = MakeUser(tx, "agent@example.com");
    agent.role = Role::kAgent;
    ASSERT_TRUE(tx.UpdateUser(agent).ok());
    auto m = tx.AddGroupMembership({.user_id = agent.id, .group_id = billing->id});
    ASSERT_TRUE(m.ok()) << m.status().message();
    EXPECT_TRUE(m->is_default);  // the agent's first group
    ASSERT_TRUE(tx.DeleteGroup(billing->id, 5).ok());
    EXPECT_EQ(tx.DeleteGroup(billing->id, 6).kind(), ErrorKind::kNotFound);
    // Its name is free again; the deleted one is still readable, with no members.
    EXPECT_TRUE(tx.CreateGroup({.name = "Billing"}).ok());
    EXPECT_TRUE(tx.GetGroup(billing->id)->deleted);
    EXPECT_TRUE(tx.ListGroupMemberships(std::nullopt, billing->id)->empty());
    EXPECT_EQ(tx.ListGroups(false)->size(), 1u);
    EXPECT_EQ(tx.ListGroups(true)->size(), 2u);
  });
}

TEST_P(StoreTest, OnlyAgentsJoinGroupsOnceWithOneDefault) {
  W([&](Tx& tx) {
    User agent = MakeUser(tx, "agent@example.com");
    agent.role = Role::kAgent;
    ASSERT_TRUE(tx.UpdateUser(agent).ok());
    User customer = MakeUser(tx, "customer@example.org");
    int64_t a = tx.CreateGroup({.name = "A"})->id;
    int64_t b = tx.CreateGroup({.name = "B"})->id;
    auto not_agent = tx.AddGroupMembership({.user_id = customer.id, .group_id = a});
    EXPECT_EQ(not_agent.status().kind(), ErrorKind::kInvalid);
    auto first = tx.AddGroupMembership({.user_id = agent.id, .group_id = a});
    auto second = tx.AddGroupMembership({.user_id = agent.id, .group_id = b});
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_FALSE(second->is_default);
    EXPECT_EQ(tx.AddGroupMembership({.user_id = agent.id, .group_id = a}).status().kind(),
              ErrorKind::kInvalid);
    ASSERT_TRUE(tx.SetDefaultGroupMembership(agent.id, second->id, 9).ok());
    auto mine = tx.ListGroupMemberships(agent.id, std::nullopt);
    ASSERT_EQ(mine->size(), 2u);
    EXPECT_FALSE((*mine)[0].is_default);
    EXPECT_TRUE((*mine)[1].is_default);
    EXPECT_EQ(tx.SetDefaultGroupMembership(customer.id, second->id, 9).kind(), ErrorKind::kNotFound);
    ASSERT_TRUE(tx.DeleteGroupMembership(first->id).ok());
    EXPECT_EQ(tx.DeleteGroupMembership(first->id).kind(), ErrorKind::kNotFound);
  });
}

TEST_P(StoreTest, OrganizationsOwnDomainsThatNewUsersAndTheirTicketsJoin) {
  W([&](Tx& tx) {
    int64_t group = tx.CreateGroup({.name = "Key accounts"})->id;
    auto org = tx.CreateOrganization(
        {.name = "Customer Inc", .domain_names = {"Customer.Example", "customer.example", ""},
         .group_id = group});
    ASSERT_TRUE(org.ok()) << org.status().message();
    EXPECT_EQ(org->domain_names, std::vector<std::string>{"customer.example"});
    // Names are unique in any case; a domain belongs to one organization.
    EXPECT_EQ(tx.CreateOrganization({.name = "customer inc"}).status().kind(), ErrorKind::kInvalid);
    auto other = tx.CreateOrganization({.name = "Other", .domain_names = {"customer.example"}});
    EXPECT_EQ(other.status().kind(), ErrorKind::kInvalid);
    EXPECT_NE(other.status().message().find("already belongs to organization"), std::string::npos);
    // A new user of that domain joins; one of another domain does not.
    User carol = MakeUser(tx, "carol@CUSTOMER.example");
    User dave = MakeUser(tx, "dave@elsewhere.example");
    EXPECT_EQ(carol.organization_id, org->id);
    EXPECT_EQ(tx.GetUser(carol.id)->organization_id, org->id);
    EXPECT_EQ(dave.organization_id, std::nullopt);
    // Carol's ticket is the organization's, and goes to its group.
    Ticket t = MakeTicket(tx, carol.id, "Invoice");
    EXPECT_EQ(t.organization_id, org->id);
    EXPECT_EQ(tx.GetTicket(t.id)->group_id, group);
    TicketQuery q;
    q.organization_id = org->id;
    EXPECT_EQ(tx.CountTickets(q).value(), 1);
    // Renamed, with its domains replaced.
    store::Organization changed = *org;
    changed.name = "Customer Group";
    changed.domain_names = {"customer.test"};
    ASSERT_TRUE(tx.UpdateOrganization(changed).ok());
    EXPECT_EQ(tx.FindOrganizationByDomain("customer.example").status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.FindOrganizationByDomain("CUSTOMER.TEST")->id, org->id);
    // Deleted: its users and tickets lose it.
    ASSERT_TRUE(tx.DeleteOrganization(org->id).ok());
    EXPECT_EQ(tx.GetUser(carol.id)->organization_id, std::nullopt);
    EXPECT_EQ(tx.GetTicket(t.id)->organization_id, std::nullopt);
    EXPECT_EQ(tx.DeleteOrganization(org->id).kind(), ErrorKind::kNotFound);
    EXPECT_TRUE(tx.ListOrganizations()->empty());
  });
}

TEST_P(StoreTest, OneDefaultGroupTakesUnroutedTicketsAndDefaultsSurviveDeletes) {
  W([&](Tx& tx) {
    int64_t a = tx.CreateGroup({.name = "A", .is_default = true})->id;
    int64_t b = tx.CreateGroup({.name = "B", .is_default = true})->id;
    EXPECT_FALSE(tx.GetGroup(a)->is_default);  // one default at most
    EXPECT_TRUE(tx.GetGroup(b)->is_default);
    User bob = MakeUser(tx, "bob@customer.example");
    EXPECT_EQ(MakeTicket(tx, bob.id, "unrouted").group_id, b);
    // An organization's group wins; a deleted group routes nothing.
    auto org = tx.CreateOrganization({.name = "Org", .domain_names = {"org.example"}, .group_id = a});
    User carol = MakeUser(tx, "carol@org.example");
    EXPECT_EQ(MakeTicket(tx, carol.id, "routed").group_id, a);
    ASSERT_TRUE(tx.DeleteGroup(a, 9).ok());
    EXPECT_EQ(tx.GetOrganization(org->id)->group_id, std::nullopt);
    EXPECT_EQ(MakeTicket(tx, carol.id, "after").group_id, b);
    // An agent keeps a default membership when theirs goes away.
    User agent = MakeUser(tx, "agent@example.com");
    agent.role = Role::kAgent;
    ASSERT_TRUE(tx.UpdateUser(agent).ok());
    int64_t c = tx.CreateGroup({.name = "C"})->id;
    auto first = tx.AddGroupMembership({.user_id = agent.id, .group_id = b});
    auto second = tx.AddGroupMembership({.user_id = agent.id, .group_id = c});
    ASSERT_TRUE(first.ok() && second.ok() && first->is_default);
    ASSERT_TRUE(tx.DeleteGroupMembership(first->id).ok());
    EXPECT_TRUE(tx.GetGroupMembership(second->id)->is_default);
  });
}

TEST_P(StoreTest, QueryUsersByWordsEmailRoleAndIds) {
  W([&](Tx& tx) {
    User bob = MakeUser(tx, "bob@customer.example");
    User carol = MakeUser(tx, "carol@customer.example");
    User agent = MakeUser(tx, "ann@desk.example");
    agent.role = Role::kAgent;
    agent.name = "Ann 100%_Agent";
    ASSERT_TRUE(tx.UpdateUser(agent).ok());
    auto ids = [&](const UserQuery& q) {
      std::vector<int64_t> out;
      auto users = tx.QueryUsers(q);
      EXPECT_TRUE(users.ok()) << users.status().message();
      for (const User& u : *users) out.push_back(u.id);
      return out;
    };
    EXPECT_EQ(ids({.words = {"CUSTOMER"}}), (std::vector<int64_t>{bob.id, carol.id}));
    EXPECT_EQ(ids({.words = {"customer", "carol"}}), std::vector<int64_t>{carol.id});
    EXPECT_EQ(ids({.email = "Bob@Customer.Example"}), std::vector<int64_t>{bob.id});
    EXPECT_EQ(ids({.roles = {Role::kAgent, Role::kAdmin}}), std::vector<int64_t>{agent.id});
    EXPECT_EQ(ids({.ids = {carol.id, agent.id}}), (std::vector<int64_t>{carol.id, agent.id}));
    // LIKE's wildcards are plain characters in a word.
    EXPECT_EQ(ids({.words = {"100%_"}}), std::vector<int64_t>{agent.id});
    EXPECT_EQ(ids({.words = {"%"}}), std::vector<int64_t>{agent.id});  // as a wildcard: everyone
    EXPECT_EQ(ids({.words = {"_"}}), std::vector<int64_t>{agent.id});
    EXPECT_TRUE(ids({.words = {"zz%"}}).empty());
    EXPECT_EQ(tx.CountUsers({.words = {"customer"}}).value(), 2);
    EXPECT_EQ(ids({.offset = 1, .limit = 1}), std::vector<int64_t>{carol.id});
  });
}

TEST_P(StoreTest, TagCountsMostUsedFirst) {
  W([&](Tx& tx) {
    User bob = MakeUser(tx, "bob@customer.example");
    for (auto tags : {std::vector<std::string>{"printer", "fire"}, {"printer"}, {"billing", "printer"}}) {
      Ticket t = MakeTicket(tx, bob.id, "t");
      t.tags = tags;
      ASSERT_TRUE(tx.UpdateTicket(t).ok());
    }
    auto tags = tx.ListTagCounts(0, 10);
    ASSERT_TRUE(tags.ok());
    ASSERT_EQ(tags->size(), 3u);
    EXPECT_EQ((*tags)[0].name, "printer");
    EXPECT_EQ((*tags)[0].count, 3);
    EXPECT_EQ((*tags)[1].name, "billing");  // ties by name
    EXPECT_EQ(tx.CountTags().value(), 3);
    EXPECT_EQ(tx.ListTagCounts(2, 10)->size(), 1u);
    User carol = MakeUser(tx, "carol@customer.example");
    Ticket copied = MakeTicket(tx, bob.id, "cc");
    copied.collaborator_ids = {carol.id};
    ASSERT_TRUE(tx.UpdateTicket(copied).ok());
    TicketQuery cc;
    cc.collaborator_id = carol.id;
    auto found = tx.QueryTickets(cc);
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ((*found)[0].id, copied.id);
    cc.collaborator_id = bob.id;  // the requester, not a CC
    EXPECT_EQ(tx.CountTickets(cc).value(), 0);
  });
}

// ---------------- triggers ----------------

TEST_P(StoreTest, TriggersRoundTripOrderedByPositionThenId) {
  std::vector<TriggerRow> made;
  W([&](Tx& tx) {
    // (position, title): ties at position 1 must come out in id order.
    for (auto [pos, title] : std::vector<std::pair<int64_t, std::string>>{
             {5, "late"}, {1, "first tie"}, {1, "second tie"}, {0, "top"}, {-2, "negative"}}) {
      TriggerRow t;
      t.title = title;
      t.position = pos;
      t.definition_json = R"({"conditions":{"all":[]},"n":")" + title + "\"}";
      t.created_at = 100;
      t.updated_at = 101;
      auto r = tx.CreateTrigger(t);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_GT(r->id, 0);
      made.push_back(*r);
    }
  });
  R([&](Tx& tx) {
    auto list = tx.ListTriggers();
    ASSERT_TRUE(list.ok());
    std::vector<std::string> titles;
    for (const TriggerRow& t : *list) titles.push_back(t.title);
    EXPECT_EQ(titles,
              (std::vector<std::string>{"negative", "top", "first tie", "second tie", "late"}));
    auto got = tx.GetTrigger(made[1].id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->title, "first tie");
    EXPECT_TRUE(got->active);
    EXPECT_EQ(got->position, 1);
    EXPECT_EQ(got->default_key, "");
    EXPECT_EQ(got->definition_json, made[1].definition_json);
    EXPECT_EQ(got->created_at, 100);
    EXPECT_EQ(got->updated_at, 101);
    EXPECT_EQ(tx.GetTrigger(made.back().id + 10).status().kind(), ErrorKind::kNotFound);
  });

  // Update: deactivate and move "late" to the top; created_at is not written.
  W([&](Tx& tx) {
    TriggerRow t = made[0];
    t.active = false;
    t.position = -10;
    t.title = "now first";
    t.definition_json = "{\"changed\":true}";
    t.created_at = 1;
    t.updated_at = 200;
    EXPECT_TRUE(tx.UpdateTrigger(t).ok());
    t.id = made.back().id + 10;
    EXPECT_EQ(tx.UpdateTrigger(t).kind(), ErrorKind::kNotFound);
  });
  R([&](Tx& tx) {
    auto list = tx.ListTriggers();
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 5u);
    const TriggerRow& first = (*list)[0];
    EXPECT_EQ(first.id, made[0].id);
    EXPECT_EQ(first.title, "now first");
    EXPECT_FALSE(first.active);
    EXPECT_EQ(first.definition_json, "{\"changed\":true}");
    EXPECT_EQ(first.created_at, 100);
    EXPECT_EQ(first.updated_at, 200);
  });

  // Delete: gone afterwards, and a second delete is NotFound.
  W([&](Tx& tx) {
    EXPECT_TRUE(tx.DeleteTrigger(made[2].id).ok());
    EXPECT_EQ(tx.DeleteTrigger(made[2].id).kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.GetTrigger(made[2].id).status().kind(), ErrorKind::kNotFound);
  });
  R([&](Tx& tx) {
    EXPECT_EQ(tx.GetTrigger(made[2].id).status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.ListTriggers()->size(), 4u);
  });
}

TEST_P(StoreTest, TriggerDefaultKeys) {
  TriggerRow notify;
  W([&](Tx& tx) {
    TriggerRow t;
    t.title = "Notify requester of received request";
    t.default_key = "notify_requester_received";
    auto r = tx.CreateTrigger(t);
    ASSERT_TRUE(r.ok()) << r.status().message();
    notify = *r;
    // Custom triggers (empty key) never collide with each other.
    TriggerRow custom;
    custom.title = "custom 1";
    EXPECT_TRUE(tx.CreateTrigger(custom).ok());
    custom.title = "custom 2";
    EXPECT_TRUE(tx.CreateTrigger(custom).ok());
  });
  Status dup = store().Write([&](Tx& tx) {
    TriggerRow t;
    t.title = "copy";
    t.default_key = "notify_requester_received";
    return tx.CreateTrigger(t).status();
  });
  EXPECT_EQ(dup.kind(), ErrorKind::kInvalid) << dup.message();
  R([&](Tx& tx) {
    auto found = tx.FindTriggerByDefaultKey("notify_requester_received");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->id, notify.id);
    EXPECT_EQ(found->default_key, "notify_requester_received");
    EXPECT_EQ(tx.FindTriggerByDefaultKey("notify_all_agents").status().kind(),
              ErrorKind::kNotFound);
    EXPECT_EQ(tx.FindTriggerByDefaultKey("").status().kind(), ErrorKind::kNotFound);
  });
  // Deleting a default trigger frees its key (e.g. for re-seeding).
  W([&](Tx& tx) {
    EXPECT_TRUE(tx.DeleteTrigger(notify.id).ok());
    EXPECT_EQ(tx.FindTriggerByDefaultKey("notify_requester_received").status().kind(),
              ErrorKind::kNotFound);
    TriggerRow again;
    again.title = "re-seeded";
    again.default_key = "notify_requester_received";
    EXPECT_TRUE(tx.CreateTrigger(again).ok());
    EXPECT_EQ(tx.FindTriggerByDefaultKey("notify_requester_received")->title, "re-seeded");
  });
}

// Macros and views are rows of their own tables: same ids may exist in
// both, a default key is unique within one table only.
TEST_P(StoreTest, MacrosAndViewsAreSeparateOrderedTables) {
  int64_t macro_id = 0;
  W([&](Tx& tx) {
    RuleRow m;
    m.title = "Close and thank";
    m.position = 2;
    m.definition_json = R"({"actions": []})";
    m.created_at = m.updated_at = 100;
    auto made = tx.CreateRule(RuleTable::kMacros, m);
    ASSERT_TRUE(made.ok()) << made.status().message();
    macro_id = made->id;
    m.title = "Ask for logs";
    m.position = 1;
    ASSERT_TRUE(tx.CreateRule(RuleTable::kMacros, m).ok());
    RuleRow v;
    v.title = "Unassigned";
    v.default_key = "unassigned";
    ASSERT_TRUE(tx.CreateRule(RuleTable::kViews, v).ok());
    RuleRow same_key = m;
    same_key.default_key = "unassigned";  // a macro may share a view's key
    ASSERT_TRUE(tx.CreateRule(RuleTable::kMacros, same_key).ok());
  });
  R([&](Tx& tx) {
    auto macros = tx.ListRules(RuleTable::kMacros);
    ASSERT_TRUE(macros.ok());
    ASSERT_EQ(macros->size(), 3u);
    EXPECT_EQ((*macros)[0].title, "Ask for logs");
    EXPECT_EQ((*macros)[2].title, "Close and thank");
    EXPECT_EQ((*macros)[2].definition_json, R"({"actions": []})");
    auto views = tx.ListRules(RuleTable::kViews);
    ASSERT_EQ(views->size(), 1u);
    EXPECT_EQ(tx.FindRuleByDefaultKey(RuleTable::kViews, "unassigned")->title, "Unassigned");
    EXPECT_EQ(tx.GetRule(RuleTable::kMacros, macro_id)->title, "Close and thank");
  });
  Status dup = store().Write([&](Tx& tx) {
    RuleRow v;
    v.title = "again";
    v.default_key = "unassigned";
    return tx.CreateRule(RuleTable::kViews, v).status();
  });
  EXPECT_EQ(dup.kind(), ErrorKind::kInvalid) << dup.message();
  W([&](Tx& tx) {
    auto m = tx.GetRule(RuleTable::kMacros, macro_id);
    ASSERT_TRUE(m.ok());
    m->title = "Close, thank";
    m->active = false;
    m->updated_at = 200;
    ASSERT_TRUE(tx.UpdateRule(RuleTable::kMacros, *m).ok());
    EXPECT_FALSE(tx.GetRule(RuleTable::kMacros, macro_id)->active);
    EXPECT_TRUE(tx.DeleteRule(RuleTable::kMacros, macro_id).ok());
    EXPECT_EQ(tx.DeleteRule(RuleTable::kMacros, macro_id).kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.GetRule(RuleTable::kMacros, macro_id).status().kind(), ErrorKind::kNotFound);
  });
}

// ---------------- outbound messages and delivery ----------------

TEST_P(StoreTest, OutboundMessagesKeepEveryByte) {
  std::string bytes = "Message-ID: <out1@postdesk.example>\r\nSubject: hi\r\n\r\n";
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  bytes += std::string(4, '\0');
  bytes += "tail";
  Ticket t, other;
  TriggerRow trig;
  OutboundMessage first, second, loose;
  W([&](Tx& tx) {
    User req = MakeUser(tx, "req@example.com");
    t = MakeTicket(tx, req.id, "notified");
    other = MakeTicket(tx, req.id, "other");
    TriggerRow tr;
    tr.title = "Notify requester";
    trig = *tx.CreateTrigger(tr);

    OutboundMessage m;
    m.ticket_id = t.id;
    m.audit_id = 17;
    m.trigger_id = trig.id;
    m.trigger_title = trig.title;
    m.message_id = "<out1@postdesk.example>";
    m.subject = "[K7Q2-9XWD] Received";
    m.bytes = bytes;
    m.created_at = 500;
    auto r = tx.AddOutboundMessage(m);
    ASSERT_TRUE(r.ok()) << r.status().message();
    first = *r;
    EXPECT_EQ(first.message_id, "out1@postdesk.example");

    m.message_id = "out2@postdesk.example";
    m.trigger_id.reset();
    m.trigger_title.clear();
    m.audit_id = 0;
    m.bytes = "second";
    m.created_at = 501;
    second = *tx.AddOutboundMessage(m);

    m.ticket_id = 0;  // not about a ticket (e.g. a password reset)
    m.message_id = "loose@postdesk.example";
    m.bytes.clear();
    loose = *tx.AddOutboundMessage(m);

    m.ticket_id = other.id;
    m.message_id = "<>";
    EXPECT_EQ(tx.AddOutboundMessage(m).status().kind(), ErrorKind::kInvalid);
  });
  Status dup = store().Write([&](Tx& tx) {
    OutboundMessage m;
    m.message_id = "out1@postdesk.example";
    return tx.AddOutboundMessage(m).status();
  });
  EXPECT_EQ(dup.kind(), ErrorKind::kInvalid) << dup.message();

  R([&](Tx& tx) {
    auto got = tx.GetOutboundMessage(first.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->ticket_id, t.id);
    EXPECT_EQ(got->audit_id, 17);
    EXPECT_EQ(got->trigger_id, std::optional<int64_t>(trig.id));
    EXPECT_EQ(got->trigger_title, "Notify requester");
    EXPECT_EQ(got->message_id, "out1@postdesk.example");
    EXPECT_EQ(got->subject, "[K7Q2-9XWD] Received");
    EXPECT_EQ(got->bytes.size(), bytes.size());
    EXPECT_EQ(got->bytes, bytes);
    EXPECT_EQ(got->created_at, 500);

    auto l = tx.GetOutboundMessage(loose.id);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l->ticket_id, 0);
    EXPECT_EQ(l->audit_id, 0);
    EXPECT_FALSE(l->trigger_id.has_value());
    EXPECT_TRUE(l->bytes.empty());

    EXPECT_EQ(tx.FindOutboundByMessageId("<out2@postdesk.example>")->id, second.id);
    EXPECT_EQ(tx.FindOutboundByMessageId(" out1@postdesk.example ")->id, first.id);
    EXPECT_EQ(tx.FindOutboundByMessageId("nope@postdesk.example").status().kind(),
              ErrorKind::kNotFound);
    EXPECT_EQ(tx.FindOutboundByMessageId("").status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.GetOutboundMessage(loose.id + 10).status().kind(), ErrorKind::kNotFound);

    auto list = tx.ListOutboundMessages(t.id);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].id, first.id);
    EXPECT_EQ((*list)[0].bytes, bytes);
    EXPECT_EQ((*list)[1].id, second.id);
    EXPECT_TRUE(tx.ListOutboundMessages(other.id)->empty());
    auto none = tx.ListOutboundMessages(0);
    ASSERT_EQ(none->size(), 1u);
    EXPECT_EQ((*none)[0].id, loose.id);
  });

  // A deleted trigger leaves its messages, and their title, behind.
  W([&](Tx& tx) { EXPECT_TRUE(tx.DeleteTrigger(trig.id).ok()); });
  R([&](Tx& tx) {
    auto got = tx.GetOutboundMessage(first.id);
    ASSERT_TRUE(got.ok());
    EXPECT_FALSE(got->trigger_id.has_value());
    EXPECT_EQ(got->trigger_title, "Notify requester");
  });
}

TEST_P(StoreTest, OutboundRecipientsRoundTripAndVerpLookup) {
  OutboundMessage m, other;
  User user;
  OutboundRecipient created;
  W([&](Tx& tx) {
    user = MakeUser(tx, "req@example.com");
    m = AddMessage(tx, "m@postdesk.example");
    other = AddMessage(tx, "other@postdesk.example");
    OutboundRecipient r;
    r.message_id = m.id;
    r.address = "Req@Example.com";
    r.user_id = user.id;
    r.next_attempt_at = 1000;
    r.expires_at = 1000 + 5 * 86400;
    r.verp_token = "k3j9x2";
    r.created_at = r.updated_at = 999;
    auto added = tx.AddOutboundRecipient(r);
    ASSERT_TRUE(added.ok()) << added.status().message();
    created = *added;
    EXPECT_GT(created.id, 0);
    AddRecipient(tx, m.id, "second", "queued", 1000);
    AddRecipient(tx, other.id, "elsewhere", "queued", 1000);
  });
  R([&](Tx& tx) {
    auto got = tx.GetOutboundRecipient(created.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->message_id, m.id);
    EXPECT_EQ(got->address, "Req@Example.com");  // as given: a local part may be case-sensitive
    EXPECT_EQ(got->user_id, std::optional<int64_t>(user.id));
    EXPECT_EQ(got->state, "queued");
    EXPECT_EQ(got->attempts, 0);
    EXPECT_EQ(got->next_attempt_at, 1000);
    EXPECT_EQ(got->expires_at, 1000 + 5 * 86400);
    EXPECT_EQ(got->verp_token, "k3j9x2");
    EXPECT_EQ(got->last_code, 0);
    EXPECT_EQ(got->last_status, "");
    EXPECT_EQ(got->created_at, 999);

    auto by_verp = tx.FindRecipientByVerp("k3j9x2");
    ASSERT_TRUE(by_verp.ok());
    EXPECT_EQ(by_verp->id, created.id);
    EXPECT_EQ(tx.FindRecipientByVerp("unknown").status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.FindRecipientByVerp("").status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.GetOutboundRecipient(created.id + 100).status().kind(), ErrorKind::kNotFound);

    auto list = tx.ListOutboundRecipients(m.id);
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(Tokens(*list), (std::vector<std::string>{"k3j9x2", "second"}));
    EXPECT_FALSE((*list)[1].user_id.has_value());
    EXPECT_EQ(Tokens(*tx.ListOutboundRecipients(other.id)),
              (std::vector<std::string>{"elsewhere"}));
    EXPECT_TRUE(tx.ListOutboundRecipients(other.id + 100)->empty());
  });

  // Every mutable field is written; the identity fields are not.
  W([&](Tx& tx) {
    OutboundRecipient r = created;
    r.state = "bounced";
    r.attempts = 3;
    r.next_attempt_at = 5000;
    r.expires_at = 6000;
    r.last_code = 550;
    r.last_status = "5.1.1";
    r.last_reply = "550 5.1.1 <req@example.com>: user unknown";
    r.reason = "mailbox_unknown";
    r.remote_host = "mx.example.com";
    r.updated_at = 5001;
    r.address = "changed@example.com";
    r.verp_token = "changed";
    r.created_at = 1;
    EXPECT_TRUE(tx.UpdateOutboundRecipient(r).ok());
    r.id = created.id + 100;
    EXPECT_EQ(tx.UpdateOutboundRecipient(r).kind(), ErrorKind::kNotFound);
  });
  R([&](Tx& tx) {
    auto got = tx.GetOutboundRecipient(created.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->state, "bounced");
    EXPECT_EQ(got->attempts, 3);
    EXPECT_EQ(got->next_attempt_at, 5000);
    EXPECT_EQ(got->expires_at, 6000);
    EXPECT_EQ(got->last_code, 550);
    EXPECT_EQ(got->last_status, "5.1.1");
    EXPECT_EQ(got->last_reply, "550 5.1.1 <req@example.com>: user unknown");
    EXPECT_EQ(got->reason, "mailbox_unknown");
    EXPECT_EQ(got->remote_host, "mx.example.com");
    EXPECT_EQ(got->updated_at, 5001);
    EXPECT_EQ(got->address, "Req@Example.com");
    EXPECT_EQ(got->verp_token, "k3j9x2");
    EXPECT_EQ(got->created_at, 999);
  });
}

TEST_P(StoreTest, OutboundRecipientConstraints) {
  OutboundMessage m;
  W([&](Tx& tx) {
    m = AddMessage(tx, "m@postdesk.example");
    AddRecipient(tx, m.id, "taken", "queued", 0);
  });
  auto attempt = [&](std::function<void(OutboundRecipient&)> change) {
    return store().Write([&](Tx& tx) {
      OutboundRecipient r;
      r.message_id = m.id;
      r.address = "a@example.org";
      r.verp_token = "fresh";
      change(r);
      return tx.AddOutboundRecipient(r).status();
    });
  };
  EXPECT_TRUE(attempt([](OutboundRecipient&) {}).ok());
  EXPECT_EQ(attempt([](OutboundRecipient& r) { r.verp_token = "taken"; }).kind(),
            ErrorKind::kInvalid);
  EXPECT_EQ(attempt([](OutboundRecipient& r) { r.verp_token.clear(); }).kind(),
            ErrorKind::kInvalid);
  EXPECT_EQ(attempt([&](OutboundRecipient& r) {
              r.verp_token = "orphan";
              r.message_id = m.id + 100;
            }).kind(),
            ErrorKind::kInvalid);
  EXPECT_EQ(attempt([](OutboundRecipient& r) {
              r.verp_token = "typo";
              r.state = "active";
            }).kind(),
            ErrorKind::kInvalid);
  Status bad_update = store().Write([&](Tx& tx) {
    OutboundRecipient r = *tx.FindRecipientByVerp("taken");
    r.state = "done";
    return tx.UpdateOutboundRecipient(r);
  });
  EXPECT_EQ(bad_update.kind(), ErrorKind::kInvalid);
  R([&](Tx& tx) { EXPECT_EQ(tx.FindRecipientByVerp("taken")->state, "queued"); });
}

TEST_P(StoreTest, DueRecipientsPicksQueuedAndDeferredInOrder) {
  W([&](Tx& tx) {
    OutboundMessage m = AddMessage(tx, "m@postdesk.example");
    OutboundMessage m2 = AddMessage(tx, "m2@postdesk.example");
    AddRecipient(tx, m.id, "deferred-300", "deferred", 300);
    AddRecipient(tx, m.id, "queued-100", "queued", 100);
    AddRecipient(tx, m2.id, "queued-300", "queued", 300);  // same time, later id
    AddRecipient(tx, m.id, "queued-future", "queued", 1001);
    AddRecipient(tx, m.id, "deferred-now", "deferred", 1000);
    AddRecipient(tx, m.id, "sending-50", "sending", 50);
    AddRecipient(tx, m2.id, "sent-10", "sent", 10);
    AddRecipient(tx, m2.id, "failed-10", "failed", 10);
    AddRecipient(tx, m2.id, "bounced-10", "bounced", 10);
  });
  R([&](Tx& tx) {
    auto due = tx.DueRecipients(1000, 100);
    ASSERT_TRUE(due.ok()) << due.status().message();
    EXPECT_EQ(Tokens(*due), (std::vector<std::string>{"queued-100", "deferred-300", "queued-300",
                                                      "deferred-now"}));
    EXPECT_EQ(Tokens(*tx.DueRecipients(1000, 2)),
              (std::vector<std::string>{"queued-100", "deferred-300"}));
    EXPECT_TRUE(tx.DueRecipients(1000, 0)->empty());
    EXPECT_TRUE(tx.DueRecipients(99, 10)->empty());
    EXPECT_EQ(Tokens(*tx.DueRecipients(5000, 10)).size(), 5u);
    EXPECT_EQ(tx.DueRecipients(1000, -1).status().kind(), ErrorKind::kInvalid);

    EXPECT_EQ(Tokens(*tx.RecipientsInState("sending")), (std::vector<std::string>{"sending-50"}));
    EXPECT_EQ(Tokens(*tx.RecipientsInState("deferred")),
              (std::vector<std::string>{"deferred-300", "deferred-now"}));
    EXPECT_EQ(Tokens(*tx.RecipientsInState("bounced")), (std::vector<std::string>{"bounced-10"}));
    EXPECT_TRUE(tx.RecipientsInState("nonsense")->empty());
  });
  // Claiming a due recipient takes it out of the due list.
  W([&](Tx& tx) {
    OutboundRecipient r = *tx.FindRecipientByVerp("queued-100");
    r.state = "sending";
    r.attempts = 1;
    EXPECT_TRUE(tx.UpdateOutboundRecipient(r).ok());
  });
  R([&](Tx& tx) {
    EXPECT_EQ(Tokens(*tx.DueRecipients(1000, 1)), (std::vector<std::string>{"deferred-300"}));
    EXPECT_EQ(tx.RecipientsInState("sending")->size(), 2u);
  });
}

TEST_P(StoreTest, DeliveryEventsOldestFirst) {
  OutboundRecipient r1, r2;
  std::vector<int64_t> ids;
  W([&](Tx& tx) {
    OutboundMessage m = AddMessage(tx, "m@postdesk.example");
    r1 = AddRecipient(tx, m.id, "one", "queued", 0);
    r2 = AddRecipient(tx, m.id, "two", "queued", 0);
    const char* states[] = {"sending", "deferred", "sending", "sent"};
    for (int i = 0; i < 4; ++i) {
      DeliveryEvent e;
      e.recipient_id = r1.id;
      e.state = states[i];
      e.code = i == 1 ? 451 : (i == 3 ? 250 : 0);
      e.status = i == 1 ? "4.7.1" : "";
      e.detail = "step " + std::to_string(i);
      e.remote_host = "mx.example.org";
      e.created_at = 2000 - i;  // clock went backwards: id still orders them
      auto id = tx.AddDeliveryEvent(e);
      ASSERT_TRUE(id.ok()) << id.status().message();
      ids.push_back(*id);
    }
    DeliveryEvent e;
    e.recipient_id = r2.id;
    e.state = "sending";
    EXPECT_TRUE(tx.AddDeliveryEvent(e).ok());
    e.recipient_id = r2.id + 100;
    EXPECT_EQ(tx.AddDeliveryEvent(e).status().kind(), ErrorKind::kInvalid);
  });
  R([&](Tx& tx) {
    auto list = tx.ListDeliveryEvents(r1.id);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 4u);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ((*list)[i].id, ids[i]);
      EXPECT_EQ((*list)[i].recipient_id, r1.id);
      EXPECT_EQ((*list)[i].detail, "step " + std::to_string(i));
      EXPECT_EQ((*list)[i].created_at, 2000 - i);
    }
    EXPECT_EQ((*list)[1].state, "deferred");
    EXPECT_EQ((*list)[1].code, 451);
    EXPECT_EQ((*list)[1].status, "4.7.1");
    EXPECT_EQ((*list)[1].remote_host, "mx.example.org");
    EXPECT_EQ((*list)[3].state, "sent");
    EXPECT_EQ((*list)[3].code, 250);
    EXPECT_EQ(tx.ListDeliveryEvents(r2.id)->size(), 1u);
    EXPECT_TRUE(tx.ListDeliveryEvents(r2.id + 100)->empty());
  });
}

// ---------------- transactions ----------------

TEST_P(StoreTest, WriteRollsBackOnFailure) {
  Status s = store().Write([&](Tx& tx) {
    MakeUser(tx, "ghost@example.com");
    return Status::Temporary("changed my mind");
  });
  EXPECT_EQ(s.kind(), ErrorKind::kTemporary);
  EXPECT_EQ(s.message(), "changed my mind");
  Status thrown = store().Write([&](Tx& tx) -> Status {
    MakeUser(tx, "thrower@example.com");
    throw std::runtime_error("boom");
  });
  EXPECT_FALSE(thrown.ok());
  EXPECT_NE(thrown.message().find("boom"), std::string::npos);
  R([&](Tx& tx) {
    EXPECT_EQ(tx.FindUserByEmail("ghost@example.com").status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.FindUserByEmail("thrower@example.com").status().kind(), ErrorKind::kNotFound);
  });
  // The store is still usable afterwards.
  W([&](Tx& tx) { MakeUser(tx, "real@example.com"); });
  R([&](Tx& tx) { EXPECT_TRUE(tx.FindUserByEmail("real@example.com").ok()); });
}

TEST_P(StoreTest, WriteBatchIsolatesEachFnBySavepoint) {
  W([&](Tx& tx) { MakeUser(tx, "taken@example.com"); });
  auto make = [](std::string email) {
    return [email](Tx& tx) -> Status {
      User u;
      u.name = email;
      u.email = email;
      return tx.CreateUser(u).status();
    };
  };
  std::vector<TxFn> fns;
  fns.push_back(make("a@example.com"));
  fns.push_back([](Tx& tx) {  // writes, then fails: its write must vanish
    User u;
    u.email = "b@example.com";
    EXPECT_TRUE(tx.CreateUser(u).ok());
    return Status::Invalid("reject b");
  });
  fns.push_back(make("taken@example.com"));  // constraint violation
  fns.push_back([](Tx& tx) -> Status {
    User u;
    u.email = "thrown@example.com";
    EXPECT_TRUE(tx.CreateUser(u).ok());
    throw std::logic_error("oops");
  });
  fns.push_back([](Tx& tx) {  // sees the earlier fns' surviving writes
    EXPECT_TRUE(tx.FindUserByEmail("a@example.com").ok());
    EXPECT_FALSE(tx.FindUserByEmail("b@example.com").ok());
    User u;
    u.email = "c@example.com";
    return tx.CreateUser(u).status();
  });
  std::vector<Status> results = store().WriteBatch(fns);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].kind(), ErrorKind::kInvalid);
  EXPECT_EQ(results[1].message(), "reject b");
  EXPECT_EQ(results[2].kind(), ErrorKind::kInvalid);
  EXPECT_FALSE(results[3].ok());
  EXPECT_TRUE(results[4].ok()) << results[4].message();
  R([&](Tx& tx) {
    EXPECT_TRUE(tx.FindUserByEmail("a@example.com").ok());
    EXPECT_FALSE(tx.FindUserByEmail("b@example.com").ok());
    EXPECT_FALSE(tx.FindUserByEmail("thrown@example.com").ok());
    EXPECT_TRUE(tx.FindUserByEmail("c@example.com").ok());
  });
  EXPECT_TRUE(store().WriteBatch({}).empty());
}

// Contract every backend keeps: a Tx method that fails (here on a unique
// constraint) leaves the transaction usable, so a caller can fall back, e.g.
// "create the user; if the address is taken, look it up" (on PostgreSQL this
// needs a savepoint around each statement).
TEST_P(StoreTest, FailedCallLeavesTransactionUsable) {
  W([&](Tx& tx) { MakeUser(tx, "taken@example.com"); });
  Status s = store().Write([&](Tx& tx) {
    User u;
    u.email = "taken@example.com";
    auto created = tx.CreateUser(u);
    EXPECT_EQ(created.status().kind(), ErrorKind::kInvalid);
    auto found = tx.FindUserByEmail("taken@example.com");
    if (!found.ok()) return found.status();
    return tx.SetSetting("owner", std::to_string(found->id));
  });
  ASSERT_TRUE(s.ok()) << s.message();
  R([&](Tx& tx) { EXPECT_TRUE(tx.GetSetting("owner").ok()); });
}

TEST_P(StoreTest, ReadCannotWrite) {
  Status s = store().Read([&](Tx& tx) {
    User u;
    u.email = "reader@example.com";
    return tx.CreateUser(u).status();
  });
  EXPECT_FALSE(s.ok());
  R([&](Tx& tx) { EXPECT_FALSE(tx.FindUserByEmail("reader@example.com").ok()); });
}

TEST_P(StoreTest, ReadRunsBesideAnOpenWrite) {
  std::promise<void> wrote, read_done;
  std::thread writer([&] {
    Status s = store().Write([&](Tx& tx) {
      MakeUser(tx, "pending@example.com");
      wrote.set_value();
      // Hold the write transaction open until the reader has finished.
      EXPECT_EQ(read_done.get_future().wait_for(std::chrono::seconds(5)),
                std::future_status::ready);
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
  });
  wrote.get_future().wait();
  // Several concurrent readers, none blocked by the writer, none seeing its
  // uncommitted row.
  std::atomic<int> unseen{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 6; ++i) {
    readers.emplace_back([&] {
      Status s = store().Read([&](Tx& tx) {
        if (tx.FindUserByEmail("pending@example.com").status().kind() == ErrorKind::kNotFound) {
          ++unseen;
        }
        return Status::Ok();
      });
      EXPECT_TRUE(s.ok()) << s.message();
    });
  }
  for (auto& r : readers) r.join();
  read_done.set_value();
  writer.join();
  EXPECT_EQ(unseen.load(), 6);
  R([&](Tx& tx) { EXPECT_TRUE(tx.FindUserByEmail("pending@example.com").ok()); });
}

// ---------------- schema ----------------

TEST_P(StoreTest, ReopenKeepsDataAndMigratesOnce) {
  int64_t ticket_id = 0;
  W([&](Tx& tx) {
    User req = MakeUser(tx, "req@example.com");
    ticket_id = MakeTicket(tx, req.id, "durable").id;
  });
  Reopen();
  Reopen();
  R([&](Tx& tx) {
    auto t = tx.GetTicket(ticket_id);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->subject, "durable");
  });
  EXPECT_EQ(GetParam().count_rows(location_, "schema_migrations"), LatestSchemaVersion());
}

// A database left by a postdesk that knew only schema step 1 is brought to
// the newest version on open, keeping its rows.
TEST_P(StoreTest, UpgradesVersion1DatabaseKeepingData) {
  store_.reset();
  GetParam().create_schema_at(location_, 1);
  EXPECT_EQ(GetParam().count_rows(location_, "schema_migrations"), 1);
  GetParam().exec(location_,
                  "INSERT INTO users (name, email, role, created_at, updated_at) "
                  "VALUES ('Old Agent', 'old@example.com', 'agent', 10, 11)");
  GetParam().exec(location_,
                  "INSERT INTO tickets (encoded_id, subject, description, status, requester_id, "
                  "submitter_id, recipient, via, subject_key, created_at, updated_at) "
                  "VALUES ('AAAA-BBBB', 'old ticket', 'old body', 'open', 1, 1, "
                  "'support@example.com', 'email', 'old ticket', 20, 21)");
  GetParam().exec(location_, "INSERT INTO settings (name, value) VALUES ('first_start', 'done')");

  Reopen();
  EXPECT_EQ(GetParam().count_rows(location_, "schema_migrations"), LatestSchemaVersion());
  R([&](Tx& tx) {
    auto u = tx.FindUserByEmail("old@example.com");
    ASSERT_TRUE(u.ok()) << u.status().message();
    EXPECT_EQ(u->name, "Old Agent");
    EXPECT_EQ(u->role, Role::kAgent);
    EXPECT_EQ(u->created_at, 10);
    EXPECT_EQ(u->updated_at, 11);
    EXPECT_FALSE(u->undeliverable);  // the new columns' defaults
    EXPECT_EQ(u->undeliverable_reason, "");
    EXPECT_EQ(u->soft_bounces, 0);
    auto t = tx.FindTicketByEncodedId("AAAA-BBBB");
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_EQ(t->subject, "old ticket");
    EXPECT_EQ(t->requester_id, u->id);
    EXPECT_EQ(*tx.GetSetting("first_start"), "done");
    EXPECT_EQ(tx.ListUsersByRole(Role::kAgent)->size(), 1u);
    EXPECT_TRUE(tx.ListTriggers()->empty());
  });
  // The new tables are there and usable.
  W([&](Tx& tx) {
    User u = *tx.FindUserByEmail("old@example.com");
    u.soft_bounces = 1;
    EXPECT_TRUE(tx.UpdateUser(u).ok());
    TriggerRow trig;
    trig.title = "after upgrade";
    EXPECT_TRUE(tx.CreateTrigger(trig).ok());
    OutboundMessage m;
    m.message_id = "up@postdesk.example";
    auto added = tx.AddOutboundMessage(m);
    ASSERT_TRUE(added.ok()) << added.status().message();
    OutboundRecipient r;
    r.message_id = added->id;
    r.address = "old@example.com";
    r.user_id = u.id;
    r.verp_token = "upgraded";
    EXPECT_TRUE(tx.AddOutboundRecipient(r).ok());
  });
  Reopen();  // and nothing is applied twice
  EXPECT_EQ(GetParam().count_rows(location_, "schema_migrations"), LatestSchemaVersion());
  R([&](Tx& tx) {
    EXPECT_EQ(tx.FindUserByEmail("old@example.com")->soft_bounces, 1);
    EXPECT_EQ(tx.FindRecipientByVerp("upgraded")->address, "old@example.com");
  });
}

// A database from before step 3 keeps its suspended tickets (with no spam
// verdict) and gains the new tables.
TEST_P(StoreTest, UpgradesVersion2DatabaseKeepingSuspendedTickets) {
  store_.reset();
  GetParam().create_schema_at(location_, 2);
  GetParam().exec(location_,
                  "INSERT INTO suspended_tickets (cause_id, cause, author_name, author_email, "
                  "subject, content, recipient, message_id, evidence_json, created_at) VALUES "
                  "(4, 'spam', 'Old', 'old@example.org', 'old one', 'text', "
                  "'support@example.com', 'old@x', '{}', 50)");
  Reopen();
  EXPECT_EQ(GetParam().count_rows(location_, "schema_migrations"), LatestSchemaVersion());
  R([&](Tx& tx) {
    SuspendedQuery q;
    q.author_email = "old@example.org";
    auto got = tx.QuerySuspended(q);
    ASSERT_TRUE(got.ok()) << got.status().message();
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ((*got)[0].subject, "old one");
    EXPECT_EQ((*got)[0].spam_json, "");
    EXPECT_TRUE(tx.ListRecipientAddresses()->empty());
    EXPECT_TRUE(tx.LoadSpamTokens()->empty());
  });
  W([&](Tx& tx) {
    RecipientAddress a;
    a.name = "Support";
    a.email = "support@example.com";
    EXPECT_TRUE(tx.CreateRecipientAddress(a).ok());
    SystemEvent e;
    e.kind = "doctor_fix";
    EXPECT_TRUE(tx.AddSystemEvent(e).ok());
    EXPECT_TRUE(tx.AddSpamTokenCounts({{9, 1, 0}}).ok());
    EXPECT_TRUE(tx.SetSpamLearned("k", "spam").ok());
  });
}

// Tickets a trigger put in a group before groups existed keep it: the group
// is made, and a new group never takes its id.
TEST_P(StoreTest, UpgradesVersion6DatabaseKeepingTicketsGroups) {
  store_.reset();
  GetParam().create_schema_at(location_, 6);
  GetParam().exec(location_,
                  "INSERT INTO users (name, email, role, created_at, updated_at) VALUES "
                  "('Old', 'old@example.com', 'end-user', 1, 1)");
  GetParam().exec(location_,
                  "INSERT INTO tickets (encoded_id, subject, description, status, requester_id, "
                  "submitter_id, recipient, via, subject_key, created_at, updated_at, group_id) "
                  "VALUES ('AAAA-BBBB', 'old', 'd', 'open', 1, 1, 'support@example.com', 'email', "
                  "'old', 1, 1, 3)");
  Reopen();
  W([&](Tx& tx) {
    auto kept = tx.GetGroup(3);
    ASSERT_TRUE(kept.ok()) << kept.status().message();
    EXPECT_EQ(kept->name, "Group 3");
    EXPECT_FALSE(kept->deleted);
    auto fresh = tx.CreateGroup({.name = "Billing"});
    ASSERT_TRUE(fresh.ok());
    EXPECT_GT(fresh->id, 3);
    EXPECT_EQ(tx.GetTicket(1)->group_id, 3);
  });
}

TEST_P(StoreTest, RefusesNewerSchema) {
  store_.reset();
  GetParam().record_schema_version(location_, LatestSchemaVersion() + 1);
  auto opened = GetParam().open(location_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), ErrorKind::kPermanent);
  EXPECT_NE(opened.status().message().find("newer"), std::string::npos)
      << opened.status().message();
}

// ---- the workspace: sessions, uploads, views, tokens, trigger history ----

TEST_P(StoreTest, SessionsExpireByIdleTimeAndGoWithTheirAgent) {
  W([&](Tx& tx) {
    User u = MakeUser(tx, "ann@desk.example");
    ASSERT_TRUE(tx.SetPasswordHash(u.id, "$argon2id$x").ok());
    EXPECT_EQ(*tx.GetPasswordHash(u.id), "$argon2id$x");
    ASSERT_TRUE(tx.AddSession({.token_sha256 = "t1", .user_id = u.id, .csrf_token = "c1",
                               .client_ip = "::1", .created_at = 100, .last_seen_at = 100})
                    .ok());
    ASSERT_TRUE(tx.AddSession({.token_sha256 = "t2", .user_id = u.id, .csrf_token = "c2",
                               .created_at = 100, .last_seen_at = 100})
                    .ok());
    EXPECT_FALSE(tx.AddSession({.token_sha256 = "t1", .user_id = u.id}).ok());  // unique
    ASSERT_TRUE(tx.TouchSession("t2", 500).ok());
    EXPECT_EQ(tx.TouchSession("nope", 500).kind(), ErrorKind::kNotFound);
    EXPECT_EQ(*tx.DeleteSessionsIdleSince(300), 1);
    EXPECT_EQ(tx.GetSession("t1").status().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(tx.GetSession("t2")->csrf_token, "c2");
    ASSERT_TRUE(tx.DeleteUserSessions(u.id).ok());
    EXPECT_FALSE(tx.GetSession("t2").ok());
    EXPECT_TRUE(tx.DeleteSession("t2").ok());  // absent is fine
  });
}

TEST_P(StoreTest, UploadsKeepTheirBytesOnceAndAreTakenOnce) {
  W([&](Tx& tx) {
    User u = MakeUser(tx, "ann@desk.example");
    auto a = tx.AddUpload({.token_sha256 = "k1", .user_id = u.id, .file_name = "a.txt",
                           .content_type = "text/plain", .created_at = 100},
                          "same bytes");
    ASSERT_TRUE(a.ok()) << a.status().message();
    EXPECT_EQ(a->size, 10);
    auto b = tx.AddUpload({.token_sha256 = "k2", .user_id = u.id, .file_name = "b.txt",
                           .created_at = 200},
                          "same bytes");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(a->sha256, b->sha256);
    EXPECT_EQ(*tx.GetBlob(a->sha256), "same bytes");
    EXPECT_EQ(tx.GetUpload("k1")->file_name, "a.txt");
    ASSERT_TRUE(tx.DeleteUpload("k1").ok());
    EXPECT_EQ(tx.DeleteUpload("k1").kind(), ErrorKind::kNotFound);
    EXPECT_EQ(*tx.DeleteUploadsBefore(150), 0);
    EXPECT_EQ(*tx.DeleteUploadsBefore(250), 1);
  });
}

TEST_P(StoreTest, TicketQueriesFilterSortAndCount) {
  W([&](Tx& tx) {
    User bob = MakeUser(tx, "bob@x.example");
    User amy = MakeUser(tx, "amy@x.example");
    Ticket t1 = MakeTicket(tx, bob.id, "Printer 100%_done");
    Ticket t2 = MakeTicket(tx, amy.id, "請求書の件");
    Ticket t3 = MakeTicket(tx, bob.id, "Refund");
    t2.status = "open";
    t2.tags = {"vip"};
    t2.updated_at = 1700000500;
    ASSERT_TRUE(tx.UpdateTicket(t2).ok());
    t3.status = "solved";
    t3.assignee_id = amy.id;
    ASSERT_TRUE(tx.UpdateTicket(t3).ok());
    ASSERT_TRUE(tx.AddComment({.ticket_id = t3.id, .author_id = bob.id, .body = "送金されていません"}).ok());
    OutboundMessage m;
    m.message_id = "m@x";
    m.ticket_id = t1.id;
    m.bytes = "x";
    auto added = tx.AddOutboundMessage(m);
    ASSERT_TRUE(added.ok());
    OutboundRecipient r;
    r.message_id = added->id;
    r.address = "bob@x.example";
    r.verp_token = "v1";
    r.state = "bounced";
    ASSERT_TRUE(tx.AddOutboundRecipient(r).ok());

    auto ids = [&](const TicketQuery& q) {
      std::vector<int64_t> out;
      auto found = tx.QueryTickets(q);
      EXPECT_TRUE(found.ok()) << found.status().message();
      if (found.ok()) {
        for (const auto& t : *found) out.push_back(t.id);
      }
      return out;
    };
    TicketQuery open;
    open.statuses = {"new", "open"};
    EXPECT_EQ(ids(open), (std::vector<int64_t>{t2.id, t1.id}));  // newest update first
    EXPECT_EQ(*tx.CountTickets(open), 2);
    TicketQuery unassigned{.assignee = TicketQuery::Assignee::kNobody};
    EXPECT_EQ(*tx.CountTickets(unassigned), 2);
    TicketQuery failures{.delivery_failures = true};
    EXPECT_EQ(ids(failures), (std::vector<int64_t>{t1.id}));
    TicketQuery words{.words = {"されて"}};
    EXPECT_EQ(ids(words), (std::vector<int64_t>{t3.id}));  // in a comment
    TicketQuery literal{.words = {"0%_d"}};
    EXPECT_EQ(ids(literal), (std::vector<int64_t>{t1.id}));
    TicketQuery wildcard{.words = {"r%d"}};
    EXPECT_TRUE(ids(wildcard).empty());  // % is not a wildcard
    TicketQuery tagged{.tags = {"VIP"}};
    EXPECT_EQ(ids(tagged), (std::vector<int64_t>{t2.id}));
    TicketQuery by_requester{.sort = TicketQuery::Sort::kRequester, .ascending = true};
    EXPECT_EQ(ids(by_requester).front(), t2.id);  // amy before bob
    TicketQuery paged{.sort = TicketQuery::Sort::kId, .ascending = true, .offset = 1, .limit = 1};
    EXPECT_EQ(ids(paged), (std::vector<int64_t>{t2.id}));
    // The search index follows a changed subject (and finds two-character
    // words by a scan).
    t1.subject = "Scanner jammed";
    ASSERT_TRUE(tx.UpdateTicket(t1).ok());
    TicketQuery old_word{.words = {"Printer"}};
    EXPECT_TRUE(ids(old_word).empty());
    TicketQuery new_word{.words = {"JAMMED"}};
    EXPECT_EQ(ids(new_word), (std::vector<int64_t>{t1.id}));
    TicketQuery short_word{.words = {"請求"}};
    EXPECT_EQ(ids(short_word), (std::vector<int64_t>{t2.id}));
  });
}

// A view's conditions: every `all` one and one of the `any` ones.
TEST_P(StoreTest, TicketConditionsOfViews) {
  W([&](Tx& tx) {
    User bob = MakeUser(tx, "bob@x.example");
    User amy = MakeUser(tx, "amy@x.example");
    Ticket t1 = MakeTicket(tx, bob.id, "one");
    Ticket t2 = MakeTicket(tx, amy.id, "two");
    Ticket t3 = MakeTicket(tx, bob.id, "three");
    t1.priority = "urgent";
    t1.tags = {"vip"};
    t1.created_at = 1000;
    ASSERT_TRUE(tx.UpdateTicket(t1).ok());
    t2.status = "pending";
    t2.assignee_id = amy.id;
    t2.type = "incident";
    t2.tags = {"billing"};
    t2.created_at = 5000;
    ASSERT_TRUE(tx.UpdateTicket(t2).ok());
    t3.status = "solved";
    t3.priority = "low";
    t3.created_at = 9000;
    ASSERT_TRUE(tx.UpdateTicket(t3).ok());

    using C = TicketCondition;
    auto ids = [&](std::vector<C> all, std::vector<C> any = {}) {
      TicketQuery q{.all = std::move(all), .any = std::move(any), .sort = TicketQuery::Sort::kId,
                    .ascending = true};
      std::vector<int64_t> out;
      auto found = tx.QueryTickets(q);
      EXPECT_TRUE(found.ok()) << found.status().message();
      if (found.ok()) {
        for (const auto& t : *found) out.push_back(t.id);
      }
      EXPECT_EQ(*tx.CountTickets(q), static_cast<int64_t>(out.size()));
      return out;
    };
    using V = std::vector<int64_t>;
    // Unsolved: status below solved (4).
    EXPECT_EQ(ids({{C::Field::kStatus, C::Op::kLessThan, {4}}}), (V{t1.id, t2.id}));
    EXPECT_EQ(ids({{C::Field::kPriority, C::Op::kGreaterThan, {2}}}), (V{t1.id}));
    EXPECT_EQ(ids({{C::Field::kAssigneeId, C::Op::kIs, {}}}), (V{t1.id, t3.id}));
    EXPECT_EQ(ids({{C::Field::kAssigneeId, C::Op::kIsNot, {amy.id}}}), (V{t1.id, t3.id}));
    EXPECT_EQ(ids({{C::Field::kRequesterId, C::Op::kIs, {bob.id}}}), (V{t1.id, t3.id}));
    EXPECT_EQ(ids({{C::Field::kType, C::Op::kIs, {}, {"incident"}}}), (V{t2.id}));
    EXPECT_EQ(ids({{C::Field::kTags, C::Op::kIs, {}, {"VIP", "billing"}}}), (V{t1.id, t2.id}));
    EXPECT_EQ(ids({{C::Field::kTags, C::Op::kIsNot, {}, {"vip"}}}), (V{t2.id, t3.id}));
    EXPECT_EQ(ids({{C::Field::kCreatedAt, C::Op::kLessThan, {5000}}}), (V{t1.id}));
    EXPECT_EQ(ids({{C::Field::kCreatedAt, C::Op::kIs, {5000, 9000}}}), (V{t2.id}));
    EXPECT_EQ(ids({{C::Field::kDeliveryFailed, C::Op::kIsNot}}), (V{t1.id, t2.id, t3.id}));
    // any: one of them; with all: both lists hold.
    EXPECT_EQ(ids({}, {{C::Field::kPriority, C::Op::kIs, {1}}, {C::Field::kType, C::Op::kIs, {}, {"incident"}}}),
              (V{t2.id, t3.id}));
    EXPECT_EQ(ids({{C::Field::kStatus, C::Op::kIsNot, {4}}},
                  {{C::Field::kPriority, C::Op::kIs, {1}}, {C::Field::kType, C::Op::kIs, {}, {"incident"}}}),
              (V{t2.id}));
  });
}

TEST_P(StoreTest, CustomFieldValuesAreKeptAndFiltered) {
  W([&](Tx& tx) {
    User bob = MakeUser(tx, "bob@x.example");
    Ticket t1 = MakeTicket(tx, bob.id, "one");
    Ticket t2 = MakeTicket(tx, bob.id, "two");
    Ticket t3 = MakeTicket(tx, bob.id, "three");
    t1.field_values = {{7, "hardware"}, {8, "12"}};
    ASSERT_TRUE(tx.UpdateTicket(t1).ok());
    t2.field_values = {{7, "software"}, {8, "9.5"}, {9, ""}};  // "" is no value
    ASSERT_TRUE(tx.UpdateTicket(t2).ok());
    EXPECT_EQ(tx.GetTicket(t2.id)->field_values, (std::map<int64_t, std::string>{{7, "software"}, {8, "9.5"}}));
    auto page = tx.ListTickets(0, 10);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ((*page)[0].field_values.at(8), "12");
    EXPECT_TRUE((*page)[2].field_values.empty());

    using C = TicketCondition;
    auto ids = [&](C c) {
      TicketQuery q{.all = {std::move(c)}, .sort = TicketQuery::Sort::kId, .ascending = true};
      std::vector<int64_t> out;
      auto found = tx.QueryTickets(q);
      EXPECT_TRUE(found.ok()) << found.status().message();
      if (found.ok()) {
        for (const auto& t : *found) out.push_back(t.id);
      }
      return out;
    };
    using V = std::vector<int64_t>;
    EXPECT_EQ(ids({C::Field::kCustomField, C::Op::kIs, {7, 0}, {"hardware"}}), (V{t1.id}));
    // Not "hardware": a ticket without a value too.
    EXPECT_EQ(ids({C::Field::kCustomField, C::Op::kIsNot, {7, 0}, {"hardware"}}), (V{t2.id, t3.id}));
    EXPECT_EQ(ids({C::Field::kCustomField, C::Op::kPresent, {7}}), (V{t1.id, t2.id}));
    EXPECT_EQ(ids({C::Field::kCustomField, C::Op::kNotPresent, {7}}), (V{t3.id}));
    // As numbers 9.5 < 10 < 12 (as text "12" < "9.5").
    EXPECT_EQ(ids({C::Field::kCustomField, C::Op::kLessThan, {8, 1}, {"10"}}), (V{t2.id}));
    EXPECT_EQ(ids({C::Field::kCustomField, C::Op::kGreaterThan, {8, 1}, {"10"}}), (V{t1.id}));
    // A deleted field's values go.
    ASSERT_TRUE(tx.DeleteTicketFieldValues(7).ok());
    EXPECT_EQ(tx.GetTicket(t1.id)->field_values, (std::map<int64_t, std::string>{{8, "12"}}));
  });
}

TEST_P(StoreTest, NamedApiTokensFindTheirUserAndAreRevoked) {
  W([&](Tx& tx) {
    User u = MakeUser(tx, "ann@desk.example");
    auto t = tx.AddApiToken({.user_id = u.id, .description = "CI", .token_sha256 = "h1",
                             .created_at = 5});
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(tx.FindUserByApiToken("h1")->id, u.id);
    EXPECT_EQ(tx.ListApiTokens()->size(), 1u);
    ASSERT_TRUE(tx.DeleteApiToken(t->id).ok());
    EXPECT_EQ(tx.DeleteApiToken(t->id).kind(), ErrorKind::kNotFound);
    EXPECT_FALSE(tx.FindUserByApiToken("h1").ok());
    u.suspended = true;
    ASSERT_TRUE(tx.UpdateUser(u).ok());
    EXPECT_TRUE(tx.GetUser(u.id)->suspended);
  });
}

TEST_P(StoreTest, TriggerRevisionsOutliveTheirTrigger) {
  W([&](Tx& tx) {
    ASSERT_TRUE(tx.AddTriggerRevision({.trigger_id = 9, .author_id = 1, .action = "create",
                                       .after_json = "{}", .created_at = 1})
                    .ok());
    ASSERT_TRUE(tx.AddTriggerRevision({.trigger_id = 9, .action = "delete",
                                       .before_json = "{}", .created_at = 2})
                    .ok());
    auto list = tx.ListTriggerRevisions(9);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].action, "create");
    EXPECT_EQ((*list)[1].after_json, "null");
    EXPECT_TRUE(tx.ListTriggerRevisions(10)->empty());
  });
}

TEST_P(StoreTest, BacklogAndRecentFailuresForTheHealthBar) {
  W([&](Tx& tx) {
    User u = MakeUser(tx, "bob@x.example");
    Ticket t = MakeTicket(tx, u.id, "hello");
    OutboundMessage m;
    m.message_id = "m@x";
    m.ticket_id = t.id;
    m.bytes = "x";
    auto added = tx.AddOutboundMessage(m);
    ASSERT_TRUE(added.ok());
    int n = 0;
    for (const char* state : {"queued", "deferred", "sent", "failed"}) {
      OutboundRecipient r;
      r.message_id = added->id;
      r.address = "r" + std::to_string(n) + "@x.example";
      r.verp_token = "v" + std::to_string(n++);
      r.state = state;
      r.created_at = 1000 + n;
      r.updated_at = 5000;
      ASSERT_TRUE(tx.AddOutboundRecipient(r).ok());
    }
    auto backlog = tx.GetOutboundBacklog();
    ASSERT_TRUE(backlog.ok());
    EXPECT_EQ(backlog->pending, 2);
    EXPECT_EQ(backlog->deferred, 1);
    EXPECT_EQ(backlog->oldest_created_at, 1001);
    EXPECT_EQ(*tx.CountTicketsWithFailedDeliverySince(4000), 1);
    EXPECT_EQ(*tx.CountTicketsWithFailedDeliverySince(6000), 0);
  });
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values(SqliteBackend()),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param.name;
                         });

// ---------------- migration steps ----------------

TEST(MigrationsTest, StepsAreNumberedWithoutGapsAndRenderForEveryDialect) {
  int expected = 1;
  for (const Migration& m : Migrations()) {
    EXPECT_EQ(m.version, expected++);
    EXPECT_FALSE(m.name.empty());
    EXPECT_FALSE(m.statements.empty());
    for (std::string_view sql : m.statements) {
      for (const Dialect* d : {&SqliteDialect(), &PostgresDialect()}) {
        std::string rendered = RenderSql(sql, *d);
        EXPECT_EQ(rendered.find('{'), std::string::npos) << rendered;
      }
    }
  }
  EXPECT_EQ(LatestSchemaVersion(), expected - 1);
  EXPECT_GE(LatestSchemaVersion(), 2);
}

// ---------------- SQLite only ----------------

class SqliteOnlyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "postdesk-sqlite-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string dir_;
};

TEST_F(SqliteOnlyTest, FirstOpenMigratesAndReopenDoesNot) {
  auto first = sqlite::SqliteStore::Open(SqlitePath(dir_));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ((*first)->migrations_applied(), LatestSchemaVersion());
  first->reset();
  auto second = sqlite::SqliteStore::Open(SqlitePath(dir_));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->migrations_applied(), 0);
}

TEST_F(SqliteOnlyTest, OpeningVersion1DatabaseAppliesOnlyTheLaterSteps) {
  SqliteBackend().create_schema_at(dir_, 1);
  auto store = sqlite::SqliteStore::Open(SqlitePath(dir_));
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ((*store)->migrations_applied(), LatestSchemaVersion() - 1);
  int64_t step2 = 0;
  SqliteExec(dir_, "SELECT COUNT(*) FROM schema_migrations WHERE version = 2",
             [&](sqlite3_stmt* s) { step2 = sqlite3_column_int64(s, 0); });
  EXPECT_EQ(step2, 1);
}

TEST_F(SqliteOnlyTest, UsesWalAndFullSync) {
  auto store = OpenSqlite(SqlitePath(dir_));
  ASSERT_TRUE(store.ok());
  std::string mode;
  SqliteExec(dir_, "PRAGMA journal_mode", [&](sqlite3_stmt* s) {
    mode = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  });
  EXPECT_EQ(mode, "wal");  // persistent in the file
}

TEST_F(SqliteOnlyTest, MissingDirectoryIsAnError) {
  auto store = OpenSqlite(dir_ + "/no/such/dir/postdesk.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().kind(), ErrorKind::kPermanent);
  EXPECT_FALSE(OpenSqlite("").ok());
}

TEST_F(SqliteOnlyTest, InMemoryStoreWorks) {
  auto store = OpenSqlite(":memory:");
  ASSERT_TRUE(store.ok()) << store.status().message();
  ASSERT_TRUE((*store)->Write([](Tx& tx) { return tx.SetSetting("k", "v"); }).ok());
  std::string value;
  ASSERT_TRUE((*store)
                  ->Read([&](Tx& tx) {
                    auto v = tx.GetSetting("k");
                    if (v.ok()) value = *v;
                    return v.status();
                  })
                  .ok());
  EXPECT_EQ(value, "v");
  EXPECT_FALSE((*store)->Read([](Tx& tx) { return tx.SetSetting("k", "w"); }).ok());
}

// A write that returned ok survives the process being killed right after.
TEST_F(SqliteOnlyTest, CommittedWriteSurvivesKill9) {
  {
    auto store = OpenSqlite(SqlitePath(dir_));  // create the schema up front
    ASSERT_TRUE(store.ok());
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto store = OpenSqlite(SqlitePath(dir_));
    if (!store.ok()) _exit(2);
    Status s = (*store)->Write([](Tx& tx) { return tx.SetSetting("survivor", "yes"); });
    if (!s.ok()) _exit(3);
    raise(SIGKILL);  // no destructor, no checkpoint, no clean close
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exit code " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  auto store = OpenSqlite(SqlitePath(dir_));
  ASSERT_TRUE(store.ok());
  std::string value;
  ASSERT_TRUE((*store)
                  ->Read([&](Tx& tx) {
                    auto v = tx.GetSetting("survivor");
                    if (v.ok()) value = *v;
                    return v.status();
                  })
                  .ok());
  EXPECT_EQ(value, "yes");
}

}  // namespace
}  // namespace postdesk::store
