"""The main pages pass axe-core with no serious or critical violation: the citizen's report form and tracking
page, the sign-in page, the inbox, a task page, a case page, one's own account page and the studio's list; a
keyboard user can skip to the content."""
from __future__ import annotations

from tests.browser.axe import assert_accessible
from tests.browser.conftest import watched_tab
from tests.browser.staff import claim, sign_in, sign_out


def test_the_main_pages_have_no_serious_accessibility_violation(browser, live_server, new_case):
    case = new_case()
    with watched_tab(browser, live_server, bypass_csp=True) as tab:
        for path, where in (("/report", "the report form"), (f"/track?code={case.code}", "the tracking page"),
                            ("/login", "the sign-in page")):
            tab.goto(path)
            assert_accessible(tab, where)
        sign_in(tab, "intake")
        assert_accessible(tab, "the inbox")
        claim(tab, case.code, "screen")
        assert_accessible(tab, "the screening task page")
        tab.goto(f"/cases/{case.id}")
        tab.wait_for_selector("#diagram svg")
        assert_accessible(tab, "the case page")
        tab.goto("/account")
        assert_accessible(tab, "my account page")
        sign_out(tab)
        sign_in(tab, "owner")
        tab.goto("/studio/")
        assert_accessible(tab, "the studio's list")


def test_a_keyboard_user_can_skip_to_the_main_content(page, live_server):
    page.goto("/report")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert skip.evaluate("el => el === document.activeElement"), "the first Tab does not reach the skip link"
    assert skip.is_visible() and skip.inner_text() == "Bỏ qua đến nội dung chính"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
