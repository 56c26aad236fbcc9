// Retention of suspended mail against a real SQLite store, with time from a
// FakeClock: what is purged, what stays, and the trace each purge leaves.
#include "intake/retention.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/ids.h"

namespace postdesk::intake {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr int64_t kDay = 24 * 3600;
constexpr int64_t kStart = 1700000000;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("postdesk-retention-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto opened = store::OpenSqlite((dir_ / "postdesk.db").string());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // A suspended ticket and its raw message, received at `at`.
  store::SuspendedTicket Suspend(int64_t at, std::string author, std::string subject = "Hello") {
    store::SuspendedTicket out;
    Status s = store_->Write([&](store::Tx& tx) -> Status {
      store::RawMessage raw;
      raw.bytes = "From: " + author + "\r\nSubject: " + subject + "\r\n\r\nbody " +
                  std::to_string(at) + " " + std::to_string(counter_++) + "\r\n";
      raw.sha256 = Sha256Hex(raw.bytes);
      raw.mail_from = author;
      raw.rcpt_to = {"support@support.example"};
      raw.door = "smtp";
      raw.received_at = at;
      auto raw_id = tx.AddRawMessage(raw);
      if (!raw_id.ok()) return raw_id.status();
      store::SuspendedTicket st;
      st.cause_id = 0;
      st.cause = "spam";
      st.author_email = author;
      st.author_name = "Someone";
      st.subject = subject;
      st.content = "body";
      st.recipient = "support@support.example";
      st.message_id = "m" + std::to_string(counter_) + "@example.com";
      st.raw_message_id = *raw_id;
      st.created_at = at;
      auto added = tx.AddSuspended(st);
      if (!added.ok()) return added.status();
      out = *added;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  bool SuspendedExists(int64_t id) {
    bool found = false;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      found = tx.GetSuspended(id).ok();
                      return Status::Ok();
                    })
                    .ok());
    return found;
  }
  bool RawExists(int64_t id) {
    bool found = false;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      found = tx.GetRawMessage(id).ok();
                      return Status::Ok();
                    })
                    .ok());
    return found;
  }
  std::vector<store::SystemEvent> Events() {
    std::vector<store::SystemEvent> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      auto e = tx.ListSystemEvents("", "suspended_purged", 1000);
                      if (!e.ok()) return e.status();
                      out = *e;
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  int counter_ = 0;
};

TEST_F(RetentionTest, PurgesOnlyMailOlderThanTheRetentionPeriod) {
  FakeClock clock(kStart);
  auto old_one = Suspend(kStart, "old@spam.example", "Old offer");
  auto recent = Suspend(kStart + 10 * kDay, "new@spam.example", "New offer");
  RetentionOptions options;  // 14 days

  // Day 13: nothing is old enough.
  clock.Advance(13 * kDay);
  auto r = PurgeAllExpiredSuspended(*store_, clock, options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->suspended, 0);
  EXPECT_TRUE(SuspendedExists(old_one.id));
  EXPECT_TRUE(Events().empty());

  // Exactly 14 days after it arrived: still kept (purged strictly after).
  clock.Advance(1 * kDay);
  r = PurgeAllExpiredSuspended(*store_, clock, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->suspended, 0);
  EXPECT_TRUE(SuspendedExists(old_one.id));

  // One second later it goes, with its raw message; the recent one stays.
  clock.Advance(1);
  r = PurgeAllExpiredSuspended(*store_, clock, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->suspended, 1);
  EXPECT_EQ(r->raw_messages, 1);
  EXPECT_FALSE(SuspendedExists(old_one.id));
  EXPECT_FALSE(RawExists(old_one.raw_message_id));
  EXPECT_TRUE(SuspendedExists(recent.id));
  EXPECT_TRUE(RawExists(recent.raw_message_id));

  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "suspended_purged");
  EXPECT_EQ(events[0].subject, "old@spam.example");
  EXPECT_EQ(events[0].created_at, clock.Now());
  json detail = json::parse(events[0].detail_json);
  EXPECT_EQ(detail["suspended_ticket_id"], old_one.id);
  EXPECT_EQ(detail["cause"], "spam");
  EXPECT_EQ(detail["cause_id"], 0);
  EXPECT_EQ(detail["subject"], "Old offer");
  EXPECT_EQ(detail["raw_message_deleted"], true);
  EXPECT_EQ(detail["received_at"], FormatIsoTime(kStart));

  // Running again changes nothing.
  r = PurgeAllExpiredSuspended(*store_, clock, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->suspended, 0);
  EXPECT_EQ(Events().size(), 1u);

  // Ten days on, the other one goes too.
  clock.Advance(10 * kDay);
  r = PurgeAllExpiredSuspended(*store_, clock, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->suspended, 1);
  EXPECT_FALSE(SuspendedExists(recent.id));
  EXPECT_EQ(Events().size(), 2u);
}

TEST_F(RetentionTest, ConfigurablePeriodAndZeroKeepsForever) {
  FakeClock clock(kStart);
  auto s = Suspend(kStart, "a@spam.example");
  clock.Advance(400 * kDay);
  RetentionOptions forever;
  forever.retention_days = 0;
  auto r = PurgeAllExpiredSuspended(*store_, clock, forever);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->suspended, 0);
  EXPECT_TRUE(SuspendedExists(s.id));

  FakeClock clock2(kStart + 2 * kDay + 1);
  RetentionOptions two_days;
  two_days.retention_days = 2;
  r = PurgeAllExpiredSuspended(*store_, clock2, two_days);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->suspended, 1);
  EXPECT_FALSE(SuspendedExists(s.id));
}

TEST_F(RetentionTest, PurgesInBatchesUntilDone) {
  FakeClock clock(kStart);
  for (int i = 0; i < 25; ++i) Suspend(kStart + i, "bulk" + std::to_string(i) + "@spam.example");
  auto keep = Suspend(kStart + 20 * kDay, "keep@spam.example");
  clock.Advance(15 * kDay);
  RetentionOptions options;
  options.batch_size = 10;

  // One batch in a caller's transaction: the ten oldest, and "more".
  PurgeStats first;
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) -> Status {
                    auto r = PurgeExpiredSuspended(tx, clock.Now(), options);
                    if (!r.ok()) return r.status();
                    first = *r;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(first.suspended, 10);
  EXPECT_TRUE(first.more);

  auto r = PurgeAllExpiredSuspended(*store_, clock, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->suspended, 15);
  EXPECT_FALSE(r->more);
  EXPECT_EQ(Events().size(), 25u);
  EXPECT_TRUE(SuspendedExists(keep.id));
}

TEST_F(RetentionTest, RawMessageACommentUsesIsKept) {
  FakeClock clock(kStart);
  auto s = Suspend(kStart, "carol@example.com");
  // A comment made from the same raw message (e.g. an earlier recovery).
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) -> Status {
                    store::User u;
                    u.email = "carol@example.com";
                    u.name = "Carol";
                    auto user = tx.CreateUser(u);
                    if (!user.ok()) return user.status();
                    store::Ticket t;
                    t.encoded_id = NewEncodedId();
                    t.subject = "Hello";
                    t.requester_id = t.submitter_id = user->id;
                    auto ticket = tx.CreateTicket(t);
                    if (!ticket.ok()) return ticket.status();
                    store::Comment c;
                    c.ticket_id = ticket->id;
                    c.author_id = user->id;
                    c.body = "body";
                    c.raw_message_id = s.raw_message_id;
                    auto added = tx.AddComment(c);
                    return added.ok() ? Status::Ok() : added.status();
                  })
                  .ok());
  clock.Advance(15 * kDay);
  auto r = PurgeAllExpiredSuspended(*store_, clock, RetentionOptions{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->suspended, 1);
  EXPECT_EQ(r->raw_messages, 0);
  EXPECT_FALSE(SuspendedExists(s.id));
  EXPECT_TRUE(RawExists(s.raw_message_id));
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(json::parse(events[0].detail_json)["raw_message_deleted"], false);
}

TEST_F(RetentionTest, PeriodicTaskPurgesAtStartThroughTheWriter) {
  FakeClock clock(kStart + 30 * kDay);
  auto old_one = Suspend(kStart, "old@spam.example");
  auto recent = Suspend(kStart + 29 * kDay, "new@spam.example");
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  {
    store::GroupCommitWriter writer(*store_);
    RetentionOptions options;
    options.interval_seconds = 3600;
    RetentionTask task(io.get_executor(), writer, clock, options);
    task.Start();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (task.runs() < 1 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(task.runs(), 1);
    EXPECT_EQ(task.totals().suspended, 1);
    task.Stop();
  }
  guard.reset();
  io.stop();
  runner.join();
  EXPECT_FALSE(SuspendedExists(old_one.id));
  EXPECT_FALSE(RawExists(old_one.raw_message_id));
  EXPECT_TRUE(SuspendedExists(recent.id));
  EXPECT_EQ(Events().size(), 1u);
}

}  // namespace
}  // namespace postdesk::intake
