""""My reports" on /track: the codes live in the citizen's browser (static/my-reports.js); the server only
answers one code's status at a time, within the lookup budget, and says what the list is without JavaScript."""
from __future__ import annotations

import re

from engine.db import transaction
from engine.models import AuditEntry, Case
from tests.webui.test_portal import publish, submit, tracking_code


def test_the_receipt_page_hands_its_code_to_the_device_script(browser):
    submit(browser)
    html = browser.get("/report/done").get_data(as_text=True)
    code = tracking_code(browser)
    assert f'data-my-report="{code}"' in html and "/static/my-reports.js" in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # no inline script (the CSP forbids it)


def test_the_track_page_has_my_reports_with_a_note_for_browsers_without_javascript(browser):
    html = browser.get("/track").get_data(as_text=True)
    assert 'id="my-reports"' in html and "Phản ánh của tôi" in html
    assert re.search(r'id="my-reports-nojs">[^<]*JavaScript', html)
    assert 'data-status-url="/track/status.json"' in html and "/static/my-reports.js" in html
    script = browser.get("/static/my-reports.js")
    body = script.get_data(as_text=True)
    script.close()
    assert script.status_code == 200 and "localStorage" in body


def test_the_status_of_one_code_is_its_status_and_time_left(browser, drive, factory):
    submit(browser, {"facility_name": "Spa Hoa Hồng"})
    code = tracking_code(browser)
    answer = browser.get("/track/status.json", query_string={"code": code.lower().replace("-", "")})
    data = answer.get_json()
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert data["code"] == code and data["status"] == "received" and data["status_label"] not in ("", "received")
    assert data["facility"] == "Spa Hoa Hồng" and data["url"] == f"/track?code={code}" and not data["can_rate"]
    with transaction(factory) as session:
        case_id = session.query(Case.id).filter(Case.code == code).scalar()
    publish(drive, case_id)
    data = browser.get("/track/status.json", query_string={"code": code}).get_json()
    assert data["status"] == "result_published" and data["can_rate"] and data["deadline_kind"] == "handled"
    assert "đúng hạn" in data["time_text"]  # handled on time, no more countdown


def test_the_status_answer_never_carries_the_reporter_or_staff(browser):
    submit(browser, {"name": "Trần Văn B", "phone": "0903111222"})
    code = tracking_code(browser)
    body = browser.get("/track/status.json", query_string={"code": code}).get_data(as_text=True)
    assert "Trần Văn B" not in body and "0903111222" not in body and "inspectorate" not in body


def test_unknown_codes_are_a_404_and_every_status_lookup_counts_against_the_budget(browser, monkeypatch, factory):
    monkeypatch.setenv("RR_LIMIT_LOOKUP", "2/minute")
    unknown = browser.get("/track/status.json?code=AAAAA-AAAAA")
    assert unknown.status_code == 404 and "error" in unknown.get_json()
    browser.get("/track/status.json?code=AAAAA-AAAAA")
    assert browser.get("/track/status.json?code=AAAAA-AAAAA").status_code == 429
    with transaction(factory) as session:  # looking codes up stores nothing about them
        assert not [e for e in session.query(AuditEntry) if "AAAAA" in repr(e.detail)]
