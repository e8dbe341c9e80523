"""The report's photos on a task page open in an in-page viewer: previous/next with buttons and arrow keys, Esc
closes it and the focus goes back to the thumbnail; the thumbnails never lead to the raw file."""
from __future__ import annotations

import io

from PIL import Image

from engine.attachments import AttachmentStore, Upload
from engine.db import transaction
from engine.models import Attachment
from tests.browser.staff import claim, sign_in


def add_photos(live_server, case_id: int, colours: list[str]) -> None:
    uploads = []
    for n, colour in enumerate(colours, start=1):
        out = io.BytesIO()
        Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
        uploads.append(Upload(f"anh-{n}.jpg", io.BytesIO(out.getvalue())))
    stored = AttachmentStore(live_server.app.config["ATTACHMENTS_DIR"]).save_all(uploads)
    with transaction(live_server.factory) as session:
        session.add_all([Attachment(case_id=case_id, filename=s.filename, content_type=s.content_type, size=s.size,
                                    storage_key=s.storage_key) for s in stored])


def test_photos_open_in_a_viewer_with_previous_next_and_escape(page, live_server, new_case, shot):
    case = new_case()
    add_photos(live_server, case.id, ["red", "green", "blue"])
    sign_in(page, "intake")
    claim(page, case.code, "screen")
    thumbs = page.locator("a.photo-link")
    assert thumbs.count() == 3
    assert all("/cases/photos/" in thumbs.nth(i).get_attribute("href") for i in range(3))  # never the raw file
    thumbs.nth(0).click()
    viewer = page.locator("#photo-viewer")
    assert viewer.is_visible()
    caption = page.locator("#photo-viewer-caption")
    assert caption.inner_text() == "Ảnh 1/3: anh-1.jpg"
    page.locator("[data-viewer=next]").click()
    assert caption.inner_text() == "Ảnh 2/3: anh-2.jpg"
    page.keyboard.press("ArrowRight")
    assert caption.inner_text() == "Ảnh 3/3: anh-3.jpg"
    page.keyboard.press("ArrowRight")  # round again
    assert caption.inner_text() == "Ảnh 1/3: anh-1.jpg"
    page.keyboard.press("ArrowLeft")
    assert caption.inner_text() == "Ảnh 3/3: anh-3.jpg"
    page.wait_for_function("document.getElementById('photo-viewer-image').naturalWidth > 0")
    shot(page, "viewer")
    page.keyboard.press("Escape")
    assert not viewer.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('photo-link')")


def test_without_javascript_a_thumbnail_opens_the_photos_page(browser, live_server, new_case):
    from tests.browser.conftest import watched_tab

    case = new_case()
    add_photos(live_server, case.id, ["red", "green"])
    with watched_tab(browser, live_server, java_script_enabled=False) as tab:
        tab.goto("/login")
        tab.fill("#username", "intake")
        tab.fill("#password", "demo")
        with tab.expect_navigation():
            tab.click("#sign-in")
        tab.goto(f"/cases/{case.id}")
        with tab.expect_navigation():
            tab.locator("a.photo-link").first.click()
        assert "/cases/photos/" in tab.url
        assert tab.locator("img.photo-page-image").count() == 1 and tab.locator("a[rel=next]").count() == 1
