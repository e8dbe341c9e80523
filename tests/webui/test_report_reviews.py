"""Leadership's weekly and quarterly report reviews in the inbox, in Vietnamese and English."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine import scheduled, timers, versions
from engine.db import transaction
from engine.models_reporting import ScheduledRun

MONDAY_0700_HCM = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


@pytest.fixture
def weekly_review(app, factory, clock) -> int:
    with transaction(factory) as session:
        scheduled.install(session, actor="tests")
    clock.set(MONDAY_0700_HCM + timedelta(minutes=1))
    timers.run_once(factory)
    with transaction(factory) as session:
        return session.query(ScheduledRun).filter_by(status="open").one().id


def test_the_weekly_review_is_in_leaderships_inbox_with_the_report_links(as_user, weekly_review):
    page = as_user("leader").get("/inbox/").get_data(as_text=True)
    assert "Xem xét báo cáo tuần" in page and "2026-W48" in page
    assert 'href="/reports/weekly/2026-W48"' in page
    assert 'href="/reports/weekly/2026-W48?format=xlsx"' in page
    assert f"/inbox/reviews/{weekly_review}" in page
    assert "2026-W48" not in as_user("intake").get("/inbox/").get_data(as_text=True)


def test_the_review_page_in_english_and_completing_it(as_user, weekly_review):
    leader = as_user("leader")
    leader.post("/lang/en")
    page = leader.get(f"/inbox/reviews/{weekly_review}").get_data(as_text=True)
    assert "Review the weekly report" in page and "30/11/2026 07:00" in page
    assert 'href="/reports/weekly/2026-W48?format=xlsx"' in page

    refused = leader.post(f"/inbox/reviews/{weekly_review}", data={"acknowledged": "false",
                                                                  "review_comment": "Chưa xem hết"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="f-acknowledged-error"' in body and "Chưa xem hết" in body  # the input is kept

    done = leader.post(f"/inbox/reviews/{weekly_review}", data={"acknowledged": "true", "review_comment": "Đã xem"},
                       follow_redirects=True)
    assert done.status_code == 200 and "Report 2026-W48 reviewed" in done.get_data(as_text=True)
    assert f"/inbox/reviews/{weekly_review}" not in leader.get("/inbox/").get_data(as_text=True)
    again = leader.post(f"/inbox/reviews/{weekly_review}", data={"acknowledged": "true"})
    assert again.status_code == 409
    assert "Reviewed by" in leader.get(f"/inbox/reviews/{weekly_review}").get_data(as_text=True)


def test_a_review_sent_from_a_page_older_than_the_review_says_it_changed_not_that_it_was_reviewed(
        as_user, factory, weekly_review):
    with transaction(factory) as session:
        version = session.get(ScheduledRun, weekly_review).row_version
    leader = as_user("leader")
    stale = leader.post(f"/inbox/reviews/{weekly_review}", data={"acknowledged": "true", "review_comment": "Đã xem",
                                                                "row_version": version + 1})
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "Chưa lưu: báo cáo này đã thay đổi" in body and "Đã xem" in body  # the input is kept
    assert f"/inbox/reviews/{weekly_review}" in leader.get("/inbox/").get_data(as_text=True)  # still open


def test_the_review_page_is_vietnamese_by_default(as_user, weekly_review):
    page = as_user("leader").get(f"/inbox/reviews/{weekly_review}").get_data(as_text=True)
    assert "Kỳ báo cáo" in page and "Đã xem xét báo cáo" in page and "Ý kiến chỉ đạo" in page  # the version's form


def test_other_roles_and_unknown_reviews_are_refused(as_user, weekly_review):
    assert as_user("inspector").get(f"/inbox/reviews/{weekly_review}").status_code == 403
    assert as_user("leader").get("/inbox/reviews/999999").status_code == 404


def test_the_studio_shows_the_reporting_process_with_its_versions_and_drafts(as_user, factory, weekly_review):
    owner = as_user("owner")
    assert "leadership_reporting" in owner.get("/studio/").get_data(as_text=True)
    assert owner.get("/studio/leadership_reporting").status_code == 200
    with transaction(factory) as session:
        version = versions.active_version(session, scheduled.PROCESS_ID)
        version_id = version.id
    for url in (f"/studio/versions/{version_id}", f"/studio/versions/{version_id}/live.json",
                f"/studio/versions/{version_id}/diagram.bpmn"):
        assert owner.get(url).status_code == 200, url
    draft = owner.post(f"/studio/versions/{version_id}/draft")
    assert draft.status_code == 302
    assert owner.get(draft.headers["Location"]).status_code == 200


def test_leadership_sees_the_open_review_in_the_queue_badges_and_the_notifications(as_user, weekly_review):
    leader = as_user("leader")
    inbox = leader.get("/inbox/").get_data(as_text=True)
    assert 'href="#report-reviews"' in inbox and 'data-count="reviews">1</span>' in inbox
    assert 'data-count="reviews"' not in as_user("intake").get("/inbox/").get_data(as_text=True)
    notices = leader.get("/notifications/").get_data(as_text=True)
    assert 'id="briefing-notifications"' in notices and 'data-period="2026-W48"' in notices
    assert "Báo cáo giao ban đã sẵn sàng để xem xét" in notices
    assert f'href="/inbox/reviews/{weekly_review}"' in notices
    assert "briefing-notifications" not in as_user("intake").get("/notifications/").get_data(as_text=True)
    leader.post(f"/inbox/reviews/{weekly_review}", data={"acknowledged": "true"})
    assert 'data-count="reviews"' not in leader.get("/inbox/").get_data(as_text=True)
    leader.post("/lang/en")
    assert "reviewed</a>" in leader.get("/notifications/").get_data(as_text=True)


def test_an_inbox_with_only_a_report_to_review_does_not_say_nothing_is_waiting(as_user, weekly_review):
    page = as_user("leader").get("/inbox/").get_data(as_text=True)
    assert "Không có công việc nào đang chờ bạn." not in page
    assert "Không có công việc hồ sơ nào đang chờ bạn; báo cáo cần xem xét ở phía trên." in page
    assert "Không có công việc nào đang chờ bạn." in as_user("intake").get("/inbox/").get_data(as_text=True)


def test_an_unknown_review_is_a_404_in_the_pages_language(as_user):
    page = as_user("leader").get("/inbox/reviews/999999")
    assert page.status_code == 404 and "no such report review" not in page.get_data(as_text=True)
    assert "Công việc này không tồn tại hoặc không còn mở" in page.get_data(as_text=True)
