"""The VI | EN switch in a real browser: a button of a small form that keeps the reader on the page they were on,
the tracking code in its address included, and that a signed-in user keeps for their next sign-in."""
from __future__ import annotations

from tests.browser.staff import sign_in, sign_out


def switch(page, code: str) -> None:
    with page.expect_navigation():
        page.click(f"nav button:text-is('{code}')")
    page.wait_for_load_state("load")


def test_switching_language_stays_on_the_page_and_a_staff_members_choice_is_kept(page, live_server, shot):
    page.goto("/track?code=ABCDE-FGHJK")
    assert page.locator("html").get_attribute("lang") == "vi"
    switch(page, "EN")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/track?code=ABCDE-FGHJK")
    shot(page, "english")

    sign_in(page, "intake")
    switch(page, "VI")
    assert page.locator("html").get_attribute("lang") == "vi" and "/inbox" in page.url
    assert page.locator("nav").get_by_text("Đăng xuất").is_visible()
    sign_out(page)
    switch(page, "EN")  # this browser's pages in English, but the account says Vietnamese
    sign_in(page, "intake")
    assert page.locator("html").get_attribute("lang") == "vi"
