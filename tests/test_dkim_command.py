"""`postdesk dkim keygen` and `postdesk dkim sign`, checked by dkimpy (python3-dkim).

keygen must store the private key privately and print a DNS record that,
published as printed, lets a verifier that is not ours (dkimpy) check what
`dkim sign` signs with that key -- for RSA and for Ed25519. The binary comes
from POSTDESK_BIN or build/postdesk. Run with Debian's interpreter:
    /usr/bin/python3 -m pytest tests/test_dkim_command.py
"""
import os
import re
import stat
import subprocess
from pathlib import Path

import dkim
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = os.environ.get("POSTDESK_BIN", str(ROOT / "build" / "postdesk"))
DOMAIN = "mail.example.org"

MESSAGE = (
    b"From: Desk <support@mail.example.org>\r\n"
    b"To: Customer <c@example.net>\r\n"
    b"Subject: Re: [#12] Printer  on fire\r\n"
    b"Date: Tue, 02 Jan 2024 10:00:00 +0000\r\n"
    b"Message-ID: <reply-12@mail.example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"We sent a technician.  \r\n"
    b"\r\n"
)


def postdesk(*args, stdin=None):
    return subprocess.run([BIN, *args], input=stdin, capture_output=True, timeout=120)


def keygen(data, *extra, selector="sel"):
    return postdesk("dkim", "keygen", "--data", str(data), "--domain", DOMAIN,
                    "--selector", selector, *extra)


def parse_record(line):
    """`sel._domainkey.dom IN TXT "..." "..."` -> (name, joined text, strings)."""
    m = re.fullmatch(r'(\S+) IN TXT((?: "[^"]*")+)', line.strip())
    assert m, f"not a TXT record line: {line!r}"
    strings = re.findall(r'"([^"]*)"', m.group(2))
    return m.group(1), "".join(strings), strings


def dkimpy_verifies(message, records):
    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        txt = records.get(name.rstrip("."))
        return txt.encode() if txt is not None else None
    return dkim.verify(message, dnsfunc=dnsfunc)


@pytest.fixture(scope="module", autouse=True)
def binary():
    assert os.access(BIN, os.X_OK), f"postdesk not built at {BIN} (set POSTDESK_BIN)"


@pytest.mark.parametrize("algorithm,k", [("rsa", "rsa"), ("ed25519", "ed25519")])
def test_keygen_then_sign_verifies_with_dkimpy(tmp_path, algorithm, k):
    out = keygen(tmp_path, "--algorithm", algorithm)
    assert out.returncode == 0, out.stderr.decode()
    name, txt, strings = parse_record(out.stdout.decode())
    assert name == f"sel._domainkey.{DOMAIN}"
    assert txt.startswith(f"v=DKIM1; k={k}; p=")
    assert all(len(s) <= 255 for s in strings)
    if algorithm == "rsa":
        assert len(strings) >= 2  # a 2048-bit key does not fit in one string

    key = tmp_path / "dkim" / DOMAIN / "sel.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(key.parent.parent.stat().st_mode) == 0o700

    signed = postdesk("dkim", "sign", "--data", str(tmp_path), "--domain", DOMAIN,
                      "--selector", "sel", "-", stdin=MESSAGE)
    assert signed.returncode == 0, signed.stderr.decode()
    assert signed.stdout.startswith(b"DKIM-Signature:")
    assert signed.stdout.endswith(MESSAGE)
    assert f"a={'rsa' if k == 'rsa' else 'ed25519'}-sha256".encode() in signed.stdout
    assert dkimpy_verifies(signed.stdout, {name: txt})
    # Changed after signing: dkimpy must say no.
    tampered = signed.stdout.replace(b"technician", b"plumber")
    assert not dkimpy_verifies(tampered, {name: txt})


def test_sign_a_file_argument(tmp_path):
    mine, other = tmp_path / "mine", tmp_path / "other"
    name, txt, _ = parse_record(keygen(mine, "--algorithm", "ed25519").stdout.decode())
    _, other_txt, _ = parse_record(keygen(other, "--algorithm", "ed25519").stdout.decode())
    msg = tmp_path / "m.eml"
    msg.write_bytes(MESSAGE)
    signed = postdesk("dkim", "sign", "--data", str(mine), "--domain", DOMAIN,
                      "--selector", "sel", str(msg))
    assert signed.returncode == 0, signed.stderr.decode()
    assert dkimpy_verifies(signed.stdout, {name: txt})
    # Another key published under the same name does not verify it.
    assert not dkimpy_verifies(signed.stdout, {name: other_txt})


def test_default_selector_is_postdesk(tmp_path):
    out = postdesk("dkim", "keygen", "--data", str(tmp_path), "--domain", DOMAIN,
                   "--algorithm", "ed25519")
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode().startswith(f"postdesk._domainkey.{DOMAIN} IN TXT ")
    assert (tmp_path / "dkim" / DOMAIN / "postdesk.pem").exists()


def test_keygen_refuses_to_overwrite_without_force(tmp_path):
    assert keygen(tmp_path, "--algorithm", "ed25519").returncode == 0
    key = tmp_path / "dkim" / DOMAIN / "sel.pem"
    before = key.read_bytes()
    again = keygen(tmp_path, "--algorithm", "ed25519")
    assert again.returncode == 73
    assert b"--force" in again.stderr
    assert again.stdout == b""
    assert key.read_bytes() == before
    forced = keygen(tmp_path, "--algorithm", "ed25519", "--force")
    assert forced.returncode == 0, forced.stderr.decode()
    assert key.read_bytes() != before
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert sorted(p.name for p in key.parent.iterdir()) == ["sel.pem"]  # no temporary left


@pytest.mark.parametrize("selector", ["../../etc", "a/b", "", "-x", "a..b", "s\u00e9l"])
def test_keygen_rejects_names_that_are_not_plain(tmp_path, selector):
    out = keygen(tmp_path, "--algorithm", "ed25519", selector=selector)
    assert out.returncode == 64, out.stderr.decode()
    assert not (tmp_path / "dkim").exists()


def test_keygen_rejects_an_unknown_algorithm(tmp_path):
    assert keygen(tmp_path, "--algorithm", "dsa").returncode == 64


def test_sign_errors_have_sysexits_codes(tmp_path):
    missing_key = postdesk("dkim", "sign", "--data", str(tmp_path), "--domain", DOMAIN,
                           "--selector", "sel", "-", stdin=MESSAGE)
    assert missing_key.returncode == 78
    assert b"keygen" in missing_key.stderr
    assert keygen(tmp_path, "--algorithm", "ed25519").returncode == 0
    missing_file = postdesk("dkim", "sign", "--data", str(tmp_path), "--domain", DOMAIN,
                            "--selector", "sel", str(tmp_path / "nope.eml"))
    assert missing_file.returncode == 66
    bad_name = postdesk("dkim", "sign", "--data", str(tmp_path), "--domain", "../x",
                        "--selector", "sel", "-", stdin=MESSAGE)
    assert bad_name.returncode == 64


def enable(data, *extra, selector="sel"):
    # A loopback port nobody answers on: the record lookup fails temporarily.
    from conftest import closed_port
    return postdesk("dkim", "enable", "--data", str(data), "--domain", DOMAIN,
                    "--selector", selector, "--dns", f"127.0.0.1:{closed_port()}", *extra)


def test_a_new_key_signs_only_once_enabled(tmp_path):
    """keygen warns; enable refuses while the record cannot be seen (75 when
    DNS does not answer; test_doctor_domain.py covers 69 for a missing record
    and success for a published one); --force enables; disable and
    keygen --force switch signing off again."""
    out = keygen(tmp_path, "--algorithm", "ed25519")
    assert b"not signed with this key until the record above is published" in out.stderr
    marker = tmp_path / "dkim" / DOMAIN / "sel.enabled"
    assert not marker.exists()

    refused = enable(tmp_path)
    assert refused.returncode == 75, refused.stderr
    assert b"refusing to sign mail from " + DOMAIN.encode() in refused.stderr
    assert b"temperror" in refused.stderr
    assert not marker.exists()

    forced = enable(tmp_path, "--force")
    assert forced.returncode == 0, forced.stderr
    assert marker.exists()
    assert stat.S_IMODE(marker.stat().st_mode) == 0o600

    off = postdesk("dkim", "disable", "--data", str(tmp_path), "--domain", DOMAIN,
                   "--selector", "sel")
    assert off.returncode == 0, off.stderr
    assert not marker.exists()

    assert enable(tmp_path, "--force").returncode == 0
    replaced = keygen(tmp_path, "--algorithm", "ed25519", "--force")
    assert replaced.returncode == 0
    assert b"the replaced key was signing" in replaced.stderr
    assert not marker.exists()


def test_enable_without_a_key_is_a_configuration_error(tmp_path):
    out = enable(tmp_path, "--force", selector="none")
    assert out.returncode == 78
    assert b"keygen" in out.stderr
    assert enable(tmp_path, selector="../x").returncode == 64
