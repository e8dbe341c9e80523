"""One language at a time: every page, rendered in Vietnamese and in English, holds no words of the other language.

The pages come from the access matrix (tests/webui/test_access.py, itself generated from the URL map): each GET
route is opened by a user the matrix allows, plus the error pages and the forms refused with field errors (the
POST rows answered with 409/422). What a person typed or named — case reports, notes, unit and user names — is
data, not interface, and is taken out first, as are identifiers in <code> and the language switch.

A failure names the page, the language and the offending words: translate them (msgids are English, Vietnamese
by hand at the end of webui/translations/vi/LC_MESSAGES/messages.po), or take them from the glossary."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from lxml import html
from sqlalchemy import select

from engine.db import transaction
from engine.models import Case, CaseEvent, CaseNote, Unit, User
from forms import FORMS_DIR
from tests.webui.test_access import ACCESS, ANONYMOUS, EVERYONE, world  # noqa: F401 - a fixture used below

# Letters only Vietnamese has (English pages must not show them, outside data)
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]",
                        re.IGNORECASE)
# Common English words that are not Vietnamese words without their accents (no "do", "in", "an", "to", "can")
ENGLISH = frozenset(re.findall(r"\w+", """
the and of is are was were be been not this that these those with without from your you has have had must please
case cases task tasks status level levels required found version versions resolved screen intake error errors
requested url server submit sign deadline report reports page pages user users unit units role roles draft
drafts process based belongs another overdue choose open new all none yes result outcome name date time file
files save send back home search filter more less at most least handling handled published received closed
claim claimed release due left hours minutes days waiting whole number allowed invalid valid missing empty
"""))
# Shown in both languages on purpose: the language switch and the names of the languages
BOTH = ("Tiếng Việt", "English")
# A command to type (`rapid-response units import-wards`) is the same in both languages
COMMAND = re.compile(r"rapid-response(?: [a-z][a-z-]*)+")
# Who opens a page the matrix allows to several users (the roles with the most to show first)
PREFERRED = ["intake", "inspectorate", "ward", "owner", "admin", "inspector", "leader", "chief", "police", "market",
             "labour"]


def visible_text(page: bytes | str) -> str:
    """What a person reads: text and the texts of placeholders, labels for assistive technology, tooltips and
    alternative texts; no scripts or styles, no identifiers (<code>, monospace: file, form and field names) and
    no text being edited (<textarea>: the studio's editors show diagrams and forms as their authors wrote them)."""
    root = html.fromstring(page)
    for node in root.xpath("//script|//style|//template|//code|//noscript|//textarea"
                           "|//*[contains(concat(' ', @class, ' '), ' font-monospace ')]"):
        node.drop_tree()
    texts = [" ".join(root.itertext())]
    for attribute in ("placeholder", "aria-label", "title", "alt"):
        texts += root.xpath(f"//@{attribute}")
    return re.sub(r"\s+", " ", " ".join(texts))


def without(text: str, data: list[str], names: list[str]) -> str:
    """The text without data (any text people entered) and names (identifiers: only as whole words)."""
    text = COMMAND.sub(" ", text)
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " ")
    for name in names:
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", text)
    return text


def other_language_words(text: str, language: str) -> list[str]:
    """The words of the other language in `text` (Vietnamese words in an English page, or English ones)."""
    if language == "en":
        return sorted({word for word in re.findall(r"\w+", text) if VIETNAMESE.search(word)})
    return sorted({word for word in re.findall(r"[A-Za-z_]+", text)  # snake_case identifiers are not words
                   if word.lower() in ENGLISH and not (word.isupper() and len(word) > 1)})


def user_data(factory) -> tuple[list[str], list[str]]:
    """Everything people typed or named — reports, notes, text typed into task forms, unit and user names, tracking
    codes — and identifiers shown as they are: user names (sign-in names) and the names of the forms."""
    found: list[str] = [*BOTH]
    with transaction(factory) as session:
        found += session.scalars(select(Unit.name)).all()
        found += session.scalars(select(User.display_name)).all()
        found += session.scalars(select(CaseNote.body)).all()
        for case in session.scalars(select(Case)):
            found.append(case.code)
            found += [str(v) for v in (case.report or {}).values() if isinstance(v, str)]
            found += [str(v) for v in (case.reporter or {}).values() if isinstance(v, str)]
        for detail in session.scalars(select(CaseEvent.detail).where(CaseEvent.kind == "task_completed")):
            typed = ((detail or {}).get("data") or {}).values()  # free text typed into forms: words, not codes
            found += [v for v in typed if isinstance(v, str) and " " in v.strip()]
        names = [*session.scalars(select(User.username)).all(), *(p.stem for p in FORMS_DIR.glob("*.json"))]
    return [item for item in found if item and item.strip()], names


def pages(w: dict) -> Iterator[tuple[str, str, str, dict | None, int]]:
    """(user, method, url, data, status) of every page a person can be shown, from the access matrix."""
    for (rule, method), access in sorted(ACCESS.items()):
        url = access.url(w) if callable(access.url) else access.url
        data = access.data(w) if callable(access.data) else access.data
        if rule.startswith(("/open311/", "/static/", "/vendor/", "/healthz")) or url.endswith((".bpmn", ".json")):
            continue  # machine-readable: not a page
        if "download" in rule:
            continue
        if access.allowed == EVERYONE and access.anonymous == access.ok:
            who = ANONYMOUS
        else:
            who = next((u for u in PREFERRED if u in access.allowed), None)
        expected = access.expected(who) if who else None
        if method == "GET" and expected == 200 or method == "POST" and expected in (409, 422):
            yield who, method, url, data, expected
    coordinating = f"/cases/{w['coordinating']}"  # a level-3 case while the agencies work: its own panel and forms
    yield "inspectorate", "GET", coordinating, None, 200
    yield "inspectorate", "GET", f"{coordinating}/tasks/{w['coordinate_task']}", None, 200
    yield "police", "GET", f"{coordinating}/tasks/{w['acknowledge_task']}", None, 200
    yield "intake", "GET", "/cases/999999", None, 404  # "case 9999 does not exist"
    yield "ward", "GET", "/admin/users", None, 403  # not for this role
    yield ANONYMOUS, "GET", "/no/such/page", None, 404  # Werkzeug's "The requested URL was not found…"
    yield ANONYMOUS, "GET", "/track?code=NOSUCHCODE", None, 404


def render_all(app, w: dict, factory, language: str) -> dict[str, list[str]]:
    from tests.webui.conftest import Browser

    data, names = user_data(factory)
    clients: dict[str, Browser] = {}
    problems: dict[str, list[str]] = {}
    for who, method, url, form, status in pages(w):
        if who not in clients:
            clients[who] = Browser(app)
            if who != ANONYMOUS:
                assert clients[who].sign_in(who, "demo").status_code == 302
            clients[who].post(f"/lang/{language}")
        response = clients[who].client.open(url, method=method, data=form)
        page = response.get_data()
        response.close()
        assert response.status_code == status, f"{method} {url} as {who}: {response.status_code}, not {status}"
        if response.mimetype != "text/html":
            continue
        words = other_language_words(without(visible_text(page), data, names), language)
        if words:
            problems[f"{method} {url} (as {who})"] = words
    return problems


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_page_is_in_one_language(app, world, factory, language):  # noqa: F811 - the matrix's world
    problems = render_all(app, world, factory, language)
    other = "Vietnamese" if language == "en" else "English"
    assert not problems, f"{other} words on pages in {language!r}:\n" + "\n".join(
        f"  {page}: {', '.join(words)}" for page, words in problems.items())
