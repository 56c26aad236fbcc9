// views_bench: the workspace's ticket lists at scale.
//   views_bench seed DIR N        a store in DIR with N tickets (one comment
//                                 each, 2,000 requesters, mixed statuses)
//   views_bench load PORT TOKEN COUNT PATH...
//                                 COUNT GETs of each PATH over one keep-alive
//                                 connection; prints p50/p99/max per path
// bench/run.sh (ONLY=views) seeds, starts postdesk serve on the store, loads.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "common/ids.h"
#include "http/test_client.h"
#include "store/store.h"

using namespace postdesk;

namespace {

int Seed(const std::string& dir, int64_t n) {
  auto opened = store::OpenSqlite(dir + "/postdesk.db");
  if (!opened.ok()) {
    std::fprintf(stderr, "seed: %s\n", opened.status().message().c_str());
    return 1;
  }
  store::Store& st = **opened;
  std::mt19937 rng(42);
  const char* statuses[] = {"new", "open", "open", "pending", "hold", "solved", "closed"};
  const char* words[] = {"printer", "invoice", "refund", "password", "login", "請求書",
                         "shipping", "broken", "upgrade", "cancel"};
  const int64_t now = static_cast<int64_t>(time(nullptr));
  std::vector<int64_t> users;
  Status s = st.Write([&](store::Tx& tx) -> Status {
    for (int i = 0; i < 2000; ++i) {
      store::User u;
      u.name = "Customer " + std::to_string(i);
      u.email = "customer" + std::to_string(i) + "@customer.example";
      u.created_at = u.updated_at = now;
      auto created = tx.CreateUser(u);
      if (!created.ok()) return created.status();
      users.push_back(created->id);
    }
    return Status::Ok();
  });
  for (int64_t done = 0; s.ok() && done < n;) {
    s = st.Write([&](store::Tx& tx) -> Status {
      for (int i = 0; i < 5000 && done < n; ++i, ++done) {
        store::Ticket t;
        t.encoded_id = NewEncodedId();
        std::string w = words[rng() % 10];
        t.subject = "Ticket " + std::to_string(done) + " about " + w;
        t.description = "The " + w + " does not work since yesterday.";
        t.status = statuses[rng() % 7];
        t.requester_id = t.submitter_id = users[rng() % users.size()];
        t.recipient = "support@support.example";
        t.subject_key = t.subject;
        t.created_at = now - 86400 * 30 + done * 20;
        t.updated_at = t.created_at + static_cast<int64_t>(rng() % 3600);
        auto created = tx.CreateTicket(t);
        if (!created.ok()) return created.status();
        store::Comment c;
        c.ticket_id = created->id;
        c.author_id = t.requester_id;
        c.body = t.description;
        c.created_at = t.created_at;
        if (auto added = tx.AddComment(c); !added.ok()) return added.status();
      }
      return Status::Ok();
    });
  }
  if (!s.ok()) {
    std::fprintf(stderr, "seed: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}

int Load(uint16_t port, const std::string& token, int count, const std::vector<std::string>& paths) {
  http::testing::TestClient client(port, std::chrono::milliseconds(30000));
  for (const auto& path : paths) {
    std::vector<double> ms;
    size_t bytes = 0;
    for (int i = 0; i < count; ++i) {
      auto start = std::chrono::steady_clock::now();
      auto r = client.Send("GET", path, {{"Authorization", "Bearer " + token}});
      auto end = std::chrono::steady_clock::now();
      if (r.status != 200) {
        std::fprintf(stderr, "load: %s answered %d: %s\n", path.c_str(), r.status, r.body.substr(0, 200).c_str());
        return 1;
      }
      bytes = r.body.size();
      ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    }
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))]; };
    std::printf("views: GET %s x%d: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu bytes)\n", path.c_str(),
                count, at(0.5), at(0.99), ms.back(), bytes);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "seed") return Seed(args[1], std::atoll(args[2].c_str()));
  if (args.size() >= 5 && args[0] == "load") {
    return Load(static_cast<uint16_t>(std::atoi(args[1].c_str())), args[2], std::atoi(args[3].c_str()),
                std::vector<std::string>(args.begin() + 4, args.end()));
  }
  std::fprintf(stderr, "usage: views_bench seed DIR N | load PORT TOKEN COUNT PATH...\n");
  return 64;
}
