"""A citizen on a phone sends two reports and finds both under "Phản ánh của tôi" on /track (codes kept in the
browser, never on the server), removes one; later rates a published result with the stars, keyboard only."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import Case
from tests.browser.conftest import watched_tab
from tests.browser.staff import do_task
from tests.browser.test_citizen_journey import PHONE, case_status, fits_phone


@pytest.fixture
def phone(browser, live_server):
    with watched_tab(browser, live_server, **PHONE) as tab:
        yield tab


def send_report(page, facility: str, address: str) -> str:
    page.goto("/report")
    page.select_option("#r-category", "unlicensed_pharmacy")
    page.fill("#r-description", f"Nhà thuốc {facility} bán thuốc kê đơn không cần đơn.")
    page.fill("#r-facility_name", facility)
    page.fill("#r-address", address)
    page.select_option("#r-ward", "ward-ben-thanh")
    page.check("#anonymous")
    with page.expect_navigation():
        page.tap("#submit-report")
    assert page.url.endswith("/report/done"), page.locator(".invalid-feedback").all_inner_texts()
    page.wait_for_selector("#saved-on-device", state="visible")
    return page.locator("#tracking-code").inner_text().strip()


def listed(page) -> list[str]:
    return page.locator("#my-reports-list li").evaluate_all("items => items.map(i => i.dataset.code)")


def publish(factory, case_id: int) -> None:
    do_task(factory, "intake", case_id, "screen", {"screening_outcome": "in_scope"})
    do_task(factory, "intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate"})
    do_task(factory, "inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra đột xuất."})
    do_task(factory, "inspectorate", case_id, "enter_result",
            {"findings": "Bán thuốc kê đơn không đơn.", "measures": ["fine"], "fine_amount": 5000000,
             "citizen_summary": "Nhà thuốc bị phạt 5 triệu đồng."})
    do_task(factory, "inspector", case_id, "verify_result", {"verification": "accept"})


def test_my_reports_lists_the_reports_sent_from_this_phone_and_one_can_be_removed(phone, live_server, shot):
    page = phone
    page.goto("/track")
    page.wait_for_selector("#my-reports-empty", state="visible")  # nothing sent from this device yet
    assert not page.locator("#my-reports-nojs").is_visible()
    first = send_report(page, "Minh Châu", "88 Lê Lợi")
    second = send_report(page, "An Khang", "17 Pasteur")
    shot(page, "receipt-saved")
    stored = page.evaluate("() => localStorage.getItem('rr.myReports')")
    assert first in stored and second in stored

    with transaction(live_server.factory) as session:  # intake classifies the first one: it has a deadline now
        first_id = session.scalar(select(Case.id).where(Case.code == first))
    do_task(live_server.factory, "intake", first_id, "screen", {"screening_outcome": "in_scope"})
    do_task(live_server.factory, "intake", first_id, "classify", {"level": 2, "handling_unit": "inspectorate"})

    page.goto("/track")
    page.wait_for_function("() => [...document.querySelectorAll('#my-reports-list .badge')].length === 2")
    assert listed(page) == [second, first]  # newest first
    newest, oldest = page.locator("#my-reports-list li").all()
    assert live_server.status_label("received") in newest.inner_text() and newest.locator(".due-badge").count() == 0
    assert live_server.status_label("in_handling") in oldest.inner_text()
    assert "giờ" in oldest.locator(".due-badge").inner_text()  # the time left to the 48-hour deadline
    assert "kê đơn" not in newest.inner_text() + oldest.inner_text()  # status, not the report's description
    assert fits_phone(page), "My reports scrolls sideways on a phone"
    shot(page, "my-reports")

    # open one: the link goes to its track page
    with page.expect_navigation():
        page.locator(f"#my-reports-list li[data-code='{first}'] a").tap()
    assert page.locator("#track-code").inner_text().strip() == first

    # remove the other one: gone from the list and from the device, not from the department
    page.goto("/track")
    page.wait_for_function("() => document.querySelectorAll('#my-reports-list .badge').length === 2")
    page.locator(f"#my-reports-list li[data-code='{second}'] .my-report-remove").tap()
    assert listed(page) == [first]
    assert page.evaluate("() => document.activeElement.id") == "my-reports-title"
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('#my-reports-list .badge').length === 1")
    assert listed(page) == [first]
    with transaction(live_server.factory) as session:
        assert session.scalar(select(Case.id).where(Case.code == second)) is not None
    shot(page, "my-reports-after-remove")


def test_a_citizen_rates_a_published_result_with_the_stars_using_the_keyboard(phone, live_server, shot):
    page = phone
    code = send_report(page, "Phúc Khang", "5 Hàm Nghi")
    with transaction(live_server.factory) as session:
        case_id = session.scalar(select(Case.id).where(Case.code == code))
    publish(live_server.factory, case_id)

    page.goto(f"/track?code={code.replace('-', '').lower()}")  # the code typed any way
    page.wait_for_selector("#fb-rating-group")
    # a mistake first: no stars chosen → the track page again, the answer kept, the error named
    page.check("#fb-resolved")
    page.fill("#fb-feedback_comment", "Đã xử lý nhanh.")
    with page.expect_navigation():
        page.click("#send-feedback")
    assert f"/track?code={code}" in page.url
    assert page.locator("#fb-rating-error").is_visible()
    assert page.locator("#fb-resolved").is_checked()
    assert page.locator("#fb-feedback_comment").input_value() == "Đã xử lý nhanh."
    shot(page, "rating-error")

    # the keyboard: Tab from the "yes/no" question into the stars, arrows to 4 stars
    page.focus("#fb-resolved-1")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "rating"
    page.keyboard.press("Space")  # the first star
    assert page.locator("#fb-rating-1").is_checked()
    for _ in range(3):  # a radio group: each arrow moves on and chooses
        page.keyboard.press("ArrowRight")
    assert page.locator("#fb-rating-4").is_checked()
    outline = page.evaluate("() => getComputedStyle(document.querySelector('label[for=fb-rating-4]')).outlineStyle")
    assert outline != "none", "the focused star shows no focus"
    filled = page.evaluate("""() => [1, 2, 3, 4, 5].map(n => getComputedStyle(
        document.querySelector('label[for=fb-rating-' + n + ']'), '::before').content)""")
    assert [("★" in f) for f in filled] == [True, True, True, True, False], filled
    shot(page, "four-stars")
    page.keyboard.press("Tab")  # on to the comment, then send with the keyboard
    assert page.evaluate("() => document.activeElement.id") == "fb-feedback_comment"
    page.focus("#send-feedback")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".alert-success").is_visible()
    assert case_status(live_server.factory, case_id) == "closed"
