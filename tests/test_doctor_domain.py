"""`postdesk doctor domain|address`, `GET /api/v2/doctor/...` and `postdesk dkim
enable` against a real DNS server (nsd on 127.0.0.1, a free port) serving a
good domain and broken ones.

The desk's own domain is support.example (conftest), so the SPF include every
customer domain needs is include:_spf.support.example. What each domain
stands for:
  good.example      set up as we ask: SPF with our include, our DKIM key
                    published and enabled, DMARC p=reject, an MX
  twospf.example    two v=spf1 records (permerror)
  noinclude.example SPF without our include
  lookups.example   11 DNS-querying terms through nested includes
  void.example      a chain of void lookups (3 names that do not exist)
  nodkim.example    our key is stored and signing forced on, no DKIM record
  reject.example    DMARC p=reject, no DKIM of ours, SPF not aligned
  legacy.example    only warnings: a deprecated type-99 SPF record, no DKIM
                    key, DMARC p=none

Keys are made by `postdesk dkim keygen`; nothing is fetched. Run with
Debian's interpreter:
    POSTDESK_BIN=$PWD/build/postdesk /usr/bin/python3 -m pytest tests/test_doctor_domain.py
"""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import BIN, DOMAIN, closed_port
from nsd import NSD, start_nsd, stop_nsd

INCLUDE = f"_spf.{DOMAIN}"
HOSTNAME = "desk.test"  # conftest starts every desk with --hostname desk.test


def postdesk(*args, timeout=120):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


def txt(value):
    return " ".join(f'"{value[i:i + 250]}"' for i in range(0, len(value), 250))


def keygen(data, domain):
    out = postdesk("dkim", "keygen", "--data", str(data), "--domain", domain,
                   "--algorithm", "ed25519")
    assert out.returncode == 0, out.stderr
    return out


def zones(good_key):
    mx = [("mx.customer.example.", "A", "192.0.2.25")]
    spf_ok = txt(f"v=spf1 ip4:192.0.2.0/24 include:{INCLUDE} -all")

    def customer(name, spf=spf_ok, dmarc="v=DMARC1; p=reject"):
        out = [(f"{name}.", "MX", "10 mx.customer.example.")]
        if spf:
            out.append((f"{name}.", "TXT", spf))
        if dmarc:
            out.append((f"_dmarc.{name}.", "TXT", txt(dmarc)))
        return out

    example = mx + [
        # Our own domain: its MX is this host, its include lists our servers.
        (f"{INCLUDE}.", "TXT", txt("v=spf1 ip4:127.0.0.1 -all")),
        (f"{DOMAIN}.", "MX", f"10 {HOSTNAME}."),
        (f"{DOMAIN}.", "TXT", txt(f"v=spf1 include:{INCLUDE} -all")),
        (f"_dmarc.{DOMAIN}.", "TXT", txt("v=DMARC1; p=reject")),
        # The good customer.
        *customer("good.example", dmarc="v=DMARC1; p=reject; rua=mailto:dmarc@good.example"),
        ("postdesk._domainkey.good.example.", "TXT", txt(good_key)),
        ("good.example.", "TXT", txt("google-site-verification=abc123")),
        # Two SPF records.
        *customer("twospf.example"),
        ("twospf.example.", "TXT", txt("v=spf1 ip4:198.51.100.0/24 ~all")),
        # SPF without our include.
        *customer("noinclude.example", spf=txt("v=spf1 include:other.example ~all")),
        ("other.example.", "TXT", txt("v=spf1 ip4:203.0.113.0/24 -all")),
        # 11 DNS-querying terms: 2 here, 3 in a.lookups, 6 in b.lookups.
        *customer("lookups.example",
                  spf=txt(f"v=spf1 include:{INCLUDE} include:a.lookups.example -all")),
        ("a.lookups.example.", "TXT", txt("v=spf1 include:b.lookups.example mx a -all")),
        ("a.lookups.example.", "MX", "10 mx.customer.example."),
        ("a.lookups.example.", "A", "192.0.2.2"),
        ("b.lookups.example.", "TXT",
         txt("v=spf1 " + " ".join(f"a:h{i}.b.lookups.example" for i in range(1, 7)) + " -all")),
        *[(f"h{i}.b.lookups.example.", "A", f"192.0.2.{10 + i}") for i in range(1, 7)],
        # Three void lookups through an include.
        *customer("void.example", spf=txt(f"v=spf1 include:{INCLUDE} include:v.void.example -all")),
        ("v.void.example.", "TXT",
         txt("v=spf1 a:gone1.void.example mx:gone2.void.example exists:gone3.void.example -all")),
        # Signing forced on without the DKIM record.
        *customer("nodkim.example"),
        # DMARC p=reject with nothing of ours aligned.
        *customer("reject.example"),
        # Warnings only.
        *customer("legacy.example", dmarc="v=DMARC1; p=none"),
        ("legacy.example.", "SPF", spf_ok),
    ]
    test = [(f"{HOSTNAME}.", "A", "127.0.0.1")]
    return {"example": example, "test": test}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """nsd serving the zones, and a data directory holding our DKIM keys."""
    if not os.path.exists(NSD):
        pytest.skip("nsd is not installed (Debian package nsd)")
    assert os.access(BIN, os.X_OK), f"postdesk not built at {BIN} (set POSTDESK_BIN)"
    d = tmp_path_factory.mktemp("doctordns")
    data = d / "data"
    good = keygen(data, "good.example")
    good_key = "".join(re.findall(r'"([^"]*)"', good.stdout))
    keygen(data, "nodkim.example")
    zone_files = {}
    for name, records in zones(good_key).items():
        lines = [f"$ORIGIN {name}.", "$TTL 300",
                 f"@ IN SOA ns.{name}. hostmaster.{name}. 1 3600 600 86400 60",
                 f"@ IN NS ns.{name}.", f"ns.{name}. IN A 127.0.0.1"]
        lines += [f"{owner} IN {rtype} {rdata}" for owner, rtype, rdata in records]
        (d / f"{name}.zone").write_text("\n".join(lines) + "\n")
        zone_files[name] = f"{name}.zone"
    proc, port, _ = start_nsd(d, zone_files, [("good.example", "TXT"), (HOSTNAME, "A")])
    dns = f"127.0.0.1:{port}"
    yield {"data": data, "dns": dns, "good_key": good_key}
    stop_nsd(proc)


def doctor(env, kind, target, *extra, data=None, dns=None):
    return postdesk("doctor", kind, target, "--data", str(data or env["data"]),
                    "--dns", dns or env["dns"], "--domain", DOMAIN, "--hostname", HOSTNAME,
                    *extra)


def lines_by_step(out):
    steps = {}
    for line in out.splitlines():
        m = re.match(r"(ok|warning|problem) +([a-z0-9._-]+): (.*)$", line)
        assert m, f"not a doctor line: {line!r}"
        steps[m.group(2)] = (m.group(1), m.group(3))
    return steps


def enable(env, domain, *extra, dns=None):
    return postdesk("dkim", "enable", "--data", str(env["data"]), "--domain", domain,
                    "--dns", dns or env["dns"], *extra)


@pytest.fixture(scope="module")
def enabled(env):
    """good.example's key enabled (its record is published); nodkim.example's
    forced on without a record."""
    out = enable(env, "good.example")
    assert out.returncode == 0, out.stderr
    assert "its DNS record publishes our key" in out.stderr
    assert (env["data"] / "dkim" / "good.example" / "postdesk.enabled").exists()
    refused = enable(env, "nodkim.example")
    assert refused.returncode == 69, refused.stderr
    assert "refusing" in refused.stderr and "no DKIM record" in refused.stderr
    assert "postdesk._domainkey.nodkim.example IN TXT" in refused.stderr
    assert not (env["data"] / "dkim" / "nodkim.example" / "postdesk.enabled").exists()
    forced = enable(env, "nodkim.example", "--force")
    assert forced.returncode == 0, forced.stderr
    return env


# --------------------------------------------------------------------------- CLI

def test_keygen_warns_that_signing_waits_for_the_record(tmp_path):
    out = keygen(tmp_path, "fresh.example")
    assert out.stdout.startswith("postdesk._domainkey.fresh.example IN TXT ")
    assert "not signed with this key until the record above is published" in out.stderr
    assert "postdesk dkim enable --domain fresh.example --selector postdesk" in out.stderr
    assert not (tmp_path / "dkim" / "fresh.example" / "postdesk.enabled").exists()


def test_an_unpublished_key_is_a_warning_until_enabled(env, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(env["data"] / "dkim" / "good.example", data / "dkim" / "good.example")
    for p in (data / "dkim" / "good.example").glob("*.enabled"):
        p.unlink()
    out = doctor(env, "domain", "good.example", data=data)
    steps = lines_by_step(out.stdout)
    level, text = steps["dkim.postdesk"]
    assert level == "warning", out.stdout
    assert "publishes our key, but signing with it is off" in text
    assert "postdesk dkim enable --domain good.example --selector postdesk" in text
    # Unsigned, our mail does not align, and good.example asks for p=reject.
    level, text = steps["dmarc.alignment"]
    assert level == "problem", out.stdout
    assert text.endswith("fix: run `postdesk dkim enable --domain good.example "
                         "--selector postdesk`")
    assert out.returncode == 1, out.stdout


def test_good_domain_is_all_ok(enabled):
    out = doctor(enabled, "domain", "good.example")
    assert out.returncode == 0, out.stdout + out.stderr
    steps = lines_by_step(out.stdout)
    assert {lvl for lvl, _ in steps.values()} == {"ok"}, out.stdout
    for step in ("spf.record", "spf.include", "spf.includes", "spf.lookups", "spf.void",
                 "spf.all", "dkim.postdesk", "dmarc.record", "dmarc.alignment", "mx"):
        assert step in steps, out.stdout
    assert "signing is on" in steps["dkim.postdesk"][1]
    assert "DKIM d=good.example" in steps["dmarc.alignment"][1]

    js = doctor(enabled, "domain", "good.example", "--json")
    assert js.returncode == 0
    report = json.loads(js.stdout)
    assert report["subject"] == "domain good.example"
    assert report["status"] == "ok" and report["exit_status"] == 0
    assert [f["step"] for f in report["findings"]] == list(steps)
    assert all(f["fix"] is None for f in report["findings"])


def test_our_own_domain_points_at_this_host(enabled):
    out = doctor(enabled, "domain", DOMAIN)
    steps = lines_by_step(out.stdout)
    assert steps["mx"][0] == "ok", out.stdout
    assert f"10 {HOSTNAME} (this host)" in steps["mx"][1]
    assert steps["dmarc.alignment"][0] == "ok"  # SPF through our bounce domain
    # Asked as another host, the MX is not ours: a warning with the fix.
    other = postdesk("doctor", "domain", DOMAIN, "--data", str(enabled["data"]),
                     "--dns", enabled["dns"], "--domain", DOMAIN, "--hostname", "other.test")
    level, text = lines_by_step(other.stdout)["mx"]
    assert level == "warning" and "not this host (other.test)" in text
    assert f"point the MX of {DOMAIN} at other.test" in text


BROKEN = [
    ("twospf.example", "spf.record",
     "permerror: 2 SPF records at twospf.example",
     f'twospf.example IN TXT "v=spf1 ip4:192.0.2.0/24 include:{INCLUDE} ip4:198.51.100.0/24 '
     '-all"'),
    ("noinclude.example", "spf.include",
     f"include:{INCLUDE} is missing from the SPF record of noinclude.example",
     f'noinclude.example IN TXT "v=spf1 include:other.example include:{INCLUDE} ~all"'),
    ("lookups.example", "spf.lookups",
     "permerror: 11 DNS-querying terms counted through the includes, over the limit of 10; "
     "the 11th is 'a' in a.lookups.example, reached through lookups.example \u2192 "
     "include:a.lookups.example",
     "remove includes of services that no longer send for lookups.example"),
    ("void.example", "spf.void",
     "permerror: 3 void lookups",
     "remove the terms that name hosts or domains that do not exist"),
    ("nodkim.example", "dkim.postdesk",
     "signing is on for nodkim.example with selector postdesk, but "
     "postdesk._domainkey.nodkim.example has no DKIM record (NXDOMAIN)",
     'postdesk._domainkey.nodkim.example IN TXT "v=DKIM1; k=ed25519; p='),
    ("reject.example", "dmarc.alignment",
     "our mail from reject.example fails DMARC, and p=reject at _dmarc.reject.example tells "
     f"receivers to reject it: SPF authenticates our bounce domain {DOMAIN}",
     "postdesk dkim keygen --domain reject.example"),
]


@pytest.mark.parametrize("domain,step,reason,fix", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_domain_names_the_reason_and_the_fix(enabled, domain, step, reason, fix):
    out = doctor(enabled, "domain", domain)
    assert out.returncode == 1, out.stdout + out.stderr
    steps = lines_by_step(out.stdout)
    level, text = steps[step]
    assert level == "problem", out.stdout
    assert reason in text, text
    evidence, _, fix_text = text.partition(" \u2014 fix: ")
    assert fix in fix_text, text
    # Nothing in a broken case is put down to DNS trouble.
    assert "temperror" not in out.stdout


def test_warnings_only_exit_zero(enabled):
    out = doctor(enabled, "domain", "legacy.example")
    assert out.returncode == 0, out.stdout
    steps = lines_by_step(out.stdout)
    assert steps["spf.type99"][0] == "warning"
    assert "deprecated SPF type (99)" in steps["spf.type99"][1]
    assert steps["dkim"][0] == "warning" and "DKIM is not set up" in steps["dkim"][1]
    assert steps["dmarc.record"][0] == "warning" and "p=none" in steps["dmarc.record"][1]
    assert "problem" not in {lvl for lvl, _ in steps.values()}


def test_dns_that_does_not_answer_is_temporary_not_missing(enabled):
    out = doctor(enabled, "domain", "good.example", dns=f"127.0.0.1:{closed_port()}")
    assert out.returncode == 75, out.stdout + out.stderr
    steps = lines_by_step(out.stdout)
    assert "temperror" in steps["spf.record"][1]
    assert "no SPF record" not in out.stdout and "no DKIM record" not in out.stdout
    js = json.loads(doctor(enabled, "domain", "good.example", "--json",
                           dns=f"127.0.0.1:{closed_port()}").stdout)
    assert all(f["temporary"] for f in js["findings"] if f["level"] == "problem")


@pytest.mark.parametrize("kind,target", [("domain", "not a domain"), ("domain", "localhost"),
                                         ("address", "nobody"), ("address", "a@b")])
def test_malformed_arguments_are_usage_errors(env, kind, target):
    out = doctor(env, kind, target)
    assert out.returncode == 64, out.stdout + out.stderr
    assert out.stdout == ""


def test_address_without_a_database_is_a_configuration_error(env, tmp_path):
    out = doctor(env, "address", "help@good.example", data=tmp_path)
    assert out.returncode == 78
    assert "no database" in out.stderr
    assert not (tmp_path / "postdesk.db").exists()


# --------------------------------------------------------------------------- with a desk

@pytest.fixture
def desk(enabled, desk_factory, tmp_path):
    """A running desk asking our nsd, with the same DKIM keys."""
    shutil.copytree(enabled["data"] / "dkim", tmp_path / "desk" / "dkim")
    return desk_factory("--dns", enabled["dns"])


def test_address_through_the_cli_and_the_api(enabled, desk):
    status, _, body = desk.request(
        "POST", "/api/v2/recipient_addresses.json",
        body=json.dumps({"recipient_address": {"name": "Help",
                                               "email": "help@good.example"}}).encode(),
        headers={"Content-Type": "application/json"})
    assert status == 201, body

    # The CLI reads the running server's store.
    out = doctor(enabled, "address", "help@good.example", data=desk.data)
    assert out.returncode == 0, out.stdout + out.stderr
    steps = lines_by_step(out.stdout)
    assert steps["address"][0] == "ok" and "is a support address" in steps["address"][1]
    level, text = steps["forwarding"]
    assert level == "warning" and "is not verified" in text
    assert re.search(r"/api/v2/recipient_addresses/\d+/verify", text)
    for step in ("spf.include", "dkim.postdesk", "dmarc.alignment", "mx"):
        assert steps[step][0] == "ok", out.stdout

    api = desk.get_json("/api/v2/doctor/address/help@good.example")
    assert api["subject"] == "address help@good.example"
    assert api["status"] == "warning" and api["exit_status"] == 0
    assert [(f["step"], f["level"]) for f in api["findings"]] == \
        [(s, lvl) for s, (lvl, _) in steps.items()]

    unknown = doctor(enabled, "address", "nobody@good.example", data=desk.data)
    assert unknown.returncode == 1
    level, text = lines_by_step(unknown.stdout)["address"]
    assert level == "problem" and "is not a support address" in text
    assert "POST /api/v2/recipient_addresses" in text
    api = desk.get_json("/api/v2/doctor/address/nobody@good.example.json")
    assert api["findings"][0]["step"] == "address"
    assert api["findings"][0]["level"] == "problem"
    assert api["exit_status"] == 1


def test_domain_through_the_api(desk):
    good = desk.get_json("/api/v2/doctor/domain/good.example")
    assert good["status"] == "ok", good
    broken = desk.get_json("/api/v2/doctor/domain/noinclude.example.json")
    assert broken["status"] == "problem"
    f = next(f for f in broken["findings"] if f["step"] == "spf.include")
    assert f["level"] == "problem"
    assert f["details"]["record_to_publish"] == \
        f"v=spf1 include:other.example include:{INCLUDE} ~all"
    status, _, body = desk.request("GET", "/api/v2/doctor/domain/no%20such")
    assert status == 422 and json.loads(body)["error"] == "InvalidValue"
    status, _, _ = desk.request("GET", "/api/v2/doctor/domain/good.example", token=None)
    assert status == 401


def test_dkim_keys_through_the_api(enabled, desk_factory, sink, tmp_path):
    """The Email page's DKIM (issue 12, item 3): make a key, Enable refused
    while DNS lacks its record (with the record to publish), forced on, a
    published key enabled after the lookup; the running desk signs and stops
    signing without a restart."""
    import dkim
    from test_outbound import mail_to, send_mail

    desk = desk_factory("--dns", enabled["dns"], "--relay", sink.relay, subdir="dkimapi")

    def call(method, path, payload=None):
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        status, _, raw = desk.request(method, path, body=body, headers=headers)
        return status, json.loads(raw) if raw else None

    status, made = call("POST", "/api/v2/dkim_keys",
                        {"dkim_key": {"domain": DOMAIN.upper(), "algorithm": "ed25519"}})
    assert status == 201, made
    key = made["dkim_key"]
    assert key["domain"] == DOMAIN and key["selector"] == "postdesk" and not key["enabled"]
    assert key["record"]["name"] == f"postdesk._domainkey.{DOMAIN}"
    assert key["record"]["value"].startswith("v=DKIM1; k=ed25519; p=")
    assert "private" not in json.dumps(made).lower()
    status, again = call("POST", "/api/v2/dkim_keys", {"dkim_key": {"domain": DOMAIN}})
    assert status == 409 and again["error"] == "AlreadyExists", again
    for bad in ({"domain": "../etc"}, {"domain": DOMAIN, "algorithm": "dsa"}, {"domain": 7}):
        status, body = call("POST", "/api/v2/dkim_keys", {"dkim_key": bad})
        assert status == 422, (bad, body)

    # Our nsd does not publish it: refused, saying what to publish.
    enable_path = f"/api/v2/dkim_keys/{DOMAIN}/postdesk/enable"
    status, refused = call("PUT", enable_path)
    assert status == 409, refused
    assert refused["error"] == "RecordNotPublished"
    assert refused["finding"]["step"] == "dkim.postdesk"
    assert f"postdesk._domainkey.{DOMAIN}" in refused["fix"]
    send_mail(desk, "una@customer.test", "Unsigned", "hello")
    raw, _ = mail_to(sink, "una@customer.test")
    assert b"DKIM-Signature:" not in raw["bytes"].split(b"\r\n\r\n")[0]

    # Forced on: the running desk signs the next mail, and the record the
    # API showed verifies the signature.
    status, on = call("PUT", enable_path, {"force": True})
    assert status == 200 and on["dkim_key"]["enabled"], on
    send_mail(desk, "vic@customer.test", "Signed", "hello")
    raw, _ = mail_to(sink, "vic@customer.test")
    assert raw["bytes"].startswith(b"DKIM-Signature:")
    record = key["record"]["value"].encode()
    assert dkim.verify(raw["bytes"], dnsfunc=lambda name, timeout=5: record)

    status, off = call("PUT", f"/api/v2/dkim_keys/{DOMAIN}/postdesk/disable")
    assert status == 200 and not off["dkim_key"]["enabled"]
    send_mail(desk, "wes@customer.test", "Unsigned again", "hello")
    raw, _ = mail_to(sink, "wes@customer.test")
    assert b"DKIM-Signature:" not in raw["bytes"].split(b"\r\n\r\n")[0]

    # A key whose record DNS publishes is enabled after the lookup.
    (desk.data / "dkim" / "good.example").mkdir()
    shutil.copy(enabled["data"] / "dkim" / "good.example" / "postdesk.pem",
                desk.data / "dkim" / "good.example" / "postdesk.pem")
    listed = {k["domain"]: k for k in call("GET", "/api/v2/dkim_keys")[1]["dkim_keys"]}
    assert set(listed) == {DOMAIN, "good.example"}
    assert listed["good.example"]["record"]["value"] == enabled["good_key"]
    status, on = call("PUT", "/api/v2/dkim_keys/good.example/postdesk/enable")
    assert status == 200, on
    # The lookup made before signing: our key is published (signing was off then).
    assert on["finding"]["details"]["published"] is True and on["dkim_key"]["enabled"]
    assert call("PUT", "/api/v2/dkim_keys/nowhere.example/postdesk/enable")[0] == 404
