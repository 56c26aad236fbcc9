#!/usr/bin/python3
"""Regenerates the golden MIME corpus: NAME.eml + NAME.expected.json.

Run from anywhere with the Debian interpreter: /usr/bin/python3 make_corpus.py
The .eml files are committed; this script documents how the trickier ones
(charsets, split encoded words, truncated base64, NUL bytes) were built, so a
message can be changed or added without hand-editing binary bytes.

Expected fields, all optional except where noted (see src/mime/golden_test.cc):
  from_email, from_name, subject, message_id, in_reply_to, references,
  text_contains, text_not_contains, html (bool), attachments
  [{filename, content_type, inline}], to, cc (lists of emails),
  defects_contain (substrings of some defect).
"""

import base64
import json
import os
import quopri

HERE = os.path.dirname(os.path.abspath(__file__))


def b64(data):
    """Base64 body lines of 76 characters."""
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76)).encode()


CODECS = {"gb2312": "gbk", "ks_c_5601-1987": "euc_kr", "shift_jis": "cp932"}


def ew(text, charset, enc="B"):
    """One RFC 2047 encoded word (text encoded with the superset the label means)."""
    raw = text.encode(CODECS.get(charset.lower(), charset))
    if enc == "B":
        return f"=?{charset}?B?{base64.b64encode(raw).decode()}?="
    q = "".join(
        chr(c) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else
        "_" if c == 32 else f"={c:02X}" for c in raw)
    return f"=?{charset}?Q?{q}?="


def write(name, headers, body, expected, crlf=True):
    """headers: list of (name, str|bytes); body: bytes."""
    out = b""
    for k, v in headers:
        if isinstance(v, str):
            v = v.encode("ascii")
        out += k.encode() + b": " + v + b"\n"
    out += b"\n" + body
    if crlf:
        out = out.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with open(os.path.join(HERE, name + ".eml"), "wb") as f:
        f.write(out)
    with open(os.path.join(HERE, name + ".expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=2)
        f.write("\n")


COMMON = [
    ("Date", "Tue, 05 Mar 2024 10:14:03 +0900"),
    ("MIME-Version", "1.0"),
]


def main():
    # ---------------------------------------------------------------- Japanese
    body = ("お世話になっております。\n株式会社サンプル商事の田中です。\n\n"
            "先日注文した商品がまだ届いておりません。\n注文番号：AB-12345\n"
            "ご確認のほどよろしくお願いいたします。\n\n田中 太郎\n")
    subject = "商品未着のお問い合わせ"
    write("jp_iso2022jp", [
        ("From", f"{ew('田中 太郎', 'ISO-2022-JP')} <tanaka@sample-shoji.example.jp>"),
        ("To", "support@helpdesk.example"),
        ("Subject", ew(subject, "ISO-2022-JP")),
        ("Message-ID", "<20240305101403.A1B2@sample-shoji.example.jp>"),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=ISO-2022-JP"),
        ("Content-Transfer-Encoding", "7bit"),
    ], body.encode("iso2022_jp"), {
        "from_email": "tanaka@sample-shoji.example.jp",
        "from_name": "田中 太郎",
        "subject": subject,
        "message_id": "20240305101403.A1B2@sample-shoji.example.jp",
        "text_contains": ["お世話になっております。", "注文番号：AB-12345", "田中 太郎"],
        "html": False,
        "attachments": [],
    })

    body_sjis = ("サポート担当者様\n\nいつもお世話になっております。\n"
                 "① ログイン画面でパスワードを入力すると、エラーが表示されます。\n"
                 "② 時刻は 9:00～10:00 の間です。\n\nよろしくお願いします。\n佐藤\n")
    subject = "ログインできません（至急）"
    write("jp_shift_jis", [
        ("From", f"{ew('佐藤 花子', 'Shift_JIS')} <sato@example.co.jp>"),
        ("To", "Support <support@helpdesk.example>"),
        ("Subject", ew(subject, "Shift_JIS")),
        ("Message-ID", "<CAF8sjis0001@mail.example.co.jp>"),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=Shift_JIS"),
        ("Content-Transfer-Encoding", "8bit"),
    ], body_sjis.encode("cp932"), {
        "from_email": "sato@example.co.jp",
        "from_name": "佐藤 花子",
        "subject": subject,
        "text_contains": ["① ログイン画面", "9:00～10:00", "よろしくお願いします。"],
        "html": False,
        "attachments": [],
    })

    body = ("お問い合わせありがとうございます。\n請求書の宛名を変更したいのですが、"
            "どちらから手続きできますでしょうか。\n会社名：日本システム株式会社\n")
    subject = "請求書の宛名変更について"
    write("jp_euc_jp", [
        ("From", f"{ew('鈴木', 'EUC-JP', 'Q')} <suzuki@nihon-system.example>"),
        ("To", "support@helpdesk.example"),
        ("Subject", ew(subject, "EUC-JP", "Q")),
        ("Message-ID", "<eucjp.42@nihon-system.example>"),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=EUC-JP"),
        ("Content-Transfer-Encoding", "8bit"),
    ], body.encode("euc_jp"), {
        "from_email": "suzuki@nihon-system.example",
        "from_name": "鈴木",
        "subject": subject,
        "text_contains": ["請求書の宛名を変更したい", "日本システム株式会社"],
        "html": False,
        "attachments": [],
    }, crlf=False)

    # ---------------------------------------------------------------- Chinese
    # Declared GB2312, but 喆 exists only in GBK: decoding must use GB18030.
    body = "您好：\n我的账号无法登录，系统提示密码错误。\n联系人：王喆\n电话：138-0000-0000\n谢谢！\n"
    subject = "账号无法登录"
    write("zh_gb2312", [
        ("From", f"{ew('王喆', 'gb2312')} <wangzhe@example.cn>"),
        ("To", "support@helpdesk.example"),
        ("Subject", ew(subject, "GB2312")),
        ("Message-ID", "<gb2312-77@example.cn>"),
    ] + COMMON + [
        ("Content-Type", 'text/plain; charset="gb2312"'),
        ("Content-Transfer-Encoding", "base64"),
    ], b64(body.encode("gbk")) + b"\n", {
        "from_email": "wangzhe@example.cn",
        "from_name": "王喆",
        "subject": subject,
        "text_contains": ["我的账号无法登录", "联系人：王喆", "谢谢！"],
        "html": False,
        "attachments": [],
    })

    body = "你好，\n附件里的发票金额是 €120，但订单上写的是 ¥860。请核对。\n生僻字测试：𠀋\n"
    subject = "发票金额不一致"
    write("zh_gb18030", [
        ("From", "Li Na <lina@example.cn>"),
        ("To", "support@helpdesk.example"),
        ("Subject", ew(subject, "GB18030")),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=GB18030"),
        ("Content-Transfer-Encoding", "8bit"),
    ], body.encode("gb18030"), {
        "from_email": "lina@example.cn",
        "from_name": "Li Na",
        "subject": subject,
        "text_contains": ["发票金额是 €120", "¥860", "生僻字测试：𠀋"],
        "html": False,
    })

    body = "您好：\n我的帳號無法登入，請協助處理。\n訂單編號：TW-20240305\n謝謝！\n陳先生\n"
    subject = "帳號無法登入"
    write("zh_big5", [
        ("From", f"{ew('陳大文', 'big5')} <chen@example.com.tw>"),
        ("To", "support@helpdesk.example"),
        ("Subject", ew(subject, "big5")),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=big5"),
        ("Content-Transfer-Encoding", "8bit"),
    ], body.encode("big5"), {
        "from_email": "chen@example.com.tw",
        "from_name": "陳大文",
        "subject": subject,
        "text_contains": ["我的帳號無法登入，請協助處理。", "陳先生"],
        "html": False,
    })

    # ---------------------------------------------------------------- Cyrillic
    body = ("Здравствуйте!\n\nНе могу войти в личный кабинет. Пароль сбросил, "
            "но письмо так и не пришло.\n\nС уважением,\nИван Петров\n")
    subject = "Не могу войти в кабинет"
    write("ru_koi8r", [
        ("From", f"{ew('Иван Петров', 'koi8-r')} <ivan@example.ru>"),
        ("To", "support@helpdesk.example"),
        ("Subject", ew(subject, "KOI8-R")),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=koi8-r"),
        ("Content-Transfer-Encoding", "8bit"),
    ], body.encode("koi8_r"), {
        "from_email": "ivan@example.ru",
        "from_name": "Иван Петров",
        "subject": subject,
        "text_contains": ["Не могу войти в личный кабинет.", "С уважением,"],
        "html": False,
    })

    body = ("Добрый день.\nПрошу выставить счёт на оплату за декабрь "
            "и отправить закрывающие документы.\nБухгалтерия ООО «Ромашка»\n")
    subject = "Счёт за декабрь"
    write("ru_windows1251", [
        ("From", f"{ew('Бухгалтерия', 'windows-1251', 'Q')} <buh@romashka.example>"),
        ("To", "support@helpdesk.example"),
        ("Subject", ew(subject, "windows-1251", "Q")),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=windows-1251"),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ], quopri.encodestring(body.encode("cp1251")), {
        "from_email": "buh@romashka.example",
        "from_name": "Бухгалтерия",
        "subject": subject,
        "text_contains": ["Прошу выставить счёт на оплату за декабрь", "ООО «Ромашка»"],
        "html": False,
    })

    # ---------------------------------------------------------------- Korean
    body = "안녕하세요.\n주문한 상품이 아직 도착하지 않았습니다.\n주문번호: KR-5521\n확인 부탁드립니다.\n김민수 드림\n"
    subject = "배송 문의"
    write("ko_euc_kr", [
        ("From", f"{ew('김민수', 'ks_c_5601-1987')} <minsu.kim@example.co.kr>"),
        ("To", "support@helpdesk.example"),
        ("Subject", ew(subject, "ks_c_5601-1987")),
    ] + COMMON + [
        ("Content-Type", 'text/plain; charset="ks_c_5601-1987"'),
        ("Content-Transfer-Encoding", "base64"),
    ], b64(body.encode("euc_kr")) + b"\n", {
        "from_email": "minsu.kim@example.co.kr",
        "from_name": "김민수",
        "subject": subject,
        "text_contains": ["주문한 상품이 아직 도착하지 않았습니다.", "확인 부탁드립니다."],
        "html": False,
    })

    # ---------------------------------------------------------------- broken charsets
    body = "Hallo,\n\ndie Rechnung für März fehlt noch. Könnten Sie sie bitte erneut senden?\n\nGrüße\nJürgen Weiß\n"
    write("broken_latin1_is_utf8", [
        ("From", "=?iso-8859-1?Q?J=FCrgen_Wei=DF?= <jw@beispiel.example>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Rechnung fehlt"),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=iso-8859-1"),
        ("Content-Transfer-Encoding", "8bit"),
    ], body.encode("utf-8"), {
        "from_email": "jw@beispiel.example",
        "from_name": "Jürgen Weiß",
        "subject": "Rechnung fehlt",
        "text_contains": ["die Rechnung für März fehlt", "Grüße", "Jürgen Weiß"],
        "text_not_contains": ["Ã¼", "Ã\u009f"],
        "defects_contain": ["decoded as UTF-8"],
    })

    body = "お疲れ様です。\n添付の見積書について確認をお願いします。\n山本\n"
    write("broken_utf8_is_sjis", [
        ("From", "Yamamoto <yamamoto@example.jp>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "=?UTF-8?B?" + base64.b64encode("見積書の確認".encode()).decode() + "?="),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Transfer-Encoding", "8bit"),
    ], body.encode("cp932"), {
        "from_email": "yamamoto@example.jp",
        "subject": "見積書の確認",
        "text_contains": ["添付の見積書について確認をお願いします。", "山本"],
        "text_not_contains": ["\ufffd"],
        "defects_contain": ["declared charset utf-8, decoded as CP932"],
    })

    body = "はじめまして。\n御社のサービスについて質問があります。\n料金プランの変更は可能でしょうか。\n"
    write("broken_no_charset_sjis", [
        ("From", "Kobayashi <kobayashi@example.jp>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Question about plans"),
    ] + COMMON + [
        ("Content-Type", "text/plain"),
        ("Content-Transfer-Encoding", "8bit"),
    ], body.encode("cp932"), {
        "from_email": "kobayashi@example.jp",
        "subject": "Question about plans",
        "text_contains": ["御社のサービスについて質問があります。", "料金プランの変更は可能でしょうか。"],
        "defects_contain": ["without charset, decoded as CP932"],
    })

    body = "こんにちは。\n先週お願いした返金の件、進捗はいかがでしょうか。\n"
    write("broken_no_charset_eucjp", [
        ("From", "Ito <ito@example.jp>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Refund status"),
    ] + COMMON, body.encode("euc_jp"), {
        "from_email": "ito@example.jp",
        "subject": "Refund status",
        "text_contains": ["先週お願いした返金の件、進捗はいかがでしょうか。"],
    }, crlf=False)

    # Raw 8-bit Shift_JIS in the headers; the body's charset is the hint.
    write("raw_8bit_sjis_headers", [
        ("From", "加藤 一郎 <kato@example.jp>".encode("cp932")),
        ("To", "support@helpdesk.example"),
        ("Subject", "パスワード再設定メールが届きません".encode("cp932")),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=shift_jis"),
    ], "パスワード再設定のメールが届きません。\n迷惑メールフォルダも確認しました。\n".encode("cp932"), {
        "from_email": "kato@example.jp",
        "from_name": "加藤 一郎",
        "subject": "パスワード再設定メールが届きません",
        "text_contains": ["迷惑メールフォルダも確認しました。"],
    })

    write("raw_8bit_utf8_headers", [
        ("From", "Jürgen Weiß <jurgen@example.de>".encode()),
        ("To", "Служба поддержки <support@helpdesk.example>".encode()),
        ("Subject", "Заказ №123 — не пришёл".encode()),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Transfer-Encoding", "8bit"),
    ], "Посылка не пришла, трек-номер не обновляется.\n".encode(), {
        "from_email": "jurgen@example.de",
        "from_name": "Jürgen Weiß",
        "subject": "Заказ №123 — не пришёл",
        "to": ["support@helpdesk.example"],
        "text_contains": ["трек-номер не обновляется"],
    })

    body = "We were charged \x93twice\x94 for the same order \x96 total \x80 49.90.\nPlease refund one payment.\n"
    write("windows1252_smart_quotes", [
        ("From", "=?windows-1252?Q?Ren=E9e_O=92Brien?= <renee@example.ie>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "=?iso-8859-1?Q?Double_charge_=96_order_889?="),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=iso-8859-1"),
        ("Content-Transfer-Encoding", "8bit"),
    ], body.encode("latin-1"), {
        "from_email": "renee@example.ie",
        "from_name": "Renée O’Brien",
        "subject": "Double charge – order 889",
        "text_contains": ["charged “twice” for the same order – total € 49.90."],
    })

    write("unknown_charset_declared", [
        ("From", "Ana <ana@example.pt>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Fatura"),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=x-mac-something-odd"),
    ], "Olá, não recebi a fatura de março.\n".encode(), {
        "from_email": "ana@example.pt",
        "subject": "Fatura",
        "text_contains": ["Olá, não recebi a fatura de março."],
    })

    # ---------------------------------------------------------------- structure
    html = b"""<!DOCTYPE html>
<html><head><title>Ignored title</title>
<style>p { color: red; } .secret { display:none }</style>
<script>var tracking = "do-not-show";</script></head>
<body>
<p>Hello&nbsp;team,</p>
<p>Our dashboard shows an error since the <b>last update</b>:<br>
&quot;Error 500 &ndash; internal&quot; &amp; nothing loads.</p>
<ul><li>Browser: Firefox</li><li>OS: Linux</li></ul>
<p>See <a href="https://status.example.com/incident/77">the status page</a> or
<a href="https://example.com/">https://example.com/</a>.</p>
<p>Thanks &#8212; Priya &#x1F600;</p>
</body></html>
"""
    write("html_only", [
        ("From", "Priya Raman <priya@example.in>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Dashboard error 500"),
        ("Message-ID", "<html-only-1@example.in>"),
    ] + COMMON + [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ], quopri.encodestring(html.decode("ascii").encode()), {
        "from_email": "priya@example.in",
        "from_name": "Priya Raman",
        "subject": "Dashboard error 500",
        "html": True,
        "text_contains": ["Hello team,", "\"Error 500 – internal\" & nothing loads.",
                          "- Browser: Firefox", "the status page (https://status.example.com/incident/77)",
                          "Thanks — Priya 😀"],
        "text_not_contains": ["do-not-show", "color: red", "Ignored title", "<b>", "&quot;",
                              "https://example.com/ (https://example.com/)"],
        "attachments": [],
    })

    write("alternative", [
        ("From", '"Doe, John" <john.doe@example.com>'),
        ("To", "support@helpdesk.example"),
        ("Subject", "Cannot export report"),
        ("Message-ID", "<alt-1@example.com>"),
    ] + COMMON + [
        ("Content-Type", 'multipart/alternative; boundary="alt-b"'),
    ], b"""--alt-b
Content-Type: text/plain; charset=utf-8

Hi,

Exporting the monthly report to CSV fails with a timeout.

John
--alt-b
Content-Type: text/html; charset=utf-8

<div>Hi,</div><div><br></div><div>Exporting the <i>monthly report</i> to CSV fails with a timeout.</div><div>John</div>
--alt-b--
""", {
        "from_email": "john.doe@example.com",
        "from_name": "Doe, John",
        "subject": "Cannot export report",
        "html": True,
        "text_contains": ["Exporting the monthly report to CSV fails with a timeout."],
        "text_not_contains": ["<div>", "<i>"],
        "attachments": [],
    })

    pdf = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
           b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    pdf = pdf + bytes(range(256)) * 8
    write("attachment_pdf", [
        ("From", "Accounts <accounts@vendor.example>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Invoice INV-2024-0042"),
    ] + COMMON + [
        ("Content-Type", 'multipart/mixed; boundary="----=_Part_0_12345.67890"'),
    ], b"""This is a multi-part message in MIME format.

------=_Part_0_12345.67890
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Please find attached invoice INV-2024-0042.

------=_Part_0_12345.67890
Content-Type: application/pdf; name="INV-2024-0042.pdf"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="INV-2024-0042.pdf"

""" + b64(pdf) + b"""
------=_Part_0_12345.67890--
""", {
        "from_email": "accounts@vendor.example",
        "from_name": "Accounts",
        "subject": "Invoice INV-2024-0042",
        "text_contains": ["Please find attached invoice INV-2024-0042."],
        "text_not_contains": ["multi-part message in MIME format"],
        "html": False,
        "attachments": [{"filename": "INV-2024-0042.pdf", "content_type": "application/pdf",
                         "inline": False}],
    })

    # RFC 2231 with continuations, percent-encoded UTF-8 Japanese, plus a
    # second attachment in ISO-2022-JP with a single extended value.
    fname = "見積書_2024年3月分.xlsx"
    enc = "".join(f"%{c:02X}" for c in fname.encode())
    half = 36
    fname2 = "注文書.pdf"
    enc2 = "".join(f"%{c:02X}" for c in fname2.encode("iso2022_jp"))
    write("attachment_rfc2231_jp", [
        ("From", "Nakamura <nakamura@example.jp>"),
        ("To", "support@helpdesk.example"),
        ("Subject", ew("見積書送付の件", "ISO-2022-JP")),
    ] + COMMON + [
        ("Content-Type", 'multipart/mixed; boundary="b2231"'),
    ], f"""--b2231
Content-Type: text/plain; charset=ISO-2022-JP

""".encode() + "見積書を添付いたします。\n".encode("iso2022_jp") + f"""
--b2231
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
 filename*0*=UTF-8''{enc[:half]};
 filename*1*={enc[half:]}

UEsDBBQAAAAIAAAAIQBvcmRlcnM=
--b2231
Content-Type: application/pdf
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename*=iso-2022-jp'ja'{enc2}

JVBERi0xLjQKJUVPRgo=
--b2231--
""".encode(), {
        "from_email": "nakamura@example.jp",
        "subject": "見積書送付の件",
        "text_contains": ["見積書を添付いたします。"],
        "attachments": [
            {"filename": fname,
             "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "inline": False},
            {"filename": fname2, "content_type": "application/pdf", "inline": False},
        ],
    })

    # Outlook / older Thunderbird: RFC 2047 inside a quoted filename.
    write("attachment_rfc2047_filename", [
        ("From", "Zhang Wei <zhangwei@example.cn>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Contract draft"),
    ] + COMMON + [
        ("Content-Type", 'multipart/mixed; boundary="=_rfc2047_fn"'),
    ], f"""--=_rfc2047_fn
Content-Type: text/plain; charset=utf-8

The signed contract is attached.
--=_rfc2047_fn
Content-Type: application/msword; name="{ew('合同草案_v2.doc', 'UTF-8')}"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="{ew('合同草案_v2.doc', 'GB2312')}"

0M8R4KGxGuEAAAAAAAAAAAAAAAAAAAAAPgADAP7/CQAG
--=_rfc2047_fn
Content-Type: image/jpeg; name="=?ISO-8859-1?Q?Stra=DFe_Foto.jpg?="
Content-Transfer-Encoding: base64

/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP////8=
--=_rfc2047_fn--
""".encode(), {
        "from_email": "zhangwei@example.cn",
        "subject": "Contract draft",
        "text_contains": ["The signed contract is attached."],
        "attachments": [
            {"filename": "合同草案_v2.doc", "content_type": "application/msword", "inline": False},
            {"filename": "Straße Foto.jpg", "content_type": "image/jpeg", "inline": False},
        ],
    })

    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    write("inline_image_cid", [
        ("From", "Marketing <news@shop.example>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Logo looks broken in our template"),
    ] + COMMON + [
        ("Content-Type", 'multipart/related; type="multipart/alternative"; boundary="rel"'),
    ], b"""--rel
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

The logo below renders as a broken image for some customers.
--alt
Content-Type: text/html; charset=utf-8

<html><body><p>The logo below renders as a broken image for some customers.</p>
<img src="cid:logo123@shop.example" alt="Shop logo"><img src="cid:chart-1"></body></html>
--alt--

--rel
Content-Type: image/png; name="logo.png"
Content-Transfer-Encoding: base64
Content-ID: <logo123@shop.example>
Content-Disposition: inline; filename="logo.png"

""" + b64(png) + b"""
--rel
Content-Type: image/png; name="chart.png"
Content-Transfer-Encoding: base64
Content-ID: <chart-1>

""" + b64(png) + b"""
--rel--
""", {
        "from_email": "news@shop.example",
        "subject": "Logo looks broken in our template",
        "html": True,
        "text_contains": ["renders as a broken image"],
        "attachments": [
            {"filename": "logo.png", "content_type": "image/png", "inline": True,
             "content_id": "logo123@shop.example"},
            {"filename": "chart.png", "content_type": "image/png", "inline": True,
             "content_id": "chart-1"},
        ],
    })

    write("apple_mixed_inline", [
        ("From", "Tom Baker <tom@example.co.uk>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Save button error"),
    ] + COMMON + [
        ("Content-Type", 'multipart/mixed; boundary="Apple-Mail=_1A2B"'),
    ], b"""--Apple-Mail=_1A2B
Content-Transfer-Encoding: 7bit
Content-Type: text/plain; charset=us-ascii

Here is the screenshot:

--Apple-Mail=_1A2B
Content-Disposition: inline; filename=screenshot.png
Content-Type: image/png; x-unix-mode=0644; name="screenshot.png"
Content-Transfer-Encoding: base64

""" + b64(png) + b"""
--Apple-Mail=_1A2B
Content-Transfer-Encoding: 7bit
Content-Type: text/plain; charset=us-ascii

And the error appeared right after clicking Save.

Tom
--Apple-Mail=_1A2B--
""", {
        "from_email": "tom@example.co.uk",
        "subject": "Save button error",
        "text_contains": ["Here is the screenshot:", "And the error appeared right after clicking Save."],
        "attachments": [{"filename": "screenshot.png", "content_type": "image/png", "inline": True}],
    }, crlf=False)

    write("forward_as_attachment", [
        ("From", "Agent Smith <smith@reseller.example>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Fwd: Refund request #4471"),
    ] + COMMON + [
        ("Content-Type", 'multipart/mixed; boundary="fwd-outer"'),
    ], b"""--fwd-outer
Content-Type: text/plain; charset=utf-8

Forwarding the customer's original complaint as an attachment.
--fwd-outer
Content-Type: message/rfc822
Content-Disposition: attachment

From: Customer <customer@example.net>
To: smith@reseller.example
Subject: Refund request #4471
Date: Mon, 04 Mar 2024 08:00:00 +0000
Message-ID: <inner-4471@example.net>
Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8

I want a refund for order 4471, the product arrived damaged.
--inner
Content-Type: image/jpeg; name="damage.jpg"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="damage.jpg"

/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP////8=
--inner--

--fwd-outer
Content-Type: message/rfc822

From: Other <other@example.net>
Subject:
Content-Type: text/plain

Second forwarded message without a subject.
--fwd-outer--
""", {
        "from_email": "smith@reseller.example",
        "subject": "Fwd: Refund request #4471",
        "text_contains": ["Forwarding the customer's original complaint as an attachment."],
        "text_not_contains": ["I want a refund", "Second forwarded message"],
        "attachments": [
            {"filename": "Refund request #4471.eml", "content_type": "message/rfc822", "inline": False},
            {"filename": "attachment-2.eml", "content_type": "message/rfc822", "inline": False},
        ],
    })

    write("folded_headers", [
        ("From", '"Support\r\n Customer" \r\n <folded@example.com>'),
        ("To", "first@example.com,\r\n\tsecond@example.com,\r\n third@example.com"),
        ("Subject", "This is a very long subject line that\r\n has been folded by the sending client\r\n\tacross three lines"),
        ("Message-ID", "\r\n <folded-1@example.com>"),
        ("References", "<ref-1@example.com>\r\n <ref-2@example.com>\r\n\t<ref-3@example.com>"),
    ] + COMMON + [
        ("Content-Type", "text/plain;\r\n charset=\"utf-8\""),
    ], b"Body of the folded-headers message.\n", {
        "from_email": "folded@example.com",
        "from_name": "Support Customer",
        "subject": "This is a very long subject line that has been folded by the sending client across three lines",
        "message_id": "folded-1@example.com",
        "references": ["ref-1@example.com", "ref-2@example.com", "ref-3@example.com"],
        "to": ["first@example.com", "second@example.com", "third@example.com"],
        "text_contains": ["Body of the folded-headers message."],
    })

    # A UTF-8 character split across two adjacent encoded words (B and Q).
    subj = "請求書の再発行について"
    raw = subj.encode()
    w1 = base64.b64encode(raw[:7]).decode()   # cuts the third character
    w2 = base64.b64encode(raw[7:]).decode()
    name = "Müller Straße"
    nraw = name.encode()
    q1 = "".join(f"={c:02X}" if c > 127 or c == 32 else chr(c) for c in nraw[:2])  # "M" + first byte of ü
    q2 = "".join(f"={c:02X}" if c > 127 else ("_" if c == 32 else chr(c)) for c in nraw[2:])
    write("split_encoded_word", [
        ("From", f"=?UTF-8?Q?{q1}?= =?UTF-8?Q?{q2}?= <mueller@example.de>"),
        ("To", "support@helpdesk.example"),
        ("Subject", f"=?UTF-8?B?{w1}?=\r\n =?UTF-8?B?{w2}?="),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=utf-8"),
    ], "請求書を再発行してください。\n".encode(), {
        "from_email": "mueller@example.de",
        "from_name": name,
        "subject": subj,
        "text_contains": ["請求書を再発行してください。"],
        "text_not_contains": ["\ufffd"],
    })

    # ---------------------------------------------------------------- replies
    write("outlook_reply", [
        ("From", "Maria Lopez <maria@contoso.example>"),
        ("To", "Support Team <support@helpdesk.example>"),
        ("Subject", "RE: [#1042] Cannot export report"),
        ("Thread-Topic", "[#1042] Cannot export report"),
        ("Thread-Index", "AQHabc123def456=="),
        ("Message-ID", "<DM6PR01MB1234ABCD@DM6PR01MB1234.namprd01.prod.outlook.example>"),
        ("In-Reply-To", "<ticket-1042-reply-3@helpdesk.example>"),
        ("References", "<ticket-1042@helpdesk.example> <ticket-1042-reply-3@helpdesk.example>"),
    ] + COMMON + [
        ("Content-Language", "en-US"),
        ("Content-Type", 'multipart/alternative; boundary="_000_DM6PR01MB1234_"'),
    ], b"""--_000_DM6PR01MB1234_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Thanks, clearing the cache fixed it.

Regards,
Maria

-----Original Message-----
From: Support Team <support@helpdesk.example>=20
Sent: Tuesday, March 5, 2024 10:14 AM
To: Maria Lopez <maria@contoso.example>
Subject: [#1042] Cannot export report

Hello Maria, please clear the browser cache and try again.

--_000_DM6PR01MB1234_
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

<html xmlns:o=3D"urn:schemas-microsoft-com:office:office"><head><style><!--
p.MsoNormal {margin:0cm;}
--></style></head><body lang=3D"EN-US"><div class=3D"WordSection1">
<p class=3D"MsoNormal">Thanks, clearing the cache fixed it.<o:p></o:p></p>
<p class=3D"MsoNormal">Regards,<br>Maria<o:p></o:p></p>
<div style=3D"border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm =
0cm 0cm"><p class=3D"MsoNormal"><b>From:</b> Support Team &lt;support@helpd=
esk.example&gt; <br><b>Sent:</b> Tuesday, March 5, 2024 10:14 AM</p></div>
</div></body></html>
--_000_DM6PR01MB1234_--
""", {
        "from_email": "maria@contoso.example",
        "from_name": "Maria Lopez",
        "subject": "RE: [#1042] Cannot export report",
        "message_id": "DM6PR01MB1234ABCD@DM6PR01MB1234.namprd01.prod.outlook.example",
        "in_reply_to": ["ticket-1042-reply-3@helpdesk.example"],
        "references": ["ticket-1042@helpdesk.example", "ticket-1042-reply-3@helpdesk.example"],
        "html": True,
        "text_contains": ["Thanks, clearing the cache fixed it.", "-----Original Message-----",
                          "From: Support Team <support@helpdesk.example>",
                          "Sent: Tuesday, March 5, 2024 10:14 AM"],
        "attachments": [],
    })

    write("gmail_reply", [
        ("From", "Alex Kim <alex.kim@gmail.example>"),
        ("To", "Support <support@helpdesk.example>"),
        ("Subject", "Re: Your request #2211 has been received"),
        ("Message-ID", "<CAKx9y2Qw=abc+DEF_123@mail.gmail.example>"),
        ("In-Reply-To", "<2211.reply@helpdesk.example>"),
        ("References", "<2211@helpdesk.example>\r\n <2211.reply@helpdesk.example>"),
    ] + COMMON + [
        ("Content-Type", 'multipart/alternative; boundary="000000000000a1b2c3"'),
    ], b"""--000000000000a1b2c3
Content-Type: text/plain; charset="UTF-8"

Yes, it's the same account as before.

On Mon, Mar 4, 2024 at 9:02 AM Support <support@helpdesk.example> wrote:

> Could you confirm which account is affected?
>
> Best,
> Support

--000000000000a1b2c3
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">Yes, it&#39;s the same account as before.</div><br><div cl=
ass=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_attr">On Mon, Mar 4, 20=
24 at 9:02 AM Support &lt;<a href=3D"mailto:support@helpdesk.example">suppo=
rt@helpdesk.example</a>&gt; wrote:<br></div><blockquote class=3D"gmail_quot=
e">Could you confirm which account is affected?</blockquote></div>

--000000000000a1b2c3--
""", {
        "from_email": "alex.kim@gmail.example",
        "from_name": "Alex Kim",
        "subject": "Re: Your request #2211 has been received",
        "message_id": "CAKx9y2Qw=abc+DEF_123@mail.gmail.example",
        "in_reply_to": ["2211.reply@helpdesk.example"],
        "references": ["2211@helpdesk.example", "2211.reply@helpdesk.example"],
        "html": True,
        "text_contains": ["Yes, it's the same account as before.",
                          "On Mon, Mar 4, 2024 at 9:02 AM Support <support@helpdesk.example> wrote:",
                          "> Could you confirm which account is affected?"],
    })

    write("gmail_forward", [
        ("From", "Alice Chen <alice@company.example>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Fwd: Invoice missing"),
        ("Message-ID", "<CAFwd123@mail.gmail.example>"),
    ] + COMMON + [
        ("Content-Type", 'multipart/alternative; boundary="000000000000fwd"'),
    ], b"""--000000000000fwd
Content-Type: text/plain; charset="UTF-8"

Please help this customer.

---------- Forwarded message ---------
From: Bob Martin <bob@customer.example>
Date: Mon, Mar 4, 2024 at 4:15 PM
Subject: Invoice missing
To: <alice@company.example>


Hi Alice, I never received the invoice for February.

--000000000000fwd
Content-Type: text/html; charset="UTF-8"

<div dir="ltr">Please help this customer.<br><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>From: <strong class="gmail_sendername" dir="auto">Bob Martin</strong> <span dir="auto">&lt;<a href="mailto:bob@customer.example">bob@customer.example</a>&gt;</span><br>Subject: Invoice missing<br></div><br><div dir="ltr">Hi Alice, I never received the invoice for February.</div></div></div>

--000000000000fwd--
""", {
        "from_email": "alice@company.example",
        "from_name": "Alice Chen",
        "subject": "Fwd: Invoice missing",
        "html": True,
        "text_contains": ["Please help this customer.", "---------- Forwarded message ---------",
                          "From: Bob Martin <bob@customer.example>",
                          "Hi Alice, I never received the invoice for February."],
    })

    write("threading_headers", [
        ("From", "Client <client@example.org>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Re: Re: Server migration"),
        ("Message-ID", "<msg-5@example.org>"),
        ("In-Reply-To", "<msg-4@helpdesk.example> (Support's message of Mon, 4 Mar 2024)"),
        ("References", "<msg-1@example.org> <msg-2@helpdesk.example>\r\n <msg-3@example.org>  <msg-4@helpdesk.example>"),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=utf-8"),
    ], b"The migration window on Saturday works for us.\n", {
        "from_email": "client@example.org",
        "subject": "Re: Re: Server migration",
        "message_id": "msg-5@example.org",
        "in_reply_to": ["msg-4@helpdesk.example"],
        "references": ["msg-1@example.org", "msg-2@helpdesk.example", "msg-3@example.org",
                       "msg-4@helpdesk.example"],
        "text_contains": ["The migration window on Saturday works for us."],
    })

    # ---------------------------------------------------------------- missing / hostile
    write("no_subject", [
        ("From", "quiet@example.com"),
        ("To", "support@helpdesk.example"),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=utf-8"),
    ], b"A message without any Subject header.\n", {
        "from_email": "quiet@example.com",
        "from_name": "",
        "subject": "",
        "text_contains": ["A message without any Subject header."],
    })

    write("no_from", [
        ("To", "support@helpdesk.example"),
        ("Subject", "Who sent this?"),
    ] + COMMON, b"No From header here.\n", {
        "from_email": "",
        "from_name": "",
        "subject": "Who sent this?",
        "text_contains": ["No From header here."],
        "defects_contain": ["no From address"],
    })

    write("nul_bytes", [
        ("From", "Nul Sender <nul@example.com>"),
        ("To", "support@helpdesk.example"),
        ("Subject", b"Invoice\x00#55"),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=utf-8"),
    ], b"Hello\x00 world, this body has\x00\x00 NUL bytes.\nSecond line survives.\n", {
        "from_email": "nul@example.com",
        "subject": "Invoice #55",
        "text_contains": ["Hello world, this body has NUL bytes.", "Second line survives."],
        "defects_contain": ["NUL bytes"],
    })

    trunc = b64(pdf)
    trunc = trunc[:len(trunc) // 2 - 3]
    write("truncated_base64", [
        ("From", "Broken Client <broken@example.com>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Truncated attachment"),
    ] + COMMON + [
        ("Content-Type", 'multipart/mixed; boundary="trunc"'),
    ], b"""--trunc
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

""" + b64("The attachment was cut off in transit.\n".encode())[:-6] + b"""
--trunc
Content-Type: application/pdf; name="report.pdf"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="report.pdf"

""" + trunc, {
        "from_email": "broken@example.com",
        "subject": "Truncated attachment",
        "text_contains": ["The attachment was cut off in"],
        "attachments": [{"filename": "report.pdf", "content_type": "application/pdf", "inline": False}],
        "defects_contain": ["truncated base64"],
    })

    write("missing_closing_boundary", [
        ("From", "Old Mailer <old@example.com>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Missing end boundary"),
    ] + COMMON + [
        ("Content-Type", 'multipart/mixed; boundary="never-closed"'),
    ], b"""--never-closed
Content-Type: text/plain; charset=utf-8

First part text.
--never-closed
Content-Type: text/csv; name="data.csv"
Content-Disposition: attachment; filename="data.csv"

id,amount
1,10.00
2,20.00
""", {
        "from_email": "old@example.com",
        "subject": "Missing end boundary",
        "text_contains": ["First part text."],
        "attachments": [{"filename": "data.csv", "content_type": "text/csv", "inline": False}],
    })

    write("boundary_never_appears", [
        ("From", "Odd Mailer <odd@example.com>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Boundary declared but absent"),
    ] + COMMON + [
        ("Content-Type", 'multipart/mixed; boundary="nowhere"'),
    ], b"This text sits in a multipart with no part boundaries at all.\n", {
        "from_email": "odd@example.com",
        "subject": "Boundary declared but absent",
        "text_contains": ["This text sits in a multipart with no part boundaries at all."],
    })

    qp = ("Die Lieferung ist unvollst=C3=A4ndig: es fehlen zwei Ger=C3=A4te und das Netz=\n"
          "teil. Bitte senden Sie die fehlenden Teile an unsere Adresse in M=C3=BC=\n"
          "nchen. Au=C3=9Ferdem: =E6=97=A5=E6=9C=AC=E8=AA=9E=\n"
          "=E3=81=A7=E3=82=82=E5=\n"
          "=A4=A7=E4=B8=88=E5=A4=AB=E3=81=A7=E3=81=99.\n")
    write("qp_soft_breaks", [
        ("From", "Lieferant <lieferant@example.de>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "=?utf-8?q?Unvollst=C3=A4ndige_Lieferung?="),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=utf-8; format=flowed"),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ], qp.encode(), {
        "from_email": "lieferant@example.de",
        "subject": "Unvollständige Lieferung",
        "text_contains": ["es fehlen zwei Geräte und das Netzteil.", "in München.",
                          "Außerdem: 日本語でも大丈夫です."],
        "text_not_contains": ["=\n", "\ufffd"],
    })

    lines = []
    i = 0
    while sum(len(x) + 1 for x in lines) < 500 * 1024:
        i += 1
        lines.append(f"{i:06d} 2024-03-05T10:14:03Z worker-3 job=export status=retry "
                     f"attempt={i % 7} message=\"upstream timed out after 30s\"")
    lines[0] = "Full log of the failing export job follows."
    lines.append("END OF LOG 7f3a")
    write("large_body_500k", [
        ("From", "Ops Bot <ops@example.com>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Export job log"),
    ] + COMMON + [
        ("Content-Type", "text/plain; charset=us-ascii"),
    ], ("\n".join(lines) + "\n").encode(), {
        "from_email": "ops@example.com",
        "subject": "Export job log",
        "text_contains": ["Full log of the failing export job follows.", "END OF LOG 7f3a",
                          "000500 2024-03-05T10:14:03Z worker-3"],
    }, crlf=False)

    write("group_addresses", [
        ("From", "Team Lead <lead@example.com>"),
        ("To", "undisclosed-recipients:;"),
        ("Cc", "Support Team: a@helpdesk.example, \"B, Agent\" <b@helpdesk.example>;, c@example.com"),
        ("Subject", "Group syntax"),
    ] + COMMON, b"Testing group addresses.\n", {
        "from_email": "lead@example.com",
        "subject": "Group syntax",
        "to": [],
        "cc": ["a@helpdesk.example", "b@helpdesk.example", "c@example.com"],
        "text_contains": ["Testing group addresses."],
    })

    # Nesting within the limit: a 12-deep chain of multipart/mixed.
    depth = 12
    body = b""
    for d in range(depth):
        body += f"--n{d}\nContent-Type: multipart/mixed; boundary=\"n{d + 1}\"\n\n".encode()
    body += f"--n{depth}\nContent-Type: text/plain; charset=utf-8\n\nDeep but legal text.\n--n{depth}--\n".encode()
    for d in range(depth - 1, -1, -1):
        body += f"--n{d}--\n".encode()
    write("nested_multipart", [
        ("From", "Nest <nest@example.com>"),
        ("To", "support@helpdesk.example"),
        ("Subject", "Nested"),
    ] + COMMON + [
        ("Content-Type", 'multipart/mixed; boundary="n0"'),
    ], body, {
        "from_email": "nest@example.com",
        "subject": "Nested",
        "text_contains": ["Deep but legal text."],
        "attachments": [],
    }, crlf=False)


if __name__ == "__main__":
    main()
