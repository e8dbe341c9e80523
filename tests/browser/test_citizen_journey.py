"""The citizen journey in a real browser on a phone-sized screen: report a violation with a photo (carrying GPS
data), get a tracking code; later (after staff handled the case) follow it, read what the department told them at
each step (also e-mailed), see the result and the photo (stripped of its metadata), and rate it — which closes the
case."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask_babel import gettext
from PIL import Image
from sqlalchemy import select

from engine.db import transaction
from engine.models import Attachment, Case, OutboxEmail
from tests.browser.conftest import watched_tab
from tests.browser.staff import do_task

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/120.0 Mobile Safari/537.36"}
GPS_IFD = 0x8825
FITS_WIDTH = "document.documentElement.scrollWidth <= window.innerWidth + 1"
SUMMARY = "Cơ sở đã bị xử phạt 20.000.000 đồng và buộc ngừng tiêm filler. Cảm ơn Ông/Bà đã phản ánh."
EMAIL = "hoa.citizen@example.org"


@pytest.fixture
def phone(browser, live_server):
    """A fresh phone-sized, touch browser context on the live server, watched like the `page` fixture."""
    with watched_tab(browser, live_server, **PHONE) as tab:
        yield tab


def photo_with_gps(folder: Path) -> Path:
    """A small JPEG as a phone camera makes it: maker, model and the place it was taken in its EXIF."""
    image = Image.new("RGB", (640, 480), (200, 60, 90))
    for x in range(0, 640, 40):  # something to look at in the screenshots
        image.paste((250, 230, 80), (x, 200, x + 20, 280))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (10.0, 46.0, 30.5), 3: "E", 4: (106.0, 41.0, 58.2)})  # Bến Thành, Ho Chi Minh City
    path = folder / "IMG_20261125_0930.jpg"
    image.save(path, format="JPEG", exif=exif, quality=90)
    with Image.open(path) as check:
        assert check.getexif().get_ifd(GPS_IFD), "the test photo must carry GPS data"
    return path


def case_status(factory, case_id: int) -> str:
    with transaction(factory) as session:
        return session.scalar(select(Case.status).where(Case.id == case_id))


def case_id_of(factory, code: str) -> int:
    with transaction(factory) as session:
        return session.scalar(select(Case.id).where(Case.code == code))


def original_photo(live_server, case_id: int) -> Path:
    """Where the reporter's photo is kept as sent (the evidence, for staff only)."""
    with transaction(live_server.factory) as session:
        keys = session.scalars(select(Attachment.storage_key).where(Attachment.case_id == case_id)).all()
    assert len(keys) == 1, f"expected the one photo stored with the case, found {keys}"
    return Path(live_server.app.config["ATTACHMENTS_DIR"]) / keys[0]


def translated(app, text: str) -> str:
    with app.test_request_context("/"):
        return str(gettext(text))


def message_steps(page) -> list[str]:
    """The steps of the reporter's messages on the track page, newest first."""
    return page.locator("#track-messages li").evaluate_all("items => items.map(i => i.dataset.step)")


def mail_subjects(factory, address: str) -> list[str]:
    with transaction(factory) as session:
        return list(session.scalars(select(OutboxEmail.subject).where(OutboxEmail.to_addr == address)
                                    .order_by(OutboxEmail.id)))


def fits_phone(tab) -> bool:
    return tab.evaluate(FITS_WIDTH)


def test_citizen_reports_with_a_photo_on_a_phone_then_sees_the_result_and_rates_it(phone, live_server, shot,
                                                                                  tmp_path):
    page = phone
    photo = photo_with_gps(tmp_path)

    # the landing page: tap "report a violation"
    page.goto("/")
    shot(page, "landing")
    with page.expect_navigation():
        page.tap("#start-report")
    assert page.url.endswith("/report"), page.url

    # the report form, filled in with a thumb
    assert page.locator("#r-category").evaluate("e => e.tagName") == "SELECT"  # 8 categories: a select
    page.select_option("#r-category", "cosmetic_surgery")
    page.fill("#r-description", "Cơ sở tiêm filler không phép tại tầng 2, khách ra vào nhiều buổi tối.")
    page.fill("#r-facility_name", "Spa Hoa Mai")
    page.fill("#r-address", "45 Nguyễn Huệ")
    page.select_option("#r-ward", "ward-ben-thanh")
    page.set_input_files("#files", str(photo))
    page.fill("#c-phone", "0901 234 567")
    page.fill("#c-email", EMAIL)
    assert not page.locator("#anonymous").is_checked()
    assert fits_phone(page), "the report form scrolls sideways on a phone"
    shot(page, "report-form-filled")
    with page.expect_navigation():
        page.tap("#submit-report")
    assert page.url.endswith("/report/done"), \
        f"the report was not accepted (now at {page.url}): {page.locator('.invalid-feedback').all_inner_texts()}"
    code = page.locator("#tracking-code").inner_text().strip()
    assert code, "no tracking code shown"
    shot(page, "report-done")
    case_id = case_id_of(live_server.factory, code)
    assert case_status(live_server.factory, case_id) == "received"
    with Image.open(original_photo(live_server, case_id)) as evidence:
        assert evidence.getexif().get_ifd(GPS_IFD), "the original (evidence) lost its GPS data on the way"

    # staff handle the case (engine services, no UI): level 2, inspectorate, fine, verified → published
    factory = live_server.factory
    do_task(factory, "intake", case_id, "screen", {"screening_outcome": "in_scope"})
    do_task(factory, "intake", case_id, "classify", {"level": 2, "handling_unit": "inspectorate"})
    do_task(factory, "inspectorate", case_id, "start_handling", {"handling_plan": "Kiểm tra đột xuất cơ sở."})
    do_task(factory, "inspectorate", case_id, "enter_result",
            {"findings": "Cơ sở tiêm filler không có giấy phép.", "measures": ["fine"], "fine_amount": 20000000,
             "citizen_summary": SUMMARY})
    do_task(factory, "inspector", case_id, "verify_result", {"verification": "accept"})
    assert case_status(factory, case_id) == "result_published"

    # later: the citizen types the code on the track page
    page.goto("/track")
    shot(page, "track-lookup")
    page.fill("#code", code)
    with page.expect_navigation():
        page.tap("#track-button")
    assert page.locator("#track-code").inner_text().strip() == code
    assert page.locator("#track-status").inner_text().strip() == live_server.status_label("result_published")
    steps = page.locator("#track-timeline li").evaluate_all("items => items.map(i => i.dataset.step)")
    assert steps == ["received", "classified", "in_handling", "result_published"], steps
    assert SUMMARY in page.locator("#track-result").inner_text()
    # what the reporter was told at each step, newest first, with its time; each one also went out by e-mail
    assert message_steps(page) == ["result_published", "classified", "received"], message_steps(page)
    messages = page.locator("#track-messages li")
    assert SUMMARY in messages.nth(0).inner_text() and "#feedback" in messages.nth(0).inner_text()
    assert "Thanh tra Sở" in messages.nth(1).inner_text() and "2" in messages.nth(1).inner_text()
    assert code in messages.nth(2).inner_text()
    assert all(":" in t for t in messages.locator("small").all_inner_texts())  # a time on each message
    assert len(mail_subjects(live_server.factory, EMAIL)) == 3
    messages.nth(0).scroll_into_view_if_needed()
    shot(page, "track-messages")
    thumb = page.locator("img.attachment-thumb")
    assert thumb.count() == 1, "the photo is not shown on the track page"
    thumb.scroll_into_view_if_needed()  # loading="lazy"
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert fits_phone(page), "the track page scrolls sideways on a phone"
    shot(page, "track-result")

    # the public photo: the same picture, without any metadata
    photo_url = thumb.evaluate("img => img.src")
    response = page.request.get(photo_url)
    assert response.status == 200, f"{response.status} {photo_url}"
    assert response.headers["content-type"].startswith("image/jpeg")
    with Image.open(io.BytesIO(response.body())) as public:
        assert public.size == (640, 480)
        assert not public.getexif(), f"the public photo still has EXIF: {dict(public.getexif())}"
        assert not public.getexif().get_ifd(GPS_IFD)
    assert page.request.get(photo_url.replace(code, "XXXXX-XXXXX")).status == 404  # the code is the key

    # the rating: resolved, 5 stars, a comment
    form = page.locator("#feedback")
    assert form.is_visible()
    assert page.locator("#fb-resolved").get_attribute("value") == "true"
    page.check("#fb-resolved")
    page.click("label[for=fb-rating-5]")  # five stars
    assert page.locator("#fb-rating-5").is_checked()
    page.fill("#fb-feedback_comment", "Cảm ơn Sở Y tế đã xử lý nhanh.")
    form.scroll_into_view_if_needed()
    shot(page, "feedback-filled")
    with page.expect_navigation():
        page.tap("#send-feedback")
    flash = page.locator(".alert-success")
    assert flash.is_visible(), "no thank-you message after rating"
    assert translated(live_server.app, "Thank you. Your answer has been recorded.") in flash.inner_text()
    assert page.locator("#feedback").count() == 0, "the rating form is still offered after rating"
    assert case_status(factory, case_id) == "closed"
    assert page.locator("#track-status").inner_text().strip() == live_server.status_label("closed")
    assert message_steps(page)[0] == "closed", message_steps(page)
    assert len(mail_subjects(factory, EMAIL)) == 4
    assert fits_phone(page), "the track page scrolls sideways on a phone after rating"
    shot(page, "feedback-thanks")

    assert not page.watch.server_errors, page.watch.server_errors
    assert all(status < 500 for status, _ in page.watch.responses), page.watch.responses
