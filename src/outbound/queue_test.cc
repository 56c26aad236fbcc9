#include "outbound/queue.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "common/ids.h"

namespace postdesk::outbound {
namespace {

namespace fs = std::filesystem;

// Issue 13, defect 5: an exception inside a delivery was dropped by
// asio::detached, leaking the queue's slot and leaving the recipient
// "sending" until a restart. It is deferred now, with the reason, and the
// queue keeps going.
TEST(OutboundQueueTest, AnExceptionInADeliveryDefersTheRecipient) {
  fs::path dir = fs::temp_directory_path() / ("postdesk-queue-" + NewToken().substr(0, 12));
  fs::create_directories(dir);
  {
    auto opened = store::OpenSqlite((dir / "q.db").string());
    ASSERT_TRUE(opened.ok());
    auto& st = **opened;
    FakeClock clock;
    std::vector<int64_t> ids;
    ASSERT_TRUE(st.Write([&](store::Tx& tx) -> Status {
      store::OutboundMessage m;
      m.message_id = "m1@desk.example";
      m.subject = "hello";
      m.bytes = "Subject: hello\r\n\r\nhi\r\n";
      m.created_at = clock.Now();
      auto added = tx.AddOutboundMessage(m);
      if (!added.ok()) return added.status();
      for (const char* address : {"a@x.example", "b@x.example"}) {
        store::OutboundRecipient r;
        r.message_id = added->id;
        r.address = address;
        r.verp_token = NewToken().substr(0, 16);
        r.next_attempt_at = clock.Now();
        r.created_at = clock.Now();
        r.expires_at = clock.Now() + 3600;
        auto rr = tx.AddOutboundRecipient(r);
        if (!rr.ok()) return rr.status();
        ids.push_back(rr->id);
      }
      return Status::Ok();
    }).ok());

    boost::asio::io_context io;
    store::GroupCommitWriter writer(st);
    QueueOptions options;
    options.max_in_flight = 1;  // a leaked slot would stop the second recipient
    options.poll_milliseconds = 20;
    options.bounce_domain = "desk.example";
    OutboundQueue queue(io, st, writer, options, clock,
                        [](std::string) -> boost::asio::awaitable<Result<std::vector<SmtpTarget>>> {
                          throw std::runtime_error("mx lookup exploded");
                          co_return std::vector<SmtpTarget>{};
                        });
    queue.Start();
    std::thread runner([&] { io.run_for(std::chrono::seconds(2)); });
    runner.join();
    queue.Stop();
    for (int64_t id : ids) {
      std::string state, detail;
      ASSERT_TRUE(st.Read([&](store::Tx& tx) -> Status {
        auto r = tx.GetOutboundRecipient(id);
        if (!r.ok()) return r.status();
        state = r->state;
        auto events = tx.ListDeliveryEvents(id);
        if (!events.ok()) return events.status();
        if (!events->empty()) detail = events->back().detail;
        return Status::Ok();
      }).ok());
      EXPECT_EQ(state, "deferred") << id;
      EXPECT_NE(detail.find("mx lookup exploded"), std::string::npos) << detail;
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace postdesk::outbound
