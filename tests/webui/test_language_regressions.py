"""What users saw in the wrong language (issue 16), each in Vietnamese and in English: task and lane names, form
errors, the outcome, error pages, the studio's process name and draft note, the stray space in the timeline, and
the category names citizens and staff read."""
from __future__ import annotations

import json
import re

from lxml import html
from sqlalchemy import select

from engine import glossary, studio, versions
from engine.db import transaction
from engine.models import Case, ProcessDraft
from tests.webui.conftest import text_of
from tests.webui.test_portal import REPORT, publish, submit, tracking_code
from tests.webui.test_studio import MAIN_FILE, ORIGINAL


def in_language(client, language: str):
    client.post(f"/lang/{language}")
    return client


def screened_and_classified(drive, level: int = 2, unit: str = "inspectorate") -> int:
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": level, "handling_unit": unit})
    return case_id


def test_task_names_show_only_the_pages_language(as_user, drive):
    drive.report()
    vi = text_of(as_user("intake").get("/inbox/"))
    assert "Sàng lọc" in vi and "Screen" not in vi
    en = text_of(in_language(as_user("intake"), "en").get("/inbox/"))
    assert "Screen" in en and "Sàng lọc" not in en


def test_the_diagram_viewer_gets_names_and_lanes_in_the_pages_language(as_user, drive):
    case_id = drive.report()
    vi = as_user("intake").get(f"/cases/{case_id}/diagram.bpmn").get_data(as_text=True)
    lanes = re.findall(r'<bpmn:lane id="[^"]+" name="([^"]+)"', vi)
    assert glossary.term("roles", "intake", "vi") in lanes and "intake" not in lanes and "handling_unit" not in lanes
    assert 'name="Sàng lọc"' in vi and "Screen" not in vi
    en = in_language(as_user("intake"), "en").get(f"/cases/{case_id}/diagram.bpmn").get_data(as_text=True)
    assert 'name="Screen"' in en and 'name="Handling unit"' in en and "Sàng lọc" not in en
    assert 'id="lane_intake"' in en  # ids (and the engine's lane names in the stored diagram) are unchanged


def test_citizens_read_form_errors_in_one_language(browser):
    vi = submit(browser, {"description": "", "address": ""}, key="lang-vi")
    assert vi.status_code == 422
    page = text_of(vi)
    assert "Bắt buộc nhập" in page and "required" not in page.lower()
    en = submit(in_language(browser, "en"), {"description": "", "address": ""}, key="lang-en")
    assert "Required" in text_of(en) and "Bắt buộc" not in text_of(en)


def test_a_rating_out_of_range_says_must_be_at_most_5_in_one_language(browser, drive, factory):
    submit(browser, key="lang-rate")
    code = tracking_code(browser)
    with transaction(factory) as session:
        publish(drive, session.scalar(select(Case.id).where(Case.code == code)))
    bad = browser.post("/track/feedback", data={"code": code, "resolved": "true", "rating": "9"})
    error = html.fromstring(bad.get_data()).get_element_by_id("fb-rating-error").text_content()
    assert error.strip() == "Phải không quá 5"
    bad = in_language(browser, "en").post("/track/feedback", data={"code": code, "resolved": "true", "rating": "9"})
    assert html.fromstring(bad.get_data()).get_element_by_id("fb-rating-error").text_content().strip() == \
        "Must be at most 5"


def test_the_outcome_is_named_not_coded(as_user, drive, factory):
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "out_of_scope", "screening_reason": "Không thuộc"})
    with transaction(factory) as session:
        outcome = session.get(Case, case_id).outcome
    assert outcome == "out_of_scope"
    vi = text_of(as_user("intake").get(f"/cases/{case_id}"))
    assert glossary.term("outcomes", outcome, "vi") in vi and "out_of_scope" not in vi
    en = text_of(in_language(as_user("intake"), "en").get(f"/cases/{case_id}"))
    assert glossary.term("outcomes", outcome, "en") in en


def test_error_pages_speak_the_pages_language(as_user, browser, drive):
    missing = as_user("intake").get("/cases/999999")
    assert missing.status_code == 404 and "Không có vụ việc 999999" in text_of(missing)
    assert "does not exist" not in text_of(missing)
    missing = in_language(as_user("intake"), "en").get("/cases/999999")
    assert "Case 999999 does not exist" in text_of(missing)

    other_unit = screened_and_classified(drive)  # the inspectorate's case: not the ward's
    refused = as_user("ward").get(f"/cases/{other_unit}")
    assert refused.status_code == 403 and "thuộc đơn vị khác" in text_of(refused)
    assert "another unit" not in text_of(refused)

    nowhere = browser.get("/no/such/page")
    assert nowhere.status_code == 404 and "Không có trang nào ở địa chỉ này" in text_of(nowhere)
    assert "requested URL" not in text_of(nowhere)
    nowhere = in_language(browser, "en").get("/no/such/page")
    assert "There is no page at this address" in text_of(nowhere)
    assert "The requested URL was not found on the server" not in text_of(nowhere)


def test_the_studio_names_the_process_and_the_drafts_base_in_one_language(as_user, factory):
    owner = as_user("owner")
    page = text_of(owner.get("/studio/"))
    assert "Quy trình phản ứng nhanh" in page and "rapid_response" not in page
    version_id = re.search(r'/studio/versions/(\d+)"', owner.get("/studio/rapid_response").get_data(as_text=True))
    created = owner.post(f"/studio/versions/{version_id.group(1)}/draft")
    assert created.status_code == 302
    with transaction(factory) as session:
        draft = session.scalars(select(ProcessDraft)).first()
        assert draft.note is None  # no English note stored: the page says what the draft is based on
    page = text_of(owner.get(f"/studio/drafts/{draft.id}"))
    assert "dựa trên phiên bản" in page and "based on version" not in page
    page = text_of(in_language(owner, "en").get("/studio/"))
    assert "Rapid-response procedure" in page


def test_the_timeline_has_no_space_before_a_colon(as_user, drive):
    case_id = screened_and_classified(drive)
    page = html.fromstring(as_user("intake").get(f"/cases/{case_id}").get_data())
    changes = [" ".join(li.text_content().split()) for li in page.xpath('//li[@data-kind="status_changed"]')]
    assert changes and all("Thay đổi trạng thái:" in text and " :" not in text for text in changes), changes


def test_citizens_and_staff_read_the_same_category_names(browser, as_user, drive):
    form = text_of(browser.get("/report"))
    drive.report(category="service_prices")
    inbox = text_of(as_user("intake").get("/inbox/"))
    name = glossary.term("categories", "service_prices", "vi")
    assert name == "Giá dịch vụ y tế" and name in form and name in inbox
    conduct = glossary.term("categories", "staff_conduct", "vi")
    assert conduct in form and conduct in text_of(as_user("intake").get("/cases/"))
    assert REPORT["category"] == "cosmetic_surgery"
    assert glossary.term("categories", "cosmetic_surgery", "vi") in form


def test_a_broken_drafts_problems_are_in_the_pages_language(as_user, factory):
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session)).id
    broken = ORIGINAL.replace('name="citizen"', 'name="passers_by"', 1)
    owner = in_language(as_user("owner"), "vi")
    saved = owner.post(f"/studio/drafts/{draft}/diagram?file={MAIN_FILE}", data=broken.encode(),
                       content_type="application/xml")
    messages = [p["message"] for p in saved.json["problems"]]
    assert "làn “passers_by” không phải là một vai trò (dùng một trong: " in " ".join(messages)
    assert not any("is not a role" in m for m in messages)
    page = owner.get(f"/studio/drafts/{draft}/deploy")
    assert "làn “passers_by” không phải là một vai trò" in text_of(page) and "is not a role" not in text_of(page)
    confirm = re.search(r'name="confirm" value="([0-9a-f]{64})"', page.get_data(as_text=True)).group(1)
    refused = owner.post(f"/studio/drafts/{draft}/deploy", data={"note": "", "confirm": confirm})
    assert refused.status_code == 422  # the editor lists the problems and hands them to its script, in Vietnamese
    assert "làn “passers_by” không phải là một vai trò" in text_of(refused)
    initial = json.loads(html.fromstring(refused.get_data(as_text=True)).get_element_by_id("initial-problems").text)
    assert [p["message"] for p in initial] == messages
    english = in_language(owner, "en").post(f"/studio/drafts/{draft}/validate?file={MAIN_FILE}",
                                            data=broken.encode(), content_type="application/xml")
    messages = [p["message"] for p in english.json["problems"]]
    assert "lane “passers_by” is not a role (use one of: " in " ".join(messages)
    assert not any("vai trò" in m for m in messages)
