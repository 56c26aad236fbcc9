#include "rules/defaults.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace postdesk::rules {
namespace {

using nlohmann::json;

// What a default trigger does: its key, whether it starts active, and its
// conditions and actions (a notification's subject and body are "" here:
// they come from the desk's language, below).
struct Definition {
  const char* key;
  bool active;
  const char* json;  // {"all": [...], "any": [...], "actions": [...]}
};

// What a default trigger says, in one language.
struct Texts {
  const char* title;
  const char* description;
  const char* subject;  // nullptr: the trigger sends no email
  const char* body;
};

// The conditions and actions of Zendesk's standard triggers. Positions follow
// this order; the text tables below follow it too.
const Definition kDefaults[] = {
    {"notify_requester_received_request", true,
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Create"},
          {"field": "status", "operator": "is_not", "value": "solved"},
          {"field": "ticket_is_public", "operator": "is", "value": "public"},
          {"field": "comment_is_public", "operator": "is", "value": "true"},
          {"field": "role", "operator": "is", "value": "end_user"}],
        "actions": [{"field": "notification_user", "value": ["requester_and_ccs", "", ""]}]})"},
    {"notify_requester_proactive_ticket", true,
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Create"},
          {"field": "ticket_is_public", "operator": "is", "value": "public"},
          {"field": "role", "operator": "is", "value": "agent"}],
        "actions": [{"field": "notification_user", "value": ["requester_and_ccs", "", ""]}]})"},
    {"notify_requester_comment_update", true,
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Change"},
          {"field": "comment_is_public", "operator": "is", "value": "true"}],
        "actions": [{"field": "notification_user", "value": ["requester_and_ccs", "", ""]}]})"},
    {"notify_assignee_comment_update", true,
     R"({"all": [
          {"field": "comment_is_public", "operator": "is", "value": "not_relevant"},
          {"field": "assignee_id", "operator": "is_not", "value": "current_user"},
          {"field": "assignee_id", "operator": "is_not", "value": "requester_id"},
          {"field": "assignee_id", "operator": "not_changed", "value": null},
          {"field": "status", "operator": "not_value_previous", "value": "solved"}],
        "actions": [{"field": "notification_user", "value": ["assignee_id", "", ""]}]})"},
    {"notify_assignee_assignment", true,
     R"({"all": [
          {"field": "assignee_id", "operator": "changed", "value": null},
          {"field": "assignee_id", "operator": "is_not", "value": "current_user"}],
        "actions": [{"field": "notification_user", "value": ["assignee_id", "", ""]}]})"},
    {"notify_assignee_reopened", true,
     R"({"all": [
          {"field": "assignee_id", "operator": "is_not", "value": "current_user"},
          {"field": "status", "operator": "value_previous", "value": "solved"},
          {"field": "status", "operator": "is_not", "value": "closed"}],
        "actions": [{"field": "notification_user", "value": ["assignee_id", "", ""]}]})"},
    {"notify_group_assignment", true,
     R"({"all": [
          {"field": "group_id", "operator": "is_not", "value": ""},
          {"field": "assignee_id", "operator": "is", "value": ""}],
        "any": [
          {"field": "group_id", "operator": "changed", "value": null},
          {"field": "assignee_id", "operator": "changed", "value": null}],
        "actions": [{"field": "notification_group", "value": ["group_id", "", ""]}]})"},
    {"notify_all_agents_received_request", true,
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Create"}],
        "actions": [{"field": "notification_user", "value": ["all_agents", "", ""]}]})"},
    {"auto_assign_first_email_agent", false,
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Change"},
          {"field": "current_via_id", "operator": "is", "value": "4"},
          {"field": "assignee_id", "operator": "is", "value": ""},
          {"field": "role", "operator": "is_not", "value": "end_user"}],
        "actions": [{"field": "assignee_id", "value": "current_user"}]})"},
    {"set_priority_normal", true,
     R"({"all": [
          {"field": "update_type", "operator": "is", "value": "Create"},
          {"field": "priority", "operator": "is", "value": ""}],
        "actions": [{"field": "priority", "value": "normal"}]})"},
};

const Texts kEnglish[] = {
    {"Notify requester and CCs of received request",
     "Tells the requester and CCs that their request became a ticket.",
     "[Request received] {{ticket.title}}",
     "Your request ({{ticket.id}}) has been received and is being reviewed by our support staff.\n\nTo add additional comments, reply to this email.\n\n{{ticket.comments_formatted}}"},
    {"Notify requester of new proactive ticket",
     "Tells the requester about a ticket an agent opened on their behalf.",
     "{{ticket.title}}",
     "This ticket was created on your behalf.\n\n{{ticket.comments_formatted}}\n\nTo add additional comments, reply to this email."},
    {"Notify requester and CCs of comment update",
     "Sends each public comment to the requester and CCs.",
     "[{{ticket.account}}] Re: {{ticket.title}}",
     "Your request ({{ticket.id}}) has been updated. To add additional comments, reply to this email.\n\n{{ticket.comments_formatted}}"},
    {"Notify assignee of comment update",
     "Sends each new comment, public or internal, to the assigned agent.",
     "[{{ticket.account}}] Re: {{ticket.title}}",
     "This ticket (#{{ticket.id}}) has been updated.\n\n{{ticket.comments_formatted}}"},
    {"Notify assignee of assignment",
     "Tells an agent that someone else assigned a ticket to them.",
     "[{{ticket.account}}] Assignment: {{ticket.title}}",
     "You have been assigned to this ticket (#{{ticket.id}}).\n\n{{ticket.comments_formatted}}"},
    {"Notify assignee of reopened ticket",
     "Tells the assigned agent that a solved ticket was reopened.",
     "[{{ticket.account}}] Re: {{ticket.title}}",
     "This ticket (#{{ticket.id}}) has been reopened.\n\n{{ticket.comments_formatted}}"},
    {"Notify group of assignment",
     "Tells the agents of a group that an unassigned ticket was routed to it.",
     "[{{ticket.account}}] Assignment: {{ticket.title}}",
     "This ticket (#{{ticket.id}}) has been assigned to group '{{ticket.group.name}}', of which you are a member.\n\n{{ticket.comments_formatted}}"},
    {"Notify all agents of received request",
     "Tells every agent about each new ticket. Small teams only.",
     "[{{ticket.account}}] {{ticket.title}}",
     "A ticket (#{{ticket.id}}) by {{ticket.requester.name}} has been received. It is unassigned.\n\n{{ticket.comments_formatted}}"},
    {"Auto-assign to first email responding agent",
     "Assigns an unassigned ticket to the agent who first answers it by email.",
     nullptr,
     nullptr},
    {"Set tickets with no priority to normal",
     "Gives new tickets without a priority the priority normal.",
     nullptr,
     nullptr},
};

// The titles start as the guide names them (「リクエスタへの通知」...).
const Texts kJapanese[] = {
    {"リクエスタへの通知：リクエストの受信（CCを含む）",
     "リクエストがチケットになったことをリクエスタとCCに知らせます。",
     "[リクエスト受付] {{ticket.title}}",
     "お問い合わせ（#{{ticket.id}}）を受け付けました。サポート担当者が内容を確認しています。\n\nコメントを追加するには、このメールに返信してください。\n\n{{ticket.comments_formatted}}"},
    {"リクエスタへの通知：新しいプロアクティブチケット",
     "エージェントがリクエスタに代わって作成したチケットを知らせます。",
     "{{ticket.title}}",
     "このチケットはお客様に代わって作成されました。\n\n{{ticket.comments_formatted}}\n\nコメントを追加するには、このメールに返信してください。"},
    {"リクエスタへの通知：コメントの更新（CCを含む）",
     "公開コメントをリクエスタとCCに送ります。",
     "[{{ticket.account}}] Re: {{ticket.title}}",
     "お問い合わせ（#{{ticket.id}}）が更新されました。コメントを追加するには、このメールに返信してください。\n\n{{ticket.comments_formatted}}"},
    {"担当者への通知：コメントの更新",
     "公開・内部を問わず、新しいコメントを担当エージェントに送ります。",
     "[{{ticket.account}}] Re: {{ticket.title}}",
     "このチケット（#{{ticket.id}}）が更新されました。\n\n{{ticket.comments_formatted}}"},
    {"担当者への通知：割り当て",
     "他の人がチケットを割り当てたことを担当エージェントに知らせます。",
     "[{{ticket.account}}] 割り当て: {{ticket.title}}",
     "このチケット（#{{ticket.id}}）があなたに割り当てられました。\n\n{{ticket.comments_formatted}}"},
    {"担当者への通知：チケットの再オープン",
     "解決済みのチケットが再オープンされたことを担当エージェントに知らせます。",
     "[{{ticket.account}}] Re: {{ticket.title}}",
     "このチケット（#{{ticket.id}}）が再オープンされました。\n\n{{ticket.comments_formatted}}"},
    {"グループへの通知：割り当て",
     "担当者のいないチケットがグループに割り当てられたことを、そのグループのエージェントに知らせます。",
     "[{{ticket.account}}] 割り当て: {{ticket.title}}",
     "このチケット（#{{ticket.id}}）は、あなたが所属するグループ「{{ticket.group.name}}」に割り当てられました。\n\n{{ticket.comments_formatted}}"},
    {"全エージェントへの通知：リクエストの受信",
     "新しいチケットをすべてのエージェントに知らせます。小規模なチーム向けです。",
     "[{{ticket.account}}] {{ticket.title}}",
     "{{ticket.requester.name}} さんからチケット（#{{ticket.id}}）を受信しました。まだ担当者は割り当てられていません。\n\n{{ticket.comments_formatted}}"},
    {"最初にメールで返信したエージェントへの自動割り当て",
     "担当者のいないチケットを、最初にメールで回答したエージェントに割り当てます。",
     nullptr,
     nullptr},
    {"優先度のないチケットを「普通」に設定",
     "優先度のない新しいチケットの優先度を「普通」にします。",
     nullptr,
     nullptr},
};

static_assert(std::size(kDefaults) == std::size(kEnglish));
static_assert(std::size(kDefaults) == std::size(kJapanese));

const Texts& TextsOf(size_t index, Language language) {
  return language == Language::kJapanese ? kJapanese[index] : kEnglish[index];
}

Trigger Build(size_t index, Language language) {
  const Definition& d = kDefaults[index];
  const Texts& texts = TextsOf(index, language);
  json j = json::parse(d.json);
  for (auto& action : j["actions"]) {
    if (texts.subject && action["field"].get<std::string>().starts_with("notification_")) {
      action["value"][1] = texts.subject;
      action["value"][2] = texts.body;
    }
  }
  j["title"] = texts.title;
  j["active"] = d.active;
  j["position"] = static_cast<int64_t>(index) + 1;
  j["description"] = texts.description;
  j["default"] = true;
  j["default_key"] = d.key;
  Result<Trigger> t = ParseTrigger(j);
  // The definitions are constants checked by rules_test; a failure here is a
  // programming error, not input.
  if (!t.ok()) std::abort();
  return std::move(t).value();
}

}  // namespace

std::string_view LanguageCode(Language language) {
  return language == Language::kJapanese ? "ja" : "en";
}

std::optional<Language> LanguageFromCode(std::string_view code) {
  if (code == "en") return Language::kEnglish;
  if (code == "ja") return Language::kJapanese;
  return std::nullopt;
}

std::vector<Trigger> DefaultTriggers(Language language) {
  std::vector<Trigger> out;
  for (size_t i = 0; i < std::size(kDefaults); ++i) out.push_back(Build(i, language));
  return out;
}

Result<Trigger> RestoreDefault(std::string_view key, Language language) {
  for (size_t i = 0; i < std::size(kDefaults); ++i) {
    if (key == kDefaults[i].key) return Build(i, language);
  }
  return Status::NotFound("no default trigger has the key \"" + std::string(key) + "\"");
}

}  // namespace postdesk::rules
