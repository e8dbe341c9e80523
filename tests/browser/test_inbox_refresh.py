"""Under the strict Content-Security-Policy (no inline script, no eval) the inbox still refreshes itself every
minute: a report that arrives while intake looks at the inbox appears without a reload."""
from __future__ import annotations

from tests.browser.staff import sign_in


def test_a_new_report_appears_in_the_open_inbox_within_a_minute(page, live_server, new_case, shot):
    page.clock.install()
    sign_in(page, "intake")
    case = new_case()
    row = page.locator(f'tr[data-case-code="{case.code}"]')
    assert row.count() == 0
    page.clock.run_for("00:59")
    assert row.count() == 0
    page.clock.run_for("00:02")
    row.wait_for()
    assert "/login" not in page.url and page.url.endswith("/inbox/")
    shot(page, "inbox-refreshed")
