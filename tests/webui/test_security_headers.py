"""Every page is sent with a strict Content-Security-Policy and frame, sniffing and referrer protection; the
templates hold no inline script; cookies are Secure behind HTTPS; API keys never reach the access log."""
from __future__ import annotations

import logging
import re
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from engine import studio, versions
from engine.db import transaction
from webui.app import create_app

TEMPLATES = Path(__file__).resolve().parents[2] / "webui" / "templates"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I)


def policy(response) -> dict[str, str]:
    """The CSP as directive → sources."""
    parts = [p.strip() for p in response.headers["Content-Security-Policy"].split(";") if p.strip()]
    return {p.split()[0]: " ".join(p.split()[1:]) for p in parts}


def assert_protected(response) -> None:
    csp = policy(response)
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def inline_scripts(html: str) -> list[str]:
    """Script elements that would run inline code (JSON data blocks are not run by browsers)."""
    return [m.group(0)[:120] for m in SCRIPT_TAG.finditer(html)
            if "src=" not in m.group(1) and 'type="application/json"' not in m.group(1)]


@pytest.mark.parametrize("url", ["/", "/login", "/report", "/track", "/track?code=AAAAA-AAAAA", "/no-such-page",
                                 "/open311/v2/services.json", "/open311/v2/requests/AAAAA-AAAAA.xml", "/healthz"])
def test_public_pages_and_api_answers_carry_the_security_headers(browser, url):
    assert_protected(browser.get(url))


def test_staff_pages_carry_the_headers_and_run_no_inline_script(as_user, factory, drive):
    case_id = drive.report()
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session)).id
    pages = {"intake": ["/inbox/", f"/cases/{case_id}", "/cases/", "/notifications/"],
             "owner": ["/studio/", f"/studio/drafts/{draft}", f"/studio/drafts/{draft}/forms/screen"],
             "admin": ["/admin/users"]}
    for username, urls in pages.items():
        client = as_user(username)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert_protected(response)
            html = response.get_data(as_text=True)
            assert inline_scripts(html) == [], url
            assert EVENT_HANDLER.search(html) is None, url


def test_no_template_has_an_inline_script_event_handler_or_eval_trigger():
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        problems += [f"{path.name}: {s}" for s in inline_scripts(text)]
        problems += [f"{path.name}: {m.group(0)}" for m in EVENT_HANDLER.finditer(text)]
        problems += [f"{path.name}: {m.group(0)}" for m in re.finditer(r'hx-trigger="[^"]*\[', text)]  # htmx eval
    assert problems == []


def test_the_inbox_refreshes_from_a_script_file(as_user):
    html = as_user("intake").get("/inbox/").get_data(as_text=True)
    assert 'hx-trigger="inbox-refresh"' in html and "/static/inbox.js" in html
    script = (TEMPLATES.parent / "static" / "inbox.js").read_text(encoding="utf-8")
    assert "visibilityState" in script and "inbox-refresh" in script and "60000" in script


def sign_in_cookies(app) -> list[str]:
    from tests.webui.conftest import Browser

    response = Browser(app).sign_in("intake")
    assert response.status_code == 302
    return response.headers.getlist("Set-Cookie")


def make_app(factory, monkeypatch, app_config, base_url: str | None):
    if base_url is None:
        monkeypatch.delenv("RR_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("RR_BASE_URL", base_url)
    app = create_app(app_config(DB_ENGINE=factory.kw["bind"], TESTING=True, WTF_CSRF_ENABLED=False,
                                SECRET_KEY="test"))
    app.extensions["rr_sessions"] = factory
    return app


def test_cookies_are_secure_and_hsts_is_sent_when_the_base_url_is_https(app, factory, monkeypatch, app_config):
    secure = make_app(factory, monkeypatch, app_config, "https://phananh.example.gov.vn")
    [cookie] = [c for c in sign_in_cookies(secure) if c.startswith("session=")]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert secure.test_client().get("/login").headers["Strict-Transport-Security"].startswith("max-age=")

    plain = make_app(factory, monkeypatch, app_config, None)
    [cookie] = [c for c in sign_in_cookies(plain) if c.startswith("session=")]
    assert "Secure" not in cookie and "HttpOnly" in cookie
    assert "Strict-Transport-Security" not in plain.test_client().get("/login").headers


def test_the_werkzeug_access_log_shows_api_key_redacted(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/open311/v2/requests.json?api_key=VERY-SECRET-KEY&status=open"
    with pytest.raises(urllib.error.HTTPError):  # a wrong key: 403, still logged
        urllib.request.urlopen(url, timeout=10)  # noqa: S310 - a local test server
    thread.join(10)
    server.server_close()
    assert "requests.json?api_key=***&status=open" in caplog.text
    assert "VERY-SECRET-KEY" not in caplog.text


def test_the_gunicorn_access_log_shows_api_key_redacted(app, capsys):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    config = Config()
    config.set("accesslog", "-")
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/open311/v2/requests.json?api_key=VERY-SECRET-KEY",
               "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": "api_key=VERY-SECRET-KEY",
               "PATH_INFO": "/open311/v2/requests.json", "REMOTE_ADDR": "203.0.113.9",
               "HTTP_REFERER": "https://portal.example/?api_key=VERY-SECRET-KEY"}
    Logger(config).access(SimpleNamespace(status="200 OK", sent=10, headers=[]), SimpleNamespace(headers=[]),
                          environ, timedelta(milliseconds=5))
    line = capsys.readouterr().out
    assert '"GET /open311/v2/requests.json?api_key=*** HTTP/1.1" 200' in line
    assert "VERY-SECRET-KEY" not in line
