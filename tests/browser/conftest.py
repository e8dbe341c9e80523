"""Real-browser fixtures: the app served on a free port over a fresh SQLite file, Debian's chromium driven by
Playwright (never a downloaded browser), full-page screenshots in test-artifacts/browser/<test>/.

No frozen clock here: the server and the browser live in real time. Without /usr/bin/chromium the browser
tests are skipped with a loud reason, or fail when RR_REQUIRE_BROWSER=1 (CI sets it).
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from engine import accounts, demo, schema, versions
from engine.db import make_engine, make_session_factory, transaction
from engine.models import Case
from tests.browser.staff import submit_report
from webui.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1366, "height": 900}
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
TIMEOUT_MS = 10_000

# Known console errors of vendored libraries, not faults of ours: dmn-js's "production" bundle ships Inferno in
# development mode and says so on every load (bpmn-io/dmn-js issue 965, open).
LIBRARY_NOISE = ("It looks like you're using a minified copy of the development build of Inferno.",)

_browser_problem: list[str] = []


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    missing = f"CHROMIUM NOT FOUND at {CHROMIUM} (install it: `apt-get install -y chromium`; `make test` does)"
    if os.environ.get("RR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{missing} — RR_REQUIRE_BROWSER=1 requires the browser tests", pytrace=False)
    reason = f"{missing} — browser tests SKIPPED"
    _browser_problem.append(reason)
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter):
    if _browser_problem:
        terminalreporter.section("BROWSER NOT AVAILABLE", sep="!", red=True, bold=True)
        terminalreporter.write_line(_browser_problem[0], red=True, bold=True)
        terminalreporter.write_line("CI sets RR_REQUIRE_BROWSER=1, which turns this into a failure.")


# ---- the live server ---------------------------------------------------------------------------------------

@dataclass
class LiveServer:
    url: str
    factory: sessionmaker[Session]
    app: Any

    def status_label(self, status: str) -> str:
        """The case-status label as the app shows it (Vietnamese by default, English while untranslated)."""
        with self.app.test_request_context("/"):
            return str(self.app.jinja_env.globals["status_label"](status))


@cache
def _demo_hash(password: str) -> str:
    return accounts.hash_password(password)  # Argon2id once, not once per demo user


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, catalogs) -> Iterator[LiveServer]:
    _require_chromium()  # no point serving pages nobody will open
    tmp = tmp_path_factory.mktemp("live")
    engine = make_engine(f"sqlite:///{tmp / 'browser.sqlite3'}")
    schema.upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        versions.deploy(session, versions.read_bundle(), actor="tests")
        demo.seed_units(session)
        demo.seed_users(session, _demo_hash)
    app = create_app({"DB_ENGINE": engine, "SECRET_KEY": "browser-tests", "ATTACHMENTS_DIR": str(tmp / "att"),
                      "INSTANCE_PATH": str(tmp / "instance"), "BABEL_TRANSLATION_DIRECTORIES": str(catalogs)})
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per asset
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", factory=factory, app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture
def new_case(live_server) -> Callable[..., Case]:
    """new_case(**report overrides): a citizen's report submitted through the engine services (.id, .code)."""
    return lambda **overrides: submit_report(live_server.factory, **overrides)


# ---- the browser -------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageWatch:
    """What went wrong while the test browsed: server errors, failed assets, JavaScript errors."""

    base_url: str
    server_errors: list[str] = field(default_factory=list)
    failed_assets: list[str] = field(default_factory=list)
    js_errors: list[str] = field(default_factory=list)
    responses: list[tuple[int, str]] = field(default_factory=list)

    def on_response(self, response) -> None:
        self.responses.append((response.status, response.url))
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")
        elif (response.status >= 400 and response.request.resource_type != "document"
              and not response.url.endswith("/favicon.ico")):
            self.failed_assets.append(f"{response.status} {response.request.resource_type} {response.url}")

    def on_request_failed(self, request) -> None:
        if request.url.startswith(self.base_url) and not request.url.endswith("/favicon.ico"):
            self.failed_assets.append(f"failed {request.resource_type} {request.url}: {request.failure}")

    def on_console(self, message) -> None:
        # "Failed to load resource" repeats a response already judged above (a 422 form page is no error)
        if message.type == "error" and not message.text.startswith(("Failed to load resource", *LIBRARY_NOISE)):
            self.js_errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error) -> None:
        self.js_errors.append(f"uncaught: {error}")

    def problems(self) -> list[str]:
        return [*self.server_errors, *self.failed_assets, *self.js_errors]

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "the browser saw problems:\n  " + "\n  ".join(problems)


@contextmanager
def watched_tab(browser, live_server, **context_options):
    """A fresh browser context (no cookies) on the live server; fails the test on 5xx, missing assets, JS errors."""
    context = browser.new_context(**{"viewport": VIEWPORT, **context_options}, base_url=live_server.url,
                                  locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    tab = context.new_page()
    watch = PageWatch(live_server.url)
    tab.on("response", watch.on_response)
    tab.on("requestfailed", watch.on_request_failed)
    tab.on("console", watch.on_console)
    tab.on("pageerror", watch.on_page_error)
    tab.watch = watch
    try:
        yield tab
    finally:
        context.close()
    watch.assert_clean()


@pytest.fixture
def page(browser, live_server):
    with watched_tab(browser, live_server) as tab:
        yield tab


@pytest.fixture
def shot(request) -> Callable[[Any, str], Path]:
    """shot(page, name): a full-page PNG in test-artifacts/browser/<test name>/<nn>-<name>.png (given a locator
    instead of a page: just that element)."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def take(tab, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        if hasattr(tab, "goto"):
            tab.screenshot(path=str(path), full_page=True)
        else:
            tab.screenshot(path=str(path))
        return path

    return take
