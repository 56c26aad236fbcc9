"""DKIM interop: our verifier against signatures made by dkimpy (python3-dkim)
and OpenDKIM (opendkim-tools), and our signatures checked by dkimpy.

The subject is the `dkim_tool` test executable (src/auth/dkim_tool.cc), found
through DKIM_TOOL_BIN or at build/src/auth/dkim_tool. Keys are handed over as
files, never through DNS. Run with Debian's interpreter:
    /usr/bin/python3 -m pytest tests/test_dkim_interop.py
"""
import base64
import os
import re
import shutil
import subprocess
from pathlib import Path

import dkim
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "dkim"
TOOL = os.environ.get("DKIM_TOOL_BIN", str(ROOT / "build" / "src" / "auth" / "dkim_tool"))
OPENDKIM_GENKEY = shutil.which("opendkim-genkey") or "/usr/sbin/opendkim-genkey"
OPENDKIM_TESTMSG = shutil.which("opendkim-testmsg") or "/usr/sbin/opendkim-testmsg"

MESSAGE = (
    b"From: Alice Example <alice@example.org>\r\n"
    b"To: Bob <bob@example.net>\r\n"
    b"Cc: carol@example.net\r\n"
    b"Subject: Interop  test\r\n"
    b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
    b"Message-ID: <interop-1@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hello Bob,  \r\n"
    b"\tthis line has    odd whitespace.\r\n"
    b"\r\n"
    b"\r\n"
)


@pytest.fixture(scope="module")
def tool():
    assert os.access(TOOL, os.X_OK), f"dkim_tool not built at {TOOL} (set DKIM_TOOL_BIN)"
    return TOOL


def run_tool(tool, args, stdin):
    return subprocess.run([tool, *args], input=stdin, capture_output=True, timeout=60)


def verify(tool, message, keys):
    """Returns one dict per signature line printed by `dkim_tool verify`."""
    args = ["verify"]
    for spec in keys:
        args += ["--key-file", spec]
    out = run_tool(tool, args, message)
    assert out.returncode in (0, 1), out.stderr.decode()
    lines = []
    for line in out.stdout.decode().splitlines():
        fields = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line))
        lines.append({k: v.strip('"') for k, v in fields.items()})
    return lines


def dkimpy_verify(message, records):
    """dkimpy's verifier with keys from `records` ({'sel._domainkey.dom': txt}) instead of DNS."""
    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        txt = records.get(name.rstrip("."))
        return txt.encode() if txt is not None else None
    d = dkim.DKIM(message)
    results = []
    for i in range(len([h for h in d.headers if h[0].lower() == b"dkim-signature"])):
        try:
            results.append(d.verify(idx=i, dnsfunc=dnsfunc))
        except dkim.DKIMException:  # DKIM.verify raises where dkim.verify says False
            results.append(False)
    return results


def zone_txt(path):
    """The TXT value from an opendkim-genkey zone file (quoted strings joined)."""
    return "".join(re.findall(r'"([^"]*)"', Path(path).read_text()))


@pytest.fixture(scope="module")
def opendkim_key(tmp_path_factory):
    d = tmp_path_factory.mktemp("opendkim")
    subprocess.run([OPENDKIM_GENKEY, "-b", "2048", "-d", "example.org", "-s", "odk", "-D", str(d)],
                   check=True)
    return d / "odk.private", d / "odk.txt"


@pytest.fixture(scope="module")
def our_keys(tool, tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    keys = {}
    for alg in ("rsa", "ed25519"):
        pem = d / f"{alg}.pem"
        out = run_tool(tool, ["keygen", "--algorithm", alg, "--private-out", str(pem)], b"")
        assert out.returncode == 0, out.stderr.decode()
        txt = d / f"{alg}.txt"
        txt.write_bytes(out.stdout)
        keys[alg] = (pem, txt, out.stdout.decode().strip())
    return keys


# ---- signed by dkimpy, verified by us ----

@pytest.mark.parametrize("hcanon", ["simple", "relaxed"])
@pytest.mark.parametrize("bcanon", ["simple", "relaxed"])
def test_dkimpy_rsa_signatures_verify(tool, hcanon, bcanon):
    signed = subprocess.run(
        ["dkimsign", "--hcanon", hcanon, "--bcanon", bcanon, "test", "example.com",
         str(DATA / "test.private")], input=MESSAGE, capture_output=True, check=True).stdout
    [r] = verify(tool, signed, [f"example.com:test:{DATA / 'test.txt'}"])
    assert r["dkim"] == "pass", r
    assert r["d"] == "example.com" and r["s"] == "test" and r["a"] == "rsa-sha256"
    assert r["bits"] == "1024"


def test_dkimpy_ed25519_signature_verifies(tool):
    signed = subprocess.run(
        ["dkimsign", "--signalg", "ed25519-sha256", "ed", "example.com",
         str(DATA / "ed25519test.key")], input=MESSAGE, capture_output=True, check=True).stdout
    [r] = verify(tool, signed, [f"example.com:ed:{DATA / 'ed25519test.dns'}"])
    assert r["dkim"] == "pass", r
    assert r["a"] == "ed25519-sha256"


def test_dkimpy_signature_with_opendkim_generated_key(tool, opendkim_key):
    private, zone = opendkim_key
    signed = subprocess.run(["dkimsign", "odk", "example.org", str(private)], input=MESSAGE,
                            capture_output=True, check=True).stdout
    [r] = verify(tool, signed, [f"example.org:odk:{zone}"])
    assert r["dkim"] == "pass", r
    assert r["bits"] == "2048"


def test_dkimpy_lf_message_verifies(tool):
    lf = MESSAGE.replace(b"\r\n", b"\n")
    signed = subprocess.run(["dkimsign", "test", "example.com", str(DATA / "test.private")],
                            input=lf, capture_output=True, check=True).stdout
    assert b"\r\n" not in signed
    [r] = verify(tool, signed, [f"example.com:test:{DATA / 'test.txt'}"])
    assert r["dkim"] == "pass", r


def test_tampered_dkimpy_messages_fail_with_the_right_reason(tool):
    signed = subprocess.run(
        ["dkimsign", "--bcanon", "relaxed", "test", "example.com", str(DATA / "test.private")],
        input=MESSAGE, capture_output=True, check=True).stdout
    key = [f"example.com:test:{DATA / 'test.txt'}"]
    [r] = verify(tool, signed.replace(b"Hello Bob", b"Hello Eve"), key)
    assert (r["dkim"], r["reason"]) == ("fail", "body hash mismatch")
    [r] = verify(tool, signed.replace(b"Subject: Interop", b"Subject: Phish"), key)
    assert (r["dkim"], r["reason"]) == ("fail", "signature mismatch")
    [r] = verify(tool, signed, [])
    assert (r["dkim"], r["reason"]) == ("permerror", "key not found")


def test_dkimpy_rsa_sha1_is_refused(tool):
    signed = subprocess.run(
        ["dkimsign", "--signalg", "rsa-sha1", "test", "example.com", str(DATA / "test.private")],
        input=MESSAGE, capture_output=True, check=True).stdout
    [r] = verify(tool, signed, [f"example.com:test:{DATA / 'test.txt'}"])
    assert (r["dkim"], r["reason"]) == ("policy", "rsa-sha1 not accepted")


def test_two_signatures_get_two_results(tool):
    first = subprocess.run(["dkimsign", "test", "example.com", str(DATA / "test.private")],
                           input=MESSAGE, capture_output=True, check=True).stdout
    both = subprocess.run(
        ["dkimsign", "--signalg", "ed25519-sha256", "ed", "example.com",
         str(DATA / "ed25519test.key")], input=first, capture_output=True, check=True).stdout
    results = verify(tool, both, [f"example.com:test:{DATA / 'test.txt'}"])
    assert [(r["dkim"], r["s"]) for r in results] == [("permerror", "ed"), ("pass", "test")]
    assert results[0]["reason"] == "key not found"


# ---- signed by OpenDKIM, verified by us ----

def test_opendkim_testmsg_signature(tool, opendkim_key):
    # opendkim-testmsg only signs with rsa-sha1 (its library default), which
    # RFC 8301 retired: we must refuse it, and say why.
    private, zone = opendkim_key
    signed = subprocess.run([OPENDKIM_TESTMSG, "-C", "-d", "example.org", "-s", "odk",
                             "-k", str(private)], input=MESSAGE, capture_output=True,
                            check=True).stdout
    assert signed.startswith(b"DKIM-Signature:")
    [r] = verify(tool, signed, [f"example.org:odk:{zone}"])
    assert r["d"] == "example.org" and r["s"] == "odk"
    if r["a"] == "rsa-sha1":
        assert (r["dkim"], r["reason"]) == ("policy", "rsa-sha1 not accepted")
    else:  # a newer OpenDKIM that signs rsa-sha256
        assert r["dkim"] == "pass", r


# ---- signed by us, verified by dkimpy (and by us) ----

@pytest.mark.parametrize("alg", ["rsa", "ed25519"])
def test_our_signatures_verify_with_dkimpy(tool, our_keys, alg):
    pem, txt_file, txt = our_keys[alg]
    out = run_tool(tool, ["sign", "--domain", "example.org", "--selector", "s1",
                          "--key", str(pem)], MESSAGE)
    assert out.returncode == 0, out.stderr.decode()
    signed = out.stdout
    assert signed.endswith(MESSAGE)
    assert dkimpy_verify(signed, {"s1._domainkey.example.org": txt}) == [True]
    [r] = verify(tool, signed, [f"example.org:s1:{txt_file}"])
    assert r["dkim"] == "pass", r
    # And dkimpy sees tampering too.
    assert dkimpy_verify(signed.replace(b"Hello Bob", b"Hello Eve"),
                         {"s1._domainkey.example.org": txt}) == [False]


def test_our_signature_with_opendkim_key_verifies_with_dkimpy(tool, opendkim_key):
    private, zone = opendkim_key
    out = run_tool(tool, ["sign", "--domain", "example.org", "--selector", "odk",
                          "--key", str(private)], MESSAGE.replace(b"\r\n", b"\n"))
    assert out.returncode == 0, out.stderr.decode()
    assert dkimpy_verify(out.stdout, {"odk._domainkey.example.org": zone_txt(zone)}) == [True]


def test_our_ed25519_signature_with_dkimpy_key(tool):
    # dkimpy's Ed25519 key format: the base64 seed.
    out = run_tool(tool, ["sign", "--domain", "example.com", "--selector", "ed",
                          "--key", str(DATA / "ed25519test.key")], MESSAGE)
    assert out.returncode == 0, out.stderr.decode()
    assert b"a=ed25519-sha256" in out.stdout
    record = (DATA / "ed25519test.dns").read_text().strip()
    assert dkimpy_verify(out.stdout, {"ed._domainkey.example.com": record}) == [True]


def test_oversigned_headers_resist_additions(tool, our_keys):
    pem, _, txt = our_keys["rsa"]
    signed = run_tool(tool, ["sign", "--domain", "example.org", "--selector", "s1",
                             "--key", str(pem)], MESSAGE).stdout
    header_end = signed.index(MESSAGE)
    added = signed[:header_end] + b"Subject: Another subject\r\n" + signed[header_end:]
    assert dkimpy_verify(added, {"s1._domainkey.example.org": txt}) == [False]


def test_keygen_records(our_keys):
    _, _, rsa_txt = our_keys["rsa"]
    _, _, ed_txt = our_keys["ed25519"]
    assert rsa_txt.startswith("v=DKIM1; k=rsa; p=")
    assert ed_txt.startswith("v=DKIM1; k=ed25519; p=")
    raw = base64.b64decode(ed_txt.split("p=", 1)[1])
    assert len(raw) == 32  # RFC 8463: the raw public key
