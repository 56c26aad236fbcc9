"""`postdesk spam learn` and `postdesk spam check`, black-box.

Learns spam from an mbox and ham from a maildir, checks single messages
(plain lines and --json), relearns the same files (the learn cache makes it a
no-op), moves a message to the other class, and checks the exit statuses for
bad usage and unreadable input. The binary comes from POSTDESK_BIN or
build/postdesk. Run with Debian's interpreter:
    /usr/bin/python3 -m pytest tests/test_spam_command.py
"""
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("POSTDESK_BIN", str(ROOT / "build" / "postdesk"))

SPAM_WORDS = ["viagra", "cheap", "pills", "discount", "winner", "casino", "offer", "limited",
              "bonus", "crypto", "unsubscribe", "guaranteed"]
HAM_WORDS = ["printer", "invoice", "meeting", "account", "password", "thanks", "attached",
             "order", "delivery", "question", "refund", "tracking"]


def message(i, spam):
    words = SPAM_WORDS if spam else HAM_WORDS
    body = " ".join(words[(i * 5 + k) % len(words)] for k in range(40))
    if spam:
        sender = f"promo{i}@bulk-{i % 4}.example.com"
        subject = f"Limited offer number {i}"
        body += f"\nclick http://deals{i % 3}.shop.example.com/buy now!!!\n"
    else:
        sender = f"customer{i}@example.org"
        subject = f"Question about my order {i}"
        body += f"\nRegards,\nCustomer {i}\n"
    return (f"From: {sender}\nTo: support@support.example\nSubject: {subject}\n"
            f"Message-ID: <m{i}-{int(spam)}@example.org>\n\n{body}")


def postdesk(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120)


def spam(data, *args):
    return postdesk("spam", *args, "--data", str(data))


@pytest.fixture()
def corpus(tmp_path):
    """25 spam in an mbox, 25 ham in a maildir, and two unseen messages."""
    mbox = tmp_path / "spam.mbox"
    with mbox.open("w") as f:
        for i in range(25):
            text = message(i, True)
            if i == 3:
                text += "From here on, a body line that an mbox must escape\n"
            # mboxrd: body lines starting "From " are written as ">From ".
            text = re.sub(r"^(>*From )", r">\1", text, flags=re.M)
            f.write(f"From promo{i}@bulk.example.com Mon Jan  1 00:00:00 2024\n{text}\n")
    maildir = tmp_path / "ham"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for i in range(25):
        sub = "cur" if i % 2 else "new"
        (maildir / sub / f"1700000000.{i}.host:2,S").write_text(message(i, False))
    new_spam = tmp_path / "new-spam.eml"
    new_spam.write_text(message(100, True))
    new_ham = tmp_path / "new-ham.eml"
    new_ham.write_text(message(100, False))
    return {"mbox": mbox, "maildir": maildir, "spam": new_spam, "ham": new_ham,
            "data": tmp_path / "var"}


def totals(stdout):
    m = re.search(r"the filter knows (\d+) spam and (\d+) ham", stdout)
    assert m, stdout
    return int(m.group(1)), int(m.group(2))


def check_line(line):
    """`FILE SCORE VERDICT` -> (file, score, verdict)."""
    m = re.fullmatch(r"(\S+) (\d\.\d{4}) (ham|suspend|refuse|untrained)", line)
    assert m, f"not a check line: {line!r}"
    return m.group(1), float(m.group(2)), m.group(3)


def test_learn_check_and_relearn(corpus):
    data = corpus["data"]
    # Nothing learned yet: the filter gives no verdict.
    r = spam(data, "check", str(corpus["spam"]))
    assert r.returncode == 0, r.stderr
    assert check_line(r.stdout.strip())[2] == "untrained"

    r = spam(data, "learn", "--spam", str(corpus["mbox"]))
    assert r.returncode == 0, r.stderr
    assert "learned 25 messages as spam" in r.stdout
    assert totals(r.stdout) == (25, 0)
    r = spam(data, "learn", "--ham", str(corpus["maildir"]))
    assert r.returncode == 0, r.stderr
    assert "learned 25 messages as ham" in r.stdout
    assert totals(r.stdout) == (25, 25)

    r = spam(data, "check", str(corpus["spam"]), str(corpus["ham"]))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2
    f, score, verdict = check_line(lines[0])
    assert f == str(corpus["spam"])
    assert score >= 0.9 and verdict in ("suspend", "refuse")
    f, ham_score, verdict = check_line(lines[1])
    assert f == str(corpus["ham"])
    assert ham_score < 0.1 and verdict == "ham"

    # --json: one object per message, with the explanation.
    r = spam(data, "check", "--json", str(corpus["spam"]))
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout.strip())
    assert j["file"] == str(corpus["spam"])
    assert abs(j["score"] - score) < 1e-4
    assert j["decision"] in ("suspend", "refuse") and j["trained"] is True
    assert j["learned"] == {"spam": 25, "ham": 25}
    assert j["spam_tokens"] and all(t["p"] > 0.5 for t in j["spam_tokens"])
    assert len(j["spam_tokens"]) <= 10
    assert any(t["token"].startswith(("subject:", "url:", "from:")) for t in j["spam_tokens"]
               + j["ham_tokens"]), j

    # The mbox is split per message, labelled FILE:N, ">From " unescaped.
    r = spam(data, "check", str(corpus["mbox"]))
    labels = [check_line(l)[0] for l in r.stdout.strip().splitlines()]
    assert labels == [f"{corpus['mbox']}:{i}" for i in range(1, 26)]
    # ... so message 3 as a file of its own (with its "From " body line) is
    # the very message already learned.
    third = corpus["data"].parent / "third.eml"
    third.write_text(message(3, True) + "From here on, a body line that an mbox must escape\n")
    r = spam(data, "learn", "--spam", str(third))
    assert "learned 0 messages as spam (1 already learned so)" in r.stdout, r.stdout

    # Learning the same files again changes nothing: the learn cache.
    r = spam(data, "learn", "--spam", str(corpus["mbox"]))
    assert r.returncode == 0, r.stderr
    assert "learned 0 messages as spam (25 already learned so)" in r.stdout
    assert totals(r.stdout) == (25, 25)
    r = spam(data, "check", str(corpus["spam"]))
    assert check_line(r.stdout.strip())[1] == score

    # Learned as the other class, a message's counts move.
    one = corpus["data"].parent / "one.eml"
    one.write_text(message(7, True))
    r = spam(data, "learn", "--ham", str(one))
    assert r.returncode == 0, r.stderr
    assert "learned 1 message as ham" in r.stdout
    assert totals(r.stdout) == (24, 26)
    r = spam(data, "learn", "--ham", str(one))
    assert "learned 0 messages as ham (1 already learned so)" in r.stdout
    assert totals(r.stdout) == (24, 26)


def test_unreadable_input_and_usage(corpus):
    data = corpus["data"]
    missing = corpus["data"].parent / "missing.eml"
    # A missing file: exit 66, and the readable ones are still checked.
    r = spam(data, "check", str(missing), str(corpus["ham"]))
    assert r.returncode == 66
    assert "missing.eml" in r.stderr
    assert check_line(r.stdout.strip())[0] == str(corpus["ham"])
    r = spam(data, "learn", "--spam", str(missing))
    assert r.returncode == 66
    # A directory that is not a maildir cannot be read as mail either.
    not_maildir = corpus["data"].parent / "plain-dir"
    not_maildir.mkdir()
    r = spam(data, "learn", "--ham", str(not_maildir))
    assert r.returncode == 66 and "not a maildir" in r.stderr
    # Usage: exactly one class, and at least one file.
    assert spam(data, "learn", "--spam", "--ham", str(corpus["spam"])).returncode == 64
    assert spam(data, "learn", str(corpus["spam"])).returncode == 64
    assert spam(data, "check").returncode == 64


def test_a_running_server_picks_up_what_spam_learn_taught(corpus, desk_factory):
    """`spam learn` writes to the store while `serve` runs; serve reloads its
    model when the store's learned totals move (checked every 10 s) and then
    acts on the new knowledge."""
    from conftest import SUPPORT
    desk = desk_factory()
    probe = message(200, True).replace("support@support.example", SUPPORT)
    probe_path = corpus["data"].parent / "probe.eml"
    probe_path.write_text(probe)
    r = desk.send_raw(probe_path.read_bytes(), mail_from="promo200@bulk-0.example.com")
    assert "created" in r.stdout  # untrained: no verdict
    for cls, path in (("--spam", corpus["mbox"]), ("--ham", corpus["maildir"])):
        r = spam(desk.data, "learn", cls, str(path))
        assert r.returncode == 0, r.stderr
    log = desk.data / "serve.log"
    deadline = time.time() + 25
    while "spam filter reloaded: 25 spam and 25 ham learned" not in log.read_text(errors="replace"):
        assert time.time() < deadline, log.read_text(errors="replace")
        time.sleep(0.2)
    probe_path.write_text(probe.replace("<m200-1@", "<m201-1@").replace("number 200", "number 201"))
    r = desk.swaks("--from", "promo201@bulk-1.example.com", "--to", SUPPORT,
                   "--data", str(probe_path), check=False)
    assert ("550 5.7.1" in r.stdout or "held for review (spam)" in r.stdout), r.stdout
