#include "rules/placeholders.h"

#include "common/strings.h"

#include <gtest/gtest.h>

#include "rules/rules_testing.h"

namespace postdesk::rules {
namespace {

using namespace testing;  // NOLINT: test fixtures

std::string Text(std::string_view tmpl, const TicketUpdate& u,
                 Audience audience = Audience::kEndUsers) {
  return RenderTemplate(tmpl, u, RenderMode::kText, audience);
}

std::string Html(std::string_view tmpl, const TicketUpdate& u,
                 Audience audience = Audience::kEndUsers) {
  return RenderTemplate(tmpl, u, RenderMode::kHtml, audience);
}

TicketUpdate Sample() {
  TicketUpdate u = OpenTicketChange();
  u.after.status = "hold";
  u.after.priority = "high";
  u.after.type = "incident";
  u.after.tags = {"vip", "billing"};
  u.current_user = Bob();
  u.comment = CommentInfo{2,
                          kAgentBob,
                          "Bob Builder",
                          "Please restart it.\nThen tell me.",
                          "<p>Please <b>restart</b> it.</p>",
                          true,
                          1700003600};
  return u;
}

TEST(Placeholders, TicketFields) {
  TicketUpdate u = Sample();
  EXPECT_EQ(Text("{{ticket.id}}", u), "42");
  EXPECT_EQ(Text("{{ticket.encoded_id}}", u), "K7Q2-9XWD");
  EXPECT_EQ(Text("{{ticket.title}}", u), "Printer is on fire");
  EXPECT_EQ(Text("{{ticket.description}}", u), "It started smoking this morning.");
  EXPECT_EQ(Text("{{ticket.url}}", u), "https://help.example/agent/tickets/42");
  EXPECT_EQ(Text("{{ticket.link}}", u), "https://help.example/agent/tickets/42");
  EXPECT_EQ(Text("{{ticket.status}}", u), "On-hold");
  EXPECT_EQ(Text("{{ticket.priority}}", u), "High");
  EXPECT_EQ(Text("{{ticket.ticket_type}}", u), "Incident");
  EXPECT_EQ(Text("{{ticket.via}}", u), "Email");
  EXPECT_EQ(Text("{{ticket.account}}", u), "Example Help");
  EXPECT_EQ(Text("{{ticket.tags}}", u), "vip billing");
  EXPECT_EQ(Text("{{ticket.group.name}}", u), "Support");
  u.after.status = "open";
  EXPECT_EQ(Text("{{ticket.status}}", u), "Open");
}

TEST(Placeholders, People) {
  TicketUpdate u = Sample();
  EXPECT_EQ(Text("{{ticket.requester.name}}", u), "Carla Customer");
  EXPECT_EQ(Text("{{ticket.requester.first_name}}", u), "Carla");
  EXPECT_EQ(Text("{{ticket.requester.last_name}}", u), "Customer");
  EXPECT_EQ(Text("{{ticket.requester.email}}", u), "carla@example.com");
  EXPECT_EQ(Text("{{ticket.requester.id}}", u), "100");
  EXPECT_EQ(Text("{{ticket.assignee.name}}", u), "Ann Agent");
  EXPECT_EQ(Text("{{ticket.assignee.first_name}}", u), "Ann");
  EXPECT_EQ(Text("{{ticket.assignee.email}}", u), "ann@help.example");
  EXPECT_EQ(Text("{{current_user.name}}", u), "Bob Builder");
  EXPECT_EQ(Text("{{current_user.first_name}}", u), "Bob");
  EXPECT_EQ(Text("{{current_user.email}}", u), "bob@help.example");
  u.after.assignee_id.reset();
  EXPECT_EQ(Text("[{{ticket.assignee.name}}]", u), "[]");
}

TEST(Placeholders, WhitespaceInsideBracesIsTolerated) {
  TicketUpdate u = Sample();
  EXPECT_EQ(Text("#{{ ticket.id }} {{\tticket.title\n}}", u), "#42 Printer is on fire");
}

TEST(Placeholders, UnknownRenderEmptyAndUnclosedStayLiteral) {
  TicketUpdate u = Sample();
  EXPECT_EQ(Text("a{{ticket.nope}}b{{ ticket.title | upcase }}c", u), "abc");
  EXPECT_EQ(Text("x {{ticket.id", u), "x {{ticket.id");
  EXPECT_EQ(Text("{% if x %}{{ticket.id}}", u), "{% if x %}42");
  EXPECT_EQ(Text("", u), "");
}

TEST(Placeholders, LatestComment) {
  TicketUpdate u = Sample();
  EXPECT_EQ(Text("{{ticket.latest_comment}}", u), "Please restart it.\nThen tell me.");
  // In text the _html variant is the plain body; in HTML it is the HTML body.
  EXPECT_EQ(Text("{{ticket.latest_comment_html}}", u), "Please restart it.\nThen tell me.");
  EXPECT_EQ(Html("{{ticket.latest_comment_html}}", u), "<p>Please <b>restart</b> it.</p>");
  EXPECT_EQ(Html("{{ticket.latest_comment}}", u), "Please restart it.<br>\nThen tell me.");
  u.comment->html_body.clear();
  EXPECT_EQ(Html("{{ticket.latest_comment_html}}", u), "Please restart it.<br>\nThen tell me.");
}

TEST(Placeholders, PrivateCommentsOnlyForAgents) {
  TicketUpdate u = Sample();
  u.comment->is_public = false;
  u.comment->body = "internal: customer is difficult";
  // End users see the latest public comment instead.
  EXPECT_EQ(Text("{{ticket.latest_comment}}", u), "It started smoking this morning.");
  EXPECT_EQ(Text("{{ticket.latest_comment}}", u, Audience::kAgents),
            "internal: customer is difficult");
  EXPECT_EQ(Text("{{ticket.latest_public_comment}}", u, Audience::kAgents),
            "It started smoking this morning.");
  EXPECT_EQ(Text("{{ticket.comments_formatted}}", u).find("difficult"), std::string::npos);
  EXPECT_NE(Text("{{ticket.comments_formatted}}", u, Audience::kAgents).find("difficult"),
            std::string::npos);
  EXPECT_EQ(Text("{{ticket.public_comments_formatted}}", u, Audience::kAgents).find("difficult"),
            std::string::npos);
}

TEST(Placeholders, CommentsFormattedNewestFirst) {
  TicketUpdate u = Sample();
  std::string text = Text("{{ticket.comments_formatted}}", u);
  size_t bob = text.find("Bob Builder, Nov 14, 2023, 23:13 UTC");
  size_t carla = text.find("Carla Customer, Nov 14, 2023, 22:13 UTC");
  ASSERT_NE(bob, std::string::npos) << text;
  ASSERT_NE(carla, std::string::npos) << text;
  EXPECT_LT(bob, carla);
  EXPECT_NE(text.find("Please restart it.\nThen tell me."), std::string::npos);

  std::string html = Html("{{ticket.comments_formatted}}", u);
  EXPECT_NE(html.find("<strong>Bob Builder</strong>"), std::string::npos) << html;
  EXPECT_NE(html.find("Please restart it.<br>\nThen tell me."), std::string::npos);
  EXPECT_LT(html.find("Bob Builder"), html.find("Carla Customer"));
}

TEST(Placeholders, CommentInHistoryTooIsShownOnce) {
  TicketUpdate u = Sample();
  u.comments.push_back(*u.comment);
  std::string text = Text("{{ticket.comments_formatted}}", u);
  size_t first = text.find("Please restart");
  EXPECT_EQ(text.find("Please restart", first + 1), std::string::npos);
}

TEST(Placeholders, HtmlModeEscapesValues) {
  TicketUpdate u = Sample();
  u.after.subject = "<script>alert('x')</script> & \"more\"";
  u.comment->body = "<script>steal()</script>";
  u.comment->html_body.clear();
  EXPECT_EQ(Html("<h1>{{ticket.title}}</h1>", u),
            "<h1>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;</h1>");
  EXPECT_EQ(Text("{{ticket.title}}", u), "<script>alert('x')</script> & \"more\"");
  std::string formatted = Html("{{ticket.comments_formatted}}", u);
  EXPECT_EQ(formatted.find("<script>"), std::string::npos);
  EXPECT_NE(formatted.find("&lt;script&gt;steal()"), std::string::npos);
  EXPECT_EQ(Html("{{ticket.latest_comment_html}}", u), "&lt;script&gt;steal()&lt;/script&gt;");
  u.users[0].name = "<b>Carla</b>";
  EXPECT_EQ(Html("{{ticket.requester.name}}", u), "&lt;b&gt;Carla&lt;/b&gt;");
}

TEST(Placeholders, HtmlModeKeepsTemplateMarkupAndBreaksLines) {
  TicketUpdate u = Sample();
  EXPECT_EQ(Html("<b>Ticket</b> #{{ticket.id}}\nbye", u), "<b>Ticket</b> #42<br>\nbye");
}

TEST(Placeholders, ValidateTemplateListsUnknownNamesOnce) {
  EXPECT_TRUE(ValidateTemplate("{{ticket.id}} {{ ticket.comments_formatted }}").empty());
  EXPECT_EQ(ValidateTemplate("{{ticket.foo}} {{ticket.id}} {{ ticket.foo }} {{x | y}} {{}}"),
            (std::vector<std::string>{"ticket.foo", "x | y", ""}));
  EXPECT_TRUE(ValidateTemplate("no placeholders {{ unclosed").empty());
}

TEST(Placeholders, HtmlEscape) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace postdesk::rules
