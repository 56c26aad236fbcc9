#include "tickets/trigger_history.h"

#include <gtest/gtest.h>

#include "rules/defaults.h"
#include "tickets/updates.h"

namespace postdesk::tickets {
namespace {

store::TriggerRow Row(bool active, int64_t position, std::string title) {
  rules::Trigger t = rules::DefaultTriggers()[2];
  t.active = active;
  t.position = position;
  t.title = std::move(title);
  return TriggerToRow(t);
}

TEST(TriggerHistoryTest, ClassifiesEdits) {
  auto base = Row(true, 3, "Notify");
  EXPECT_EQ(ClassifyTriggerEdit(base, Row(false, 3, "Notify")), TriggerChange::kDeactivate);
  // Switching off names the change even when the title moved too.
  EXPECT_EQ(ClassifyTriggerEdit(base, Row(false, 3, "Renamed")), TriggerChange::kDeactivate);
  EXPECT_EQ(ClassifyTriggerEdit(Row(false, 3, "Notify"), base), TriggerChange::kActivate);
  EXPECT_EQ(ClassifyTriggerEdit(base, Row(true, 3, "Renamed")), TriggerChange::kUpdate);
  EXPECT_EQ(ClassifyTriggerEdit(base, Row(true, 9, "Notify")), TriggerChange::kReorder);
  EXPECT_EQ(ClassifyTriggerEdit(base, Row(true, 3, "Notify")), std::nullopt);
}

}  // namespace
}  // namespace postdesk::tickets
