"""Leadership's weekly report review in a real browser: in the inbox with its links, acknowledged with a comment."""
from __future__ import annotations

from datetime import timedelta

from engine import briefings, scheduled
from engine.clock import FrozenClock, now, use_clock
from engine.db import transaction
from tests.browser.staff import sign_in


def test_the_leader_reviews_the_weekly_report_from_the_inbox(page, live_server, shot):
    with transaction(live_server.factory) as session:
        scheduled.install(session, actor="tests")
    with use_clock(FrozenClock(briefings.next_weekly(now()) + timedelta(minutes=1))):  # Monday 07:01
        scheduled.run_due(live_server.factory, "tests")
    with transaction(live_server.factory) as session:
        period = next(r.period for r in scheduled.runs(session) if r.status == "open")

    sign_in(page, "leader")
    review = page.locator(f'#report-reviews li[data-period="{period}"]')
    assert review.locator(f'a[href="/reports/weekly/{period}?format=xlsx"]').count() == 1
    shot(page, "inbox-with-review")
    with page.expect_navigation():
        review.locator("a").first.click()
    assert page.locator("#review-period").inner_text() == period
    page.check("#f-acknowledged")  # "yes" (the form of the reporting process's version)
    page.fill("#f-review_comment", "Đề nghị tập trung các ca quá hạn cấp 1.")
    with page.expect_navigation():
        page.click("#complete-review")
    assert "/inbox/" in page.url
    assert page.locator("#report-reviews").count() == 0
    shot(page, "review-done")
