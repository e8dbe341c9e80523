"""The reporter is told of a similar report only when it is about the same place, and the hint goes away (on the
track page and for staff) once intake screens the report as not a duplicate."""
from __future__ import annotations

from sqlalchemy import select

from engine.db import transaction
from engine.models import Case
from tests.webui.test_portal import submit, tracking_code

NGOC_LAN = {"category": "cosmetic_surgery", "facility_name": "Thẩm mỹ viện Ngọc Lan", "address": "12 Lê Thánh Tôn"}
HINT = "A similar report about this place"


def case_id_of(factory, code: str) -> int:
    with transaction(factory) as session:
        return session.scalar(select(Case.id).where(Case.code == code))


def test_a_report_about_another_house_on_the_street_gets_no_hint(browser):
    submit(browser, NGOC_LAN, key="one")
    submit(browser, {"facility_name": "Ngọc Trai", "address": "45 Lê Thánh Tôn"}, key="two")
    html = browser.get("/report/done").get_data(as_text=True)
    assert 'id="duplicate-hint"' not in html
    code = tracking_code(browser)
    assert 'id="track-duplicate-hint"' not in browser.get(f"/track?code={code}").get_data(as_text=True)


def test_the_hint_goes_when_intake_screens_the_report_as_not_a_duplicate(browser, as_user, drive, factory):
    submit(browser, NGOC_LAN, key="one")
    submit(browser, {**NGOC_LAN, "facility_name": "TMV Ngọc Lan"}, key="two")
    assert 'id="duplicate-hint"' in browser.get("/report/done").get_data(as_text=True)
    code = tracking_code(browser)
    assert 'id="track-duplicate-hint"' in browser.get(f"/track?code={code}").get_data(as_text=True)
    second = case_id_of(factory, code)
    intake = as_user("intake")
    assert 'id="duplicate-of"' in intake.get(f"/cases/{second}").get_data(as_text=True)
    drive.do("intake", second, "screen", {"screening_outcome": "in_scope"})
    assert 'id="track-duplicate-hint"' not in browser.get(f"/track?code={code}").get_data(as_text=True)
    assert 'id="duplicate-of"' not in intake.get(f"/cases/{second}").get_data(as_text=True)
