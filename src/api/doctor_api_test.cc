// The doctor API over the router: validation answers 422, an unknown address
// is a report (200) whose address step is a problem, and a DNS server that
// does not answer gives temporary findings, never "missing".
#include "api/doctor_api.h"

#include "tickets/updates.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace postdesk::api {
namespace {

// A loopback UDP port nobody answers on (bound, then released).
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class DoctorApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("doctor_api_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto st = store::OpenSqlite((dir_ / "p.db").string());
    ASSERT_TRUE(st.ok()) << st.status().message();
    store_ = std::move(*st);
    Config config;
    config.data_dir = dir_.string();
    config.domain = "desk.example";
    config.dns = "127.0.0.1:" + std::to_string(ClosedPort());
    RegisterDoctorApi(router_, *store_, config);
    router_.SetAuthHook([](http::Request& r) -> std::optional<http::Response> {
      r.user = http::AuthUser{1, "Admin", "admin@desk.example",
                              r.Header("x-role").empty()
                                  ? Role::kAdmin
                                  : ParseRole(r.Header("x-role")).value_or(Role::kEndUser)};
      return std::nullopt;
    });
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  http::Response Get(const std::string& target) {
    http::Request req;
    req.method = "GET";
    req.target = target;
    return router_.Dispatch(std::move(req));
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  http::Router router_;
};

TEST_F(DoctorApiTest, BadInputIs422) {
  for (const char* target :
       {"/api/v2/doctor/domain/not_a%20domain", "/api/v2/doctor/domain/localhost",
        "/api/v2/doctor/address/nobody", "/api/v2/doctor/address/a@b"}) {
    http::Response r = Get(target);
    EXPECT_EQ(r.status, 422) << target;
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["error"], "InvalidValue");
    EXPECT_FALSE(j["description"].get<std::string>().empty());
  }
  EXPECT_EQ(Get("/api/v2/doctor/nothing/x.example").status, 404);
}

TEST_F(DoctorApiTest, UnansweredDnsIsTemporaryAndUnknownAddressAProblem) {
  http::Response r = Get("/api/v2/doctor/address/help@customer.example");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["subject"], "address help@customer.example");
  EXPECT_EQ(j["status"], "problem");
  EXPECT_EQ(j["exit_status"], 1);
  EXPECT_EQ(j["findings"][0]["step"], "address");
  EXPECT_EQ(j["findings"][0]["level"], "problem");
  bool temporary_spf = false;
  for (const auto& f : j["findings"]) {
    if (f["step"] == "spf.record") temporary_spf = f["temporary"].get<bool>();
  }
  EXPECT_TRUE(temporary_spf) << r.body;

  r = Get("/api/v2/doctor/domain/customer.example.json");
  ASSERT_EQ(r.status, 200) << r.body;
  j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["subject"], "domain customer.example");
  EXPECT_EQ(j["exit_status"], 75) << r.body;
}

// The workspace's "Apply fix": the fix as the report lists it; admins only;
// re-checked (a second apply changes nothing); recorded in the trigger's
// history with who applied it.
TEST_F(DoctorApiTest, FixesAreAppliedForAdminsAndRecorded) {
  int64_t trigger_id = 0;
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) -> Status {
    if (Status s = tickets::SeedDefaultTriggers(tx, 1700000000); !s.ok()) return s;
    auto row = tx.FindTriggerByDefaultKey("notify_requester_comment_update");
    if (!row.ok()) return row.status();
    auto t = tickets::TriggerFromRow(*row);
    if (!t.ok()) return t.status();
    t->active = false;
    trigger_id = row->id;
    return tx.UpdateTrigger(tickets::TriggerToRow(*t));
  }).ok());
  auto post = [&](std::string role) {
    http::Request req;
    req.method = "POST";
    req.target = "/api/v2/doctor/fixes";
    req.headers["x-role"] = role;
    req.body = nlohmann::json{{"fix", {{"fix", "activate_trigger"}, {"id", trigger_id},
                                       {"step", "2.trigger"}, {"summary", "re-activate"}}},
                              {"subject", "ticket:1"}}
                   .dump();
    return router_.Dispatch(std::move(req));
  };
  EXPECT_EQ(post("agent").status, 403);
  auto r = post("admin");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(nlohmann::json::parse(r.body)["result"].get<std::string>().find("re-activated"),
            std::string::npos);
  r = post("admin");
  EXPECT_NE(nlohmann::json::parse(r.body)["result"].get<std::string>().find("already active"),
            std::string::npos);
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
    auto revisions = tx.ListTriggerRevisions(trigger_id);
    if (!revisions.ok()) return revisions.status();
    EXPECT_EQ(revisions->size(), 1u);
    if (!revisions->empty()) {
      EXPECT_EQ(revisions->front().action, "activate");
      EXPECT_EQ(revisions->front().author_id, 1);
    }
    return Status::Ok();
  }).ok());
  http::Request bad;
  bad.method = "POST";
  bad.target = "/api/v2/doctor/fixes";
  bad.body = R"({"fix": {"fix": "format_disk", "id": 1}, "subject": "x"})";
  EXPECT_EQ(router_.Dispatch(std::move(bad)).status, 422);
}

}  // namespace
}  // namespace postdesk::api
