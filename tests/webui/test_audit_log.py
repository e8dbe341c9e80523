"""The audit log page for administrators, the entries that pages write (a view of a reporter's contact), and the
personal-data promises the portal, the API and the command line keep."""
from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from engine import events
from engine.db import transaction
from engine.models import AuditEntry, Case
from tests.webui.conftest import text_of
from webui.cli import main
from webui.i18n import LOCAL_TZ


def count(factory, kind: str) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).where(AuditEntry.kind == kind))


def test_an_administrator_reads_the_log_with_translated_kinds_and_filters(as_user, factory):
    admin = as_user("admin")
    admin.post("/admin/users/ward", data={"display_name": "Trần Thị Phường", "roles": ["handling_unit",
                                                                                       "supervisor"],
                                          "unit": "ward-ben-thanh"})
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-kind="user_updated"' in html and 'data-kind="version_deployed"' in html
    assert "Cập nhật người dùng" in text_of(page)  # the kind's label, in Vietnamese by default
    only_users = admin.get("/admin/audit?kind=user_updated&actor=admin").get_data(as_text=True)
    assert 'data-kind="user_updated"' in only_users and 'data-kind="version_deployed"' not in only_users
    assert "roles_before=[&#39;handling_unit&#39;]" in only_users
    nobody = admin.get("/admin/audit?actor=nobody").get_data(as_text=True)
    assert 'data-kind=' not in nobody


def test_the_log_is_filtered_by_local_days_and_paginated(as_user, factory, clock):
    admin = as_user("admin")
    with transaction(factory) as session:
        events.audit(session, "admin", "api_client_registered", {"name": "city-portal"})  # at the frozen clock
    today = clock.now().astimezone(LOCAL_TZ).date()
    for first, last, found in ((today, today, True), (today - timedelta(days=1), today, True),
                               (today - timedelta(days=3), today - timedelta(days=1), False),
                               (today + timedelta(days=1), today + timedelta(days=2), False)):
        html = admin.get(f"/admin/audit?kind=api_client_registered&from={first}&to={last}").get_data(as_text=True)
        assert ('data-kind="api_client_registered"' in html) is found, (first, last)
    with transaction(factory) as session:
        for n in range(60):
            events.audit(session, "cli", "user_updated", {"n": n})
    first = admin.get("/admin/audit?kind=user_updated").get_data(as_text=True)
    assert first.count('data-kind="user_updated"') == 50 and "page=2" in first
    second = admin.get("/admin/audit?kind=user_updated&page=2").get_data(as_text=True)
    assert second.count('data-kind="user_updated"') == 10


def test_bad_filters_are_a_clear_400(as_user):
    admin = as_user("admin")
    for query in ("from=yesterday", "to=0001-01-01", "page=0", "page=99999999999999999999", "kind=DROP%20TABLE",
                  "actor=%00"):
        response = admin.get(f"/admin/audit?{query}")
        assert response.status_code == 400, query


def test_only_administrators_read_the_audit_log(as_user):
    assert as_user("owner").get("/admin/audit").status_code == 403
    assert as_user("intake").get("/admin/audit").status_code == 403


def test_each_case_page_view_by_intake_records_that_the_reporter_was_seen(as_user, drive, factory):
    case_id = drive.report()
    intake = as_user("intake")
    for _ in range(2):
        assert "Nguyễn A" in intake.get(f"/cases/{case_id}").get_data(as_text=True)
    assert count(factory, "reporter_viewed") == 2
    as_user("leader").get(f"/cases/{case_id}")  # leadership does not see the reporter: nothing to record
    assert count(factory, "reporter_viewed") == 2
    task = drive.task(case_id, "screen")
    intake.post("/inbox/claim", data={"case_id": case_id, "task_id": task.task_id})
    assert "Nguyễn A" in intake.get(f"/cases/{case_id}/tasks/{task.task_id}").get_data(as_text=True)
    with transaction(factory) as session:
        pages = session.scalars(select(AuditEntry.detail).where(AuditEntry.kind == "reporter_viewed")).all()
        code = session.get(Case, case_id).code
    assert [p["page"] for p in pages] == ["case", "case", "task"] and all(p["case"] == code for p in pages)
    log = as_user("admin").get("/admin/audit?kind=reporter_viewed")
    assert "Xem thông tin liên hệ của người phản ánh" in text_of(log) and code in text_of(log)


def test_a_refused_task_submission_is_not_saved_with_the_view_entry(as_user, drive, factory):
    case_id = drive.report()
    task = drive.task(case_id, "screen")
    intake = as_user("intake")
    intake.post("/inbox/claim", data={"case_id": case_id, "task_id": task.task_id})
    response = intake.post(f"/cases/{case_id}/tasks/{task.task_id}", data={"screening_outcome": "nonsense"})
    assert response.status_code == 422
    assert drive.task(case_id, "screen").task_id == task.task_id  # still open
    assert count(factory, "reporter_viewed") == 1


def test_the_portal_states_why_contact_is_asked_and_how_long_it_is_kept(browser, app):
    app.config["CONTACT_RETENTION_DAYS"] = 180
    html = browser.get("/report").get_data(as_text=True)
    assert 'id="contact-retention"' in html and "180" in html


def test_the_api_description_states_the_purpose_and_retention(browser, app):
    app.config["CONTACT_RETENTION_DAYS"] = 180
    document = browser.get("/open311/v2/openapi.json").get_json()
    assert "erased 180 days after the case is closed" in document["info"]["description"]
    assert "erased 180 days" in document["paths"]["/requests.json"]["post"]["description"]


def test_the_command_erases_expired_contact_and_refuses_a_bad_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("RR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["init-db"]).exit_code == 0
    result = runner.invoke(main, ["privacy", "erase-expired"])
    assert result.exit_code == 0, result.output
    assert "erased for 0 case(s) closed more than 365 days ago" in result.output
    assert "more than 30 days" in runner.invoke(main, ["privacy", "erase-expired", "--days", "30"]).output
    monkeypatch.setenv("RR_CONTACT_RETENTION_DAYS", "forever")
    refused = runner.invoke(main, ["privacy", "erase-expired"])
    assert refused.exit_code == 1 and "RR_CONTACT_RETENTION_DAYS" in refused.output
    assert runner.invoke(main, ["privacy", "erase-expired", "--days", "0"]).exit_code == 2


def test_after_erasure_the_case_page_says_the_contact_was_erased_not_anonymous(as_user, drive, factory, clock):
    from engine import privacy

    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "out_of_scope",
                                           "screening_reason": "Không thuộc thẩm quyền"})
    clock.advance(days=366)
    with transaction(factory) as session:
        assert len(privacy.erase_expired(session, 365).erased) == 1
    page = as_user("intake").get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="contact-erased"' in page and "Nguyễn A" not in page
    assert count(factory, "reporter_viewed") == 0  # nothing left to see, nothing to record


def test_the_studio_log_keeps_to_process_and_account_changes(as_user, drive, factory):
    case_id = drive.report()
    as_user("intake").get(f"/cases/{case_id}")
    assert count(factory, "reporter_viewed") == 1
    studio_log = as_user("owner").get("/studio/audit").get_data(as_text=True)
    assert 'data-kind="version_deployed"' in studio_log and 'data-kind="reporter_viewed"' not in studio_log
