"""A desk created in Japanese (issue 12, item 2): its default triggers carry
the titles the guide uses, their emails are Japanese and reach a real SMTP
sink correctly encoded; an existing desk keeps its language."""
import json

from conftest import SUPPORT


def test_japanese_desk_triggers_and_notification(desk_factory, sink):
    desk = desk_factory("--relay", sink.relay, "--language", "ja")
    triggers = desk.get_json("/api/v2/triggers")["triggers"]
    titles = [t["title"] for t in triggers]
    assert [t for t in titles if t.startswith("リクエスタへの通知")], titles
    found = desk.get_json("/api/v2/triggers/search?query=" +
                          "%E3%83%AA%E3%82%AF%E3%82%A8%E3%82%B9%E3%82%BF%E3%81%B8%E3%81%AE%E9%80%9A%E7%9F%A5")
    assert len(found["triggers"]) == 3  # received request, proactive ticket, comment update

    desk.swaks("--from", "hanako@customer.test", "--to", SUPPORT,
               "--header", "Subject: =?UTF-8?B?6KuL5rGC5pu444Gr44Gk44GE44Gm?=",
               "--header", "Content-Type: text/plain; charset=utf-8",
               "--body", "再発行してください")
    [mail] = sink.wait_for(lambda m: m["rcpt"] == "hanako@customer.test")
    msg = sink.parsed(mail)
    assert str(msg["Subject"]) == "[リクエスト受付] 請求書について"
    text = msg.get_body(("plain",)).get_content()
    assert "お問い合わせ" in text and "受け付けました" in text

    # Restoring a default keeps the desk's language.
    status, _, body = desk.request("POST",
                                   "/api/v2/triggers/defaults/notify_requester_comment_update/restore")
    assert status == 200
    assert json.loads(body)["trigger"]["title"].startswith("リクエスタへの通知")

    # An existing desk keeps its language whatever a later start says.
    desk.stop()
    desk.extra_args = ["--relay", sink.relay, "--language", "en"]
    desk.start()
    titles = [t["title"] for t in desk.get_json("/api/v2/triggers")["triggers"]]
    assert not [t for t in titles if t.startswith("Notify requester")]
