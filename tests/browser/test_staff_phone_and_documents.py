"""Staff on a phone and staff documents in a real browser: the inbox at 366 px wide is a list of cards with the
filters folded and *Claim* within reach; at *Enter result* the handling unit attaches the inspection record
(a fake PDF is refused first, the input kept) and the case page lists it."""
from __future__ import annotations

from tests.browser.conftest import watched_tab
from tests.browser.staff import claim, complete, do_task, sign_in

PHONE = {"width": 366, "height": 800}
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def test_the_inbox_on_a_phone_is_cards_with_claim_within_reach(browser, live_server, new_case, shot):
    case = new_case()
    with watched_tab(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True) as tab:
        sign_in(tab, "intake")
        shot(tab, "phone-inbox")
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
        panel = tab.locator("#inbox-filter-panel")
        assert panel.get_attribute("open") is None, "the filters take the first screen on a phone"
        assert tab.locator("#inbox-filter-panel > summary").is_visible()
        card = tab.locator(f'tr[data-case-code="{case.code}"][data-task="screen"]')
        button = card.locator("button[name=claim]")
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"Claim is off screen: {box}"
        assert box["height"] >= 40, "Claim is too small to tap"
        card_box = card.bounding_box()
        assert card_box["width"] <= PHONE["width"]
        tab.locator("#inbox-filter-panel > summary").click()
        assert tab.locator("#q").is_visible()  # the filters unfold
        with tab.expect_navigation():
            button.tap()
        assert "/tasks/" in tab.url
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(tab, "phone-task")


def test_on_a_wide_screen_the_inbox_stays_a_table_with_the_filters_open(page, live_server, new_case):
    new_case()
    sign_in(page, "intake")
    assert page.locator("#inbox-filter-panel").get_attribute("open") is not None
    assert page.locator("#inbox-table thead").is_visible()


def test_a_document_attached_at_enter_result_is_listed_on_the_case_page(page, live_server, new_case, shot,
                                                                        tmp_path):
    case = new_case()
    factory = live_server.factory
    do_task(factory, "intake", case.id, "screen", {"screening_outcome": "in_scope"})
    do_task(factory, "intake", case.id, "classify", {"level": 2, "handling_unit": "inspectorate"})
    do_task(factory, "inspectorate", case.id, "start_handling", {"handling_plan": "Kiểm tra đột xuất."})
    fake = tmp_path / "quyet-dinh.pdf"
    fake.write_text("chỉ là văn bản, không phải PDF", encoding="utf-8")
    real = tmp_path / "bien-ban-kiem-tra.pdf"
    real.write_bytes(PDF)

    sign_in(page, "inspectorate")
    claim(page, case.code, "enter_result")
    page.fill("#f-findings", "Cơ sở tiêm filler không có giấy phép hoạt động.")
    page.check("#f-measures")  # warning
    page.fill("#f-citizen_summary", "Cơ sở đã bị nhắc nhở.")
    page.set_input_files("#f-documents", str(fake))
    with page.expect_navigation():
        page.click("#complete-task")
    error = page.locator("#f-documents-error")
    assert error.is_visible() and "quyet-dinh.pdf" in error.inner_text()
    assert page.input_value("#f-findings") == "Cơ sở tiêm filler không có giấy phép hoạt động."  # input kept
    shot(page, "fake-pdf-refused")

    page.set_input_files("#f-documents", str(real))
    complete(page)
    page.goto(f"/cases/{case.id}")
    documents = page.locator("#documents")
    assert "bien-ban-kiem-tra.pdf" in documents.inner_text()
    shot(page, "case-page-with-document")
    href = documents.locator("a", has_text="bien-ban-kiem-tra.pdf").get_attribute("href")
    served = page.request.get(href)  # with the signed-in session (a click would download, leaving the page)
    assert served.ok and served.body() == PDF
    assert 'filename=bien-ban-kiem-tra.pdf' in served.headers["content-disposition"]
