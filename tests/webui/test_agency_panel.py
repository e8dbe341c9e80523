"""The agency panel on the case page of a level-3 case: each agency's invitation, acknowledgement, contribution,
lateness and confirmations, and what is still expected from whom."""
from __future__ import annotations

import lxml.html
import pytest

from tests.engine.test_level3_scenarios import ACK, contribute, level_3


def panel_of(as_user, user: str, case_id: int, language: str = "vi") -> lxml.html.HtmlElement:
    browser = as_user(user)
    browser.post(f"/lang/{language}")
    html = browser.get(f"/cases/{case_id}").get_data(as_text=True)
    return lxml.html.fromstring(html).get_element_by_id("agency-panel")


def test_the_inspectorate_sees_each_agency_its_lateness_and_what_is_expected(as_user, drive):
    case_id = level_3(drive, ["police", "market-mgmt"])
    drive.do("police", case_id, "acknowledge_request", ACK, unit="police")
    drive.do("police", case_id, "contribute_findings", contribute(), unit="police")
    drive.advance(hours=4, minutes=1)  # market management has not acknowledged in 4 hours: told at once
    drive.clock.advance(hours=1)
    panel = panel_of(as_user, "inspectorate", case_id)
    rows = {r.get("data-agency"): r for r in panel.xpath(".//tbody/tr[not(@class)]")}
    assert list(rows) == ["police", "market-mgmt"]
    assert rows["police"].xpath("th")[0].text_content().strip() == "Công an Thành phố"
    assert rows["police"].xpath("td[@class='late-by']")[0].text_content().strip() == "—"
    assert "1 giờ" in rows["market-mgmt"].xpath("td[@class='late-by']")[0].text_content()
    expected = panel.xpath(".//tr[@class='agency-detail'][@data-agency='market-mgmt']//div[@class='expected']")
    assert [e.get("data-task") for e in expected] == ["acknowledge_request"]
    assert [e.get("data-task") for e in panel.get_element_by_id("inspectorate-expected").xpath("span")] == [
        "coordinate"]


@pytest.mark.parametrize(("language", "acknowledge", "coordinate"), [
    ("vi", "Còn chờ: Xác nhận tiếp nhận yêu cầu", "Điều phối liên ngành"),
    ("en", "Expected: Acknowledge the request", "Coordinate the agencies")], ids=["vi", "en"])
def test_what_is_expected_is_named_in_the_pages_language_only(as_user, drive, language, acknowledge, coordinate):
    case_id = level_3(drive, ["police"])
    panel = panel_of(as_user, "inspectorate", case_id, language)
    expected = panel.xpath(".//tr[@class='agency-detail'][@data-agency='police']//div[@class='expected']")
    assert " ".join(expected[0].text_content().split()).startswith(acknowledge + " · ")
    assert panel.get_element_by_id("inspectorate-expected").xpath("span")[0].text_content() == coordinate


def test_an_invited_agencys_coordinator_sees_the_panel_of_the_case(as_user, drive):
    case_id = level_3(drive, ["police"])
    drive.do("inspectorate", case_id, "coordinate", {"action": "invite_agency", "invited_agency": "labour"})
    panel = panel_of(as_user, "labour", case_id)
    assert [r.get("data-agency") for r in panel.xpath(".//tbody/tr[not(@class)]")] == ["police", "labour"]


def test_a_case_without_agencies_has_no_panel(as_user, create_case):
    case_id = create_case(2, at="start_handling")
    html = as_user("inspectorate").get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="agency-panel"' not in html


def test_the_coordination_form_offers_the_agencies_and_refuses_an_agency_not_invited_at_its_field(as_user, drive):
    case_id = level_3(drive, ["police"])
    item = drive.task(case_id, "coordinate")
    page = f"/cases/{case_id}/tasks/{item.task_id}"
    html = as_user("inspectorate").get(page).get_data(as_text=True)
    for name in ("action", "invited_agency", "request_agency", "answer_hours", "inspection_agencies"):
        assert f'name="{name}"' in html
    assert "Sở Nội vụ" in html  # agencies offered by name
    response = as_user("inspectorate").post(page, data={
        "action": "information_request", "request_agency": "labour", "request_question": "Hồ sơ học viên?",
        "answer_hours": "24", "row_version": drive.case(case_id).row_version})
    assert response.status_code == 422
    assert 'id="f-request_agency-error"' in response.get_data(as_text=True)
    assert "answer_information_request" not in drive.task_names(case_id)  # nothing was sent


def test_the_timeline_says_who_each_notification_went_to(as_user, drive):
    case_id = level_3(drive, ["police", "market-mgmt"])
    drive.do("police", case_id, "acknowledge_request", ACK, unit="police")
    drive.advance(hours=4, minutes=1)  # market management has not acknowledged in 4 hours: told, with others
    html = as_user("inspectorate").get(f"/cases/{case_id}").get_data(as_text=True)
    told = [" ".join(e.text_content().split()) for e in lxml.html.fromstring(html).xpath(
        "//li[@data-kind='notified']//span[@class='notified-to']")]
    # three entries of the same notice, no longer three identical lines: the late agency, the inspectorate, intake
    assert told == ["→ Chi cục Quản lý thị trường", "→ Thanh tra Sở Y tế", "→ Tổ phản ứng nhanh (tiếp nhận)"]
