// Measures EvaluateTriggers with 200 active triggers: the 10 defaults plus
// 190 custom ones of the usual kinds (routing by tag, subject words,
// recipient, escalation by priority), a few of which fire and email.
// Run: build/src/rules/rules_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "rules/defaults.h"
#include "rules/engine.h"

namespace postdesk::rules {
namespace {

Trigger Parse(const std::string& text) {
  Result<Trigger> t = ParseTriggerText(text);
  if (!t.ok()) std::abort();
  return std::move(t).value();
}

std::vector<Trigger> Triggers(int custom) {
  std::vector<Trigger> ts = DefaultTriggers();
  for (int i = 0; i < custom; ++i) {
    const std::string n = std::to_string(i);
    std::string conditions;
    std::string actions;
    switch (i % 5) {
      case 0:  // route by tag
        conditions =
            R"({"all": [{"field": "current_tags", "operator": "includes", "value": "product)" + n +
            R"( line)" + n + R"("}, {"field": "group_id", "operator": "is", "value": ""}]})";
        actions = R"([{"field": "group_id", "value": ")" + std::to_string(1000 + i) + R"("}])";
        break;
      case 1:  // keyword in subject
        conditions = R"({"all": [{"field": "update_type", "operator": "is", "value": "Create"},
            {"field": "subject_includes_word", "operator": "includes", "value": "refund)" +
                     n + R"( invoice)" + n + R"("}]})";
        actions = R"([{"field": "current_tags", "value": "billing)" + n + R"("}])";
        break;
      case 2:  // by support address
        conditions = R"({"all": [{"field": "recipient", "operator": "is", "value": "team)" + n +
                     R"(@help.example"}]})";
        actions = R"([{"field": "priority", "value": "high"}])";
        break;
      case 3:  // escalation mail
        conditions = R"({"all": [{"field": "priority", "operator": "value", "value": "urgent"},
            {"field": "status", "operator": "less_than", "value": "solved"}],
            "any": [{"field": "current_tags", "operator": "includes", "value": "vip)" +
                     n + R"("}]})";
        actions =
            R"([{"field": "notification_user", "value": ["all_agents", "Urgent: {{ticket.title}}",
            "{{ticket.comments_formatted}}"]}])";
        break;
      case 4:  // always-true for this update: tags the ticket (fires, changes it)
        conditions = R"({"all": [{"field": "status", "operator": "is_not", "value": "closed"},
            {"field": "comment_is_public", "operator": "is", "value": "not_relevant"}]})";
        actions = i < 20 ? R"([{"field": "current_tags", "value": "seen)" + n + R"("}])"
                         : R"([{"field": "remove_tags", "value": "never)" + n + R"("}])";
        break;
    }
    ts.push_back(Parse(R"({"id": )" + std::to_string(10 + i) + R"(, "title": "custom )" + n +
                       R"(", "position": )" + std::to_string(20 + i) + R"(, "conditions": )" +
                       conditions + R"(, "actions": )" + actions + "}"));
  }
  return ts;
}

TicketUpdate NewEmailTicket() {
  TicketUpdate u;
  u.ticket_id = 42;
  u.encoded_id = "K7Q2-9XWD";
  u.ticket_url = "https://help.example/agent/tickets/42";
  u.account_name = "Example Help";
  u.update_type = UpdateType::kCreate;
  u.after.requester_id = 100;
  u.after.subject = "My printer is on fire and I would like a refund";
  u.after.description = std::string(2000, 'x');
  u.after.recipient = "support@help.example";
  u.comment = CommentInfo{1, 100, "Carla Customer", u.after.description, "", true, 1700000000};
  u.current_user = {100, "Carla Customer", "carla@example.com", Role::kEndUser};
  u.users = {u.current_user};
  for (int i = 0; i < 20; ++i) {
    u.users.push_back({200 + i, "Agent " + std::to_string(i),
                       "agent" + std::to_string(i) + "@help.example", Role::kAgent});
  }
  return u;
}

void BM_Evaluate200Triggers(benchmark::State& state) {
  const std::vector<Trigger> ts = Triggers(190);
  const TicketUpdate base = NewEmailTicket();
  size_t fired = 0, notifications = 0;
  for (auto _ : state) {
    TicketUpdate u = base;
    EvaluationResult r = EvaluateTriggers(ts, u);
    fired = r.fired.size();
    notifications = r.notifications.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["triggers"] = static_cast<double>(ts.size());
  state.counters["fired"] = static_cast<double>(fired);
  state.counters["mails"] = static_cast<double>(notifications);
}
BENCHMARK(BM_Evaluate200Triggers)->Unit(benchmark::kMicrosecond);

// 200 custom triggers and no default: no notification to render, so this is
// the cost of conditions, actions and passes alone.
void BM_Evaluate200TriggersNoMail(benchmark::State& state) {
  std::vector<Trigger> ts;
  for (Trigger& t : Triggers(200)) {
    if (!t.is_default) ts.push_back(std::move(t));
  }
  const TicketUpdate base = NewEmailTicket();
  for (auto _ : state) {
    TicketUpdate u = base;
    EvaluationResult r = EvaluateTriggers(ts, u);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Evaluate200TriggersNoMail)->Unit(benchmark::kMicrosecond);

void BM_ParseDefaults(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(DefaultTriggers());
}
BENCHMARK(BM_ParseDefaults)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace postdesk::rules

BENCHMARK_MAIN();
