"""Vietnamese first, English second: the catalog is complete, the language switch works, times are local.

When `test_every_source_string_is_translated` fails, refresh the catalog (see README: `pybabel extract` then
`pybabel update`) and fill the new msgstr entries in webui/translations/vi/LC_MESSAGES/messages.po.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from engine.messages import ENGLISH_ONLY, MESSAGES
from tests.webui.conftest import text_of

ROOT = Path(__file__).resolve().parents[2]
VI_CATALOG = ROOT / "webui" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
# the same keywords as `make translations`
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_l", "lazy_gettext", "lazy_pgettext:1c,2"])}
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]")


@cache
def source_messages() -> dict[tuple[str, str | None], list[str]]:
    """Every message the sources mark for translation, keyed by (msgid, context), with where it occurs."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


@cache
def vi_catalog():
    with VI_CATALOG.open("rb") as po:
        return read_po(po)


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


# --- the catalog -------------------------------------------------------------------------------------------------

def test_the_extraction_finds_the_sources():
    found = source_messages()
    assert ("Sign in", None) in found  # a template string
    assert ("Report received", None) in found  # a lazy_gettext (_l) string in labels.py
    assert ("Must be at most %(limit)s", None) in found  # an engine message (engine/messages.py)
    assert ("no diagram in the bundle", None) in found  # a message about diagrams (engine/diagram_messages.py)
    assert ("Wrong user name or password.", None) in found  # a gettext (_) string in auth.py


def test_the_vietnamese_catalog_header():
    catalog = vi_catalog()
    assert str(catalog.locale) == "vi"
    assert catalog.charset.lower() == "utf-8"
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    assert not catalog.fuzzy, "the catalog header is still marked fuzzy"


def test_every_source_string_is_translated():
    catalog = vi_catalog()
    missing = []
    for (msgid, context), where in sorted(source_messages().items(), key=lambda item: item[1][0]):
        entry = catalog.get(msgid, context=context)
        if entry is None:
            problem = "not in the catalog (run pybabel extract + update)"
        elif entry.fuzzy:
            problem = "fuzzy"
        elif not (entry.string[0] if isinstance(entry.string, tuple) else entry.string).strip():
            problem = "empty msgstr"
        else:
            continue
        missing.append(f"  {where[0]}: {msgid!r} — {problem}")
    assert not missing, f"{len(missing)} untranslated string(s) in {VI_CATALOG.relative_to(ROOT)}:\n" + "\n".join(
        missing)


def test_no_fuzzy_entries_are_left_in_the_catalog():
    fuzzy = [m.id for m in vi_catalog() if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries (check the translation, then remove the flag): {fuzzy}"


def test_translations_keep_the_placeholders():
    """Except a library's English detail (engine.messages.ENGLISH_ONLY), which only English pages show."""
    english_only = {MESSAGES[code]: f"%({name})s" for code, name in ENGLISH_ONLY.items()}
    wrong = []
    for message in vi_catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = placeholders(ids[-1] if len(ids) > 1 else ids[0])
        without_detail = wanted - Counter([english_only[ids[0]]]) if ids[0] in english_only else wanted
        for translated in strings:
            if translated and placeholders(translated) not in (wanted, without_detail):
                wrong.append(f"  {ids[0]!r}: {sorted(wanted.elements())} but {translated!r}")
    assert not wrong, "translations whose %(name)s placeholders differ from the msgid:\n" + "\n".join(wrong)


def test_the_placeholder_check_itself():
    assert placeholders("Task given to %(name)s.") == Counter({"%(name)s": 1})
    assert placeholders("“%(task)s” %(code)s, 100%% %d") == Counter({"%(task)s": 1, "%(code)s": 1, "%d": 1})
    assert placeholders("Đã giao công việc cho %(ten)s.") != placeholders("Task given to %(name)s.")


# --- the language switch -----------------------------------------------------------------------------------------

def test_the_sign_in_page_is_vietnamese_by_default_and_english_on_request(browser):
    page = browser.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Đăng nhập" in html and "Tên đăng nhập" in html and "Mật khẩu" in html
    assert "Sign in" not in html and '<html lang="vi">' in html

    assert browser.post("/lang/en").status_code == 302
    html = browser.get("/login").get_data(as_text=True)
    assert "Sign in" in html and "User name" in html and "Password" in html
    assert "Đăng nhập" not in html and '<html lang="en">' in html

    assert browser.post("/lang/vi").status_code == 302
    html = browser.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in html and "Sign in" not in html


def test_the_inbox_is_vietnamese_by_default(as_user, drive):
    drive.report()  # a new report: intake has a screening task waiting
    text = text_of(as_user("intake").get("/inbox/"))
    for heading in ("Hộp công việc của tôi", "Hộp công việc", "Hồ sơ", "Lĩnh vực", "Phường/xã", "Cấp độ",
                    "Công việc", "Người nhận xử lý", "Thời gian còn lại", "Nhận xử lý", "Đăng xuất",
                    "Tổ phản ứng nhanh (tiếp nhận)"):
        assert heading in text, heading
    for english in ("My inbox", "Category", "Ward", "Time left", "Claim", "Sign out"):
        assert english not in text, english


def test_the_language_choice_applies_after_signing_in(as_user, drive):
    drive.report()
    intake = as_user("intake")
    intake.post("/lang/en")
    text = text_of(intake.get("/inbox/"))
    assert "My inbox" in text and "Claim" in text and "Rapid-response team (intake)" in text
    assert "Hộp công việc" not in text


def test_an_unknown_language_keeps_the_current_one(browser):
    response = browser.post("/lang/xx")
    assert response.status_code == 302
    assert "Đăng nhập" in browser.get("/login").get_data(as_text=True)

    browser.post("/lang/en")
    response = browser.post("/lang/xx")
    assert response.status_code == 302
    html = browser.get("/login").get_data(as_text=True)
    assert "Sign in" in html and "Đăng nhập" not in html


def test_switching_language_returns_to_the_page_but_never_off_site(browser):
    back = browser.post("/lang/en", headers={"Referer": "http://localhost/login?next=%2Finbox%2F"})
    assert back.status_code == 302
    assert back.headers["Location"] == "http://localhost/login?next=%2Finbox%2F"

    for external in ("https://evil.example/phish", "http://localhost.evil.example/", "javascript:alert(1)"):
        response = browser.post("/lang/vi", headers={"Referer": external})
        assert response.status_code == 302, external
        target = urlsplit(response.headers["Location"])
        assert target.netloc in ("", "localhost"), f"{external} → {response.headers['Location']}"
        assert target.scheme in ("", "http"), f"{external} → {response.headers['Location']}"

    no_referer = browser.post("/lang/en")
    assert no_referer.status_code == 302 and urlsplit(no_referer.headers["Location"]).netloc in ("", "localhost")


def test_the_switch_on_a_page_returns_to_that_page_and_a_plain_link_changes_nothing(browser):
    page = browser.get("/track?code=ABC").get_data(as_text=True)
    assert 'action="/lang/en"' in page and 'name="next" value="/track?code=ABC"' in page
    assert browser.post("/lang/en", data={"next": "/track?code=ABC"}).headers["Location"] == "/track?code=ABC"
    for elsewhere in ("//evil.example/x", "/\t/evil.example/x", "/\\evil.example/x", "/" + "x" * 5000):
        assert browser.post("/lang/vi", data={"next": elsewhere}).headers["Location"] == "/"

    assert browser.get("/lang/en").status_code == 405  # a link (or an image on another site) is not a switch
    assert "Đăng nhập" in browser.get("/login").get_data(as_text=True)


def test_the_switch_needs_the_pages_csrf_token(factory, clock, app_config):
    from webui.app import create_app

    app = create_app(app_config(DB_ENGINE=factory.kw["bind"], TESTING=True, SECRET_KEY="t"))
    app.extensions["rr_sessions"] = factory
    client = app.test_client()
    assert client.post("/lang/en").status_code == 400  # a form on another site cannot switch it
    page = client.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/lang/en", data={"csrf_token": token, "next": "/login"}).status_code == 302
    assert "Sign in" in client.get("/login").get_data(as_text=True)


# --- texts on a page ---------------------------------------------------------------------------------------------

PAGE = ('{{ _("Sign in") }}|{{ _("%(who)s & co", who="<b>") }}|{{ gettext("100%%") }}|'
        '{{ ngettext("Too many failed sign-ins. Please try again in %(num)d minute.", '
        '"Too many failed sign-ins. Please try again in %(num)d minutes.", 5) }}')


@pytest.mark.parametrize(("language", "expected"), [
    ("vi", "Đăng nhập|&lt;b&gt; & co|100%|Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 5 phút."),
    ("en", "Sign in|&lt;b&gt; & co|100%|Too many failed sign-ins. Please try again in 5 minutes."),
])
def test_a_pages_texts_are_in_its_language_with_values_escaped(app, language, expected):
    from flask import render_template_string, session
    with app.test_request_context("/"):
        session["lang"] = language
        assert render_template_string(PAGE) == expected


def test_a_text_template_gets_its_values_unescaped_and_a_forced_language(app):
    from flask import render_template_string
    from flask_babel import force_locale
    with app.test_request_context("/"), force_locale("en"):
        page = render_template_string('{% autoescape false %}{{ _("Sign in") }} {{ _("%(who)s", who="<b>") }}'
                                      '{% endautoescape %}')
    assert page == "Sign in <b>"


# --- local time --------------------------------------------------------------------------------------------------

def test_times_are_shown_in_ho_chi_minh_city_time(as_user, drive):
    case_id = drive.report()  # received at the frozen clock's START, 2026-11-23T01:00Z
    assert drive.case(case_id).received_at.isoformat().startswith("2026-11-23T01:00")
    intake = as_user("intake")
    text = text_of(intake.get(f"/cases/{case_id}"))
    assert "Tiếp nhận 23/11/2026 08:00" in text
    assert "23/11/2026 01:00" not in text

    intake.post("/lang/en")
    text = text_of(intake.get(f"/cases/{case_id}"))
    assert "Received 23/11/2026 08:00" in text


@pytest.mark.parametrize(("language", "shown", "hidden"), [("vi", "Cấp độ", "Level"), ("en", "Level", "Cấp độ")])
def test_a_name_the_owner_wrote_in_both_languages_is_shown_in_the_pages_language_inside_a_problem(
        app, language, shown, hidden):
    from flask import session

    from engine.messages import t
    from webui.i18n import translate

    problem = t("d_input_empty", label="Cấp độ / Level")
    with app.test_request_context("/"):
        session["lang"] = language
        text = str(translate(problem))
    assert shown in text and hidden not in text, text


@pytest.mark.parametrize(("language", "expected"), [
    ("vi", "set_status: tham số status phải là một trong các giá trị"),
    ("en", "set_status: status must be one of"),
])
def test_a_function_refusing_its_argument_names_the_function_and_calls_the_name_a_parameter(app, language, expected):
    from flask import session

    from engine.budget import ExpressionError
    from engine.expressions import evaluate
    from engine.functions import Effects, build_functions
    from webui.i18n import translate

    with pytest.raises(ExpressionError) as caught:
        evaluate("set_status('lost')", {}, build_functions(Effects()))
    with app.test_request_context("/"):
        session["lang"] = language
        text = str(translate(caught.value.message))
    assert text.startswith(expected), text
