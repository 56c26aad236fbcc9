"""Signing in to the workspace: the first admin's password, agents from the
command line, session cookies with CSRF, the lockout, and the served pages."""
import json
import os
import stat
import subprocess
import time
import urllib.request

from conftest import BIN, DOMAIN


def sign_in(desk, email, password, cookie=None):
    body = json.dumps({"email": email, "password": password}).encode()
    return desk.request("POST", "/api/v2/session", token=None, body=body,
                        headers={"Content-Type": "application/json"})


def session_cookie(headers):
    value = headers.get("Set-Cookie", "")
    return value.split(";")[0]


def agent(desk, *args, stdin=None):
    return subprocess.run([BIN, "agent", *args, "--data", str(desk.data)], input=stdin,
                          capture_output=True, text=True, timeout=30)


def test_first_start_writes_the_admin_password_and_it_signs_in(desk):
    path = desk.data / "admin-password"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    password = path.read_text().strip()
    assert len(password) == 20
    assert "sign in as admin@" + DOMAIN in (desk.data / "serve.log").read_text()

    status, headers, body = sign_in(desk, "admin@" + DOMAIN, password)
    assert status == 200, body
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    session = json.loads(body)["session"]
    assert session["user"]["role"] == "admin"
    jar = {"Cookie": session_cookie(headers)}

    # The cookie works on the API; a change needs the CSRF token.
    status, _, body = desk.request("GET", "/api/v2/views", token=None, headers=jar)
    assert status == 200, body
    put = json.dumps({"user": {"undeliverable": False}}).encode()
    status, _, body = desk.request("PUT", "/api/v2/users/1", token=None, body=put,
                                   headers={**jar, "Content-Type": "application/json"})
    assert status == 403 and json.loads(body)["error"] == "InvalidCsrfToken"
    status, _, body = desk.request("PUT", "/api/v2/users/1", token=None, body=put,
                                   headers={**jar, "Content-Type": "application/json",
                                            "X-CSRF-Token": session["csrf_token"]})
    assert status == 200, body

    status, headers, _ = desk.request("DELETE", "/api/v2/session", token=None,
                                      headers={**jar, "X-CSRF-Token": session["csrf_token"]})
    assert status == 204
    assert "Max-Age=0" in headers["Set-Cookie"]
    status, _, _ = desk.request("GET", "/api/v2/views", token=None, headers=jar)
    assert status == 401

    # A restart keeps the password (the file is not rewritten).
    desk.stop()
    desk.start()
    assert (desk.data / "admin-password").read_text().strip() == password
    assert sign_in(desk, "admin@" + DOMAIN, password)[0] == 200


def test_agents_from_the_command_line(desk):
    r = agent(desk, "add", "--email", "Ann@Desk.example", "--name", "Ann Agent")
    assert r.returncode == 0, r.stderr
    assert agent(desk, "add", "--email", "ann@desk.example").returncode == 65
    assert agent(desk, "add", "--email", "not-an-email").returncode == 64
    # No password yet: no sign-in.
    assert sign_in(desk, "ann@desk.example", "")[0] == 401
    assert agent(desk, "password", "ann@desk.example", stdin="short\n").returncode == 64
    assert agent(desk, "password", "nobody@desk.example", stdin="long enough pw\n").returncode == 67
    r = agent(desk, "password", "ann@desk.example", stdin="long enough pw\n")
    assert r.returncode == 0, r.stderr
    status, headers, body = sign_in(desk, "ANN@desk.example", "long enough pw")
    assert status == 200, body
    jar = {"Cookie": session_cookie(headers)}
    assert desk.request("GET", "/api/v2/session", token=None, headers=jar)[0] == 200
    # A new password signs the agent's sessions out.
    assert agent(desk, "password", "ann@desk.example", stdin="another long pw\n").returncode == 0
    assert desk.request("GET", "/api/v2/session", token=None, headers=jar)[0] == 401
    listing = agent(desk, "list").stdout
    assert "ann@desk.example" in listing and "admin@" + DOMAIN in listing
    # No database there: 78, and none is created.
    r = subprocess.run([BIN, "agent", "list", "--data", str(desk.data / "nothing")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 78
    assert not (desk.data / "nothing").exists()


def test_wrong_passwords_lock_the_account_then_the_right_one_works(desk_factory):
    desk = desk_factory("--login-lockout-seconds", "2")
    password = (desk.data / "admin-password").read_text().strip()
    email = "admin@" + DOMAIN
    statuses = [sign_in(desk, email, "wrong password")[0] for _ in range(20)]
    assert statuses[:19] == [401] * 19 and statuses[19] == 429
    status, headers, body = sign_in(desk, email, password)
    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    assert json.loads(body)["error"] == "TooManyAttempts"
    assert "sign-in failed for " + email in (desk.data / "serve.log").read_text()
    time.sleep(2.2)
    assert sign_in(desk, email, password)[0] == 200


def test_the_workspace_is_served_with_its_csp(desk):
    for path in ["/", "/agent/views/all_open", "/agent/tickets/1/events"]:
        with urllib.request.urlopen(f"http://127.0.0.1:{desk.http_port}{path}") as r:
            assert r.status == 200
            assert r.headers["Content-Type"].startswith("text/html")
            csp = r.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            page = r.read().decode()
        assert '<script type="module"' in page
        asset = page.split('src="')[1].split('"')[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{desk.http_port}{asset}") as r:
            assert r.headers["Content-Type"].startswith("text/javascript")
            assert "immutable" in r.headers["Cache-Control"]


def test_guessing_api_tokens_is_braked(desk):
    """Issue 13, defect 7: 2,000 wrong tokens were answered 401 in 0.36 s."""
    statuses = [desk.request("GET", "/api/v2/tickets", token=f"guess-{i}")[0] for i in range(60)]
    assert statuses[:50] == [401] * 50
    assert set(statuses[50:]) == {429}
    status, headers, body = desk.request("GET", "/api/v2/tickets", token="guess-x")
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert json.loads(body)["error"] == "TooManyRequests"
    assert "wrong API tokens from 127.0.0.1: locked out" in (desk.data / "serve.log").read_text()
