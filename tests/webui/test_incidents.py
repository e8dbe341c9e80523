"""The incidents page: a case that goes over a limit on diagrams shows up at once, and an administrator can
suspend, resume or cancel a runaway case with a reason (kept in the case timeline and the audit log)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import AuditEntry
from tests.factories import deploy_main_changed

DEADLINE_LINE = "deadline_at = hours_after(received_at, sla_hours)"


def task_url(item) -> str:
    return f"/cases/{item.case_id}/tasks/{item.task_id}"


def audit_kinds(factory) -> list[str]:
    with transaction(factory) as session:
        return list(session.scalars(select(AuditEntry.kind).where(AuditEntry.kind.like("case_%"))
                                    .order_by(AuditEntry.id)))


def test_a_bad_timer_value_gives_a_clear_error_and_an_incident_the_admin_sees(as_user, drive, factory):
    deploy_main_changed(factory, DEADLINE_LINE, "deadline_at = report['facility_name']")
    case_id = drive.report(facility_name="9999-12-31T23:59:59-14:00")
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    response = as_user("intake").post(task_url(drive.task(case_id, "classify")),
                                      data={"level": "1", "handling_unit": "ward-ben-thanh"})
    assert response.status_code == 422
    assert "cách hiện tại hơn 5 năm" in response.get_data(as_text=True)  # the reason, in the page's language
    assert drive.task_names(case_id) == ["classify"]  # nothing of the step was saved
    html = as_user("admin").get("/admin/incidents").get_data(as_text=True)
    assert f'data-case-code="{drive.case(case_id).code}"' in html and "table-danger" in html


def test_an_admin_suspends_a_runaway_case_by_its_code_and_resumes_it(as_user, drive, factory, create_case):
    case_id = create_case(1)
    code = drive.case(case_id).code
    admin = as_user("admin")
    response = admin.post("/admin/incidents/suspend", data={"code": code, "reason": "reminder storm"})
    assert response.status_code == 302
    html = admin.get("/admin/incidents").get_data(as_text=True)
    assert f'data-case-code="{code}"' in html and "reminder storm" in html
    refused = as_user("ward").post(task_url(drive.task(case_id, "start_handling")),
                                   data={"handling_plan": "Kiểm tra"})
    assert refused.status_code == 409 and "reminder storm" in refused.get_data(as_text=True)
    assert drive.advance(hours=21).woken == 0
    assert admin.post(f"/admin/incidents/{case_id}/resume", data={"reason": "diagram fixed"}).status_code == 302
    assert drive.advance(minutes=1).fired == 1
    assert audit_kinds(factory) == ["case_suspended", "case_resumed"]
    timeline = admin.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-kind="case_suspended"' in timeline and "reminder storm" in timeline and "diagram fixed" in timeline


def test_an_admin_cancels_a_case_which_closes_it(as_user, drive, factory, create_case):
    case_id = create_case(1)
    response = as_user("admin").post(f"/admin/incidents/{case_id}/cancel", data={"reason": "sent twice by mistake"})
    assert response.status_code == 302
    case = drive.case(case_id)
    assert (case.status, case.outcome) == ("closed", "cancelled")
    assert drive.task_names(case_id) == []
    assert audit_kinds(factory) == ["case_cancelled"]


@pytest.mark.parametrize(("url", "data", "message"), [
    ("/admin/incidents/{id}/suspend", {"reason": " "}, "Hãy nhập lý do"),
    ("/admin/incidents/suspend", {"code": "NOPE", "reason": "x"}, "Không có hồ sơ nào có mã tra cứu này."),
])
def test_a_missing_reason_or_unknown_code_is_a_clear_error(as_user, drive, factory, url, data, message):
    case_id = drive.report()
    response = as_user("admin").post(url.format(id=case_id), data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert not drive.case(case_id).suspended and audit_kinds(factory) == []


def test_only_administrators_suspend_cases(as_user, drive):
    case_id = drive.report()
    for user in ("leader", "intake", "chief"):
        assert as_user(user).post(f"/admin/incidents/{case_id}/suspend", data={"reason": "x"}).status_code == 403
    assert not drive.case(case_id).suspended


def test_the_command_line_suspends_resumes_and_cancels_with_a_reason(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from engine.db import make_engine, make_session_factory
    from engine.models import Case
    from webui.cli import main

    monkeypatch.setenv("RR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    assert run("init-db").exit_code == 0 and run("seed-demo").exit_code == 0
    sessions = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'rapid_response.sqlite3'}"))
    with transaction(sessions) as session:
        case_id, code = session.execute(select(Case.id, Case.code).order_by(Case.id).limit(1)).one()
    refused = run("cases", "suspend", str(case_id), "--reason", "  ")
    assert refused.exit_code == 1 and "A reason is required" in refused.output  # the CLI speaks English
    assert run("cases", "suspend", code, "--reason", "storm", "--by", "ops").exit_code == 0
    again = run("cases", "suspend", str(case_id), "--reason", "storm")
    assert again.exit_code == 1 and "already suspended" in again.output
    assert run("cases", "resume", str(case_id), "--reason", "fixed").exit_code == 0
    result = run("cases", "cancel", str(case_id), "--reason", "duplicate by phone")
    assert result.exit_code == 0 and f"case {code}: cancel done" in result.output
    unknown = run("cases", "cancel", "NOPE", "--reason", "x")
    assert unknown.exit_code == 1 and "No case has this tracking code" in unknown.output
    with transaction(sessions) as session:
        case = session.get(Case, case_id)
        assert (case.status, case.outcome, case.suspended) == ("closed", "cancelled", False)
        assert list(session.scalars(select(AuditEntry.actor).where(AuditEntry.kind.like("case_%")))) == \
            ["ops", "cli", "cli"]


@pytest.mark.parametrize(("value", "expected"), [("", None), ("2000000", 2_000_000)])
def test_the_case_document_limit_comes_from_the_environment(monkeypatch, value, expected):
    from webui import config

    monkeypatch.setenv("RR_MAX_CASE_BYTES", value)
    assert config.max_case_bytes() == expected


@pytest.mark.parametrize("value", ["1MB", "-5", "100"])
def test_a_wrong_case_document_limit_is_refused_at_start(monkeypatch, value):
    from webui import config

    monkeypatch.setenv("RR_MAX_CASE_BYTES", value)
    with pytest.raises(ValueError, match="RR_MAX_CASE_BYTES"):
        config.max_case_bytes()
