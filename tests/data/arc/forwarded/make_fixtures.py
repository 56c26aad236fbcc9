#!/usr/bin/python3
"""Makes the ARC-sealed fixtures authenticate_test reads (src/auth/authenticate_test.cc).

The scene: alice@sender.example (DMARC p=reject) writes to a mailing list at
lists.example. sender.example DKIM-signs the message. The list rewrites the
Subject and appends a footer -- which breaks that signature -- records what it
saw in its own Authentication-Results, ARC-seals the message with dkimpy
(python3-dkim) as the reference sealer, and forwards it to the help desk.

  list-forwarded.eml           the list saw SPF, DKIM and DMARC pass
  list-forwarded-aar-fail.eml  the list saw them fail (a list that vouches for nothing)

Keys are made once with openssl (sender.pem, lists.pem) and their DKIM key
records written beside them (*.dns); rerunning reuses them. Signatures carry
t= of the moment they are made, so regenerating changes the files but not
the expected results. Run from this directory: /usr/bin/python3 make_fixtures.py
"""
import base64
import os
import subprocess

import dkim


def key(name):
    pem = name + ".pem"
    if not os.path.exists(pem):
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", pem], check=True)
    der = subprocess.run(["openssl", "pkey", "-in", pem, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    with open(name + ".dns", "w") as f:
        f.write("v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode() + "\n")
    return open(pem, "rb").read()


sender_key = key("sender")
lists_key = key("lists")

original = (
    b"From: Alice Sender <alice@sender.example>\r\n"
    b"To: Help list <help@lists.example>\r\n"
    b"Subject: Printer on fire\r\n"
    b"Date: Tue, 02 Jan 2024 09:00:00 +0000\r\n"
    b"Message-ID: <fire-1@sender.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hello, the printer on floor 2 is on fire again.\r\n"
)
signed = dkim.sign(original, b"s1", b"sender.example", sender_key,
                   canonicalize=(b"relaxed", b"relaxed")) + original


def through_list(results):
    """What the list does: its A-R, a new Subject, a footer; then the seal."""
    head, body = signed.split(b"\r\n\r\n", 1)
    head = head.replace(b"Subject: Printer on fire", b"Subject: [help] Printer on fire")
    msg = (b"Authentication-Results: lists.example; " + results + b"\r\n" +
           b"List-Id: <help.lists.example>\r\n" + head + b"\r\n\r\n" + body +
           b"--\r\nhelp mailing list\r\n")
    seal = dkim.arc_sign(msg, b"arc", b"lists.example", lists_key, b"lists.example")
    return b"".join(seal) + msg


with open("list-forwarded.eml", "wb") as f:
    f.write(through_list(b"spf=pass smtp.mailfrom=alice@sender.example;\r\n"
                         b"\tdkim=pass header.d=sender.example header.s=s1;\r\n"
                         b"\tdmarc=pass header.from=sender.example"))
with open("list-forwarded-aar-fail.eml", "wb") as f:
    f.write(through_list(b"spf=fail smtp.mailfrom=alice@sender.example;\r\n"
                         b"\tdkim=fail header.d=sender.example header.s=s1;\r\n"
                         b"\tdmarc=fail header.from=sender.example"))
