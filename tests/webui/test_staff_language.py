"""A staff member's language is theirs: chosen with the VI | EN switch, on "My account" or by an administrator, kept
on the account (users.lang), restored at the next sign-in, and used for their e-mails. Bad values are refused
clearly and change nothing."""
from __future__ import annotations

from sqlalchemy import select

from engine.db import transaction
from engine.models import OutboxEmail, User
from tests.webui.conftest import Browser, text_of
from tests.webui.test_cli import cli  # noqa: F401 - the command-line fixture


def stored_language(factory, username: str) -> str | None:
    with transaction(factory) as session:
        return session.scalar(select(User.lang).where(User.username == username))


def page_language(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_switching_to_english_while_signed_in_is_kept_for_the_next_sign_in(app, as_user, factory):
    first = as_user("ward")
    assert page_language(first.get("/inbox/")) == "vi" and stored_language(factory, "ward") == "vi"
    assert first.post("/lang/en", headers={"Referer": "/inbox/"}).status_code == 302
    assert stored_language(factory, "ward") == "en"
    later = Browser(app)  # another day, another browser: it starts in Vietnamese
    assert page_language(later.get("/login")) == "vi"
    assert later.sign_in("ward").status_code == 302
    assert page_language(later.get("/inbox/")) == "en"
    later.post("/lang/vi")
    assert stored_language(factory, "ward") == "vi"


def test_after_switching_to_english_the_users_mails_are_in_english_only(as_user, factory, drive):
    with transaction(factory) as session:
        session.scalar(select(User).where(User.username == "ward")).email = "ward@example.vn"
        session.scalar(select(User).where(User.username == "tandinh")).email = "tandinh@example.vn"
    as_user("ward").post("/lang/en")
    for ward in ("ward-ben-thanh", "ward-tan-dinh"):
        case_id = drive.report(ward=ward)
        drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
        drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": ward})
    with transaction(factory) as session:
        mails = {m.to_addr: m for m in session.scalars(select(OutboxEmail))}
    english, vietnamese = mails["ward@example.vn"], mails["tandinh@example.vn"]
    assert english.subject.endswith("] New task") and "Your unit/role has a new task." in english.body
    assert "Việc mới" not in english.subject and "Mã vụ việc" not in english.body
    assert vietnamese.subject.endswith("] Việc mới") and "New task" not in vietnamese.subject
    assert "Case:" not in vietnamese.body


def test_signing_in_shows_the_users_language_whatever_the_sign_in_page_was_in(app, factory):
    visitor = Browser(app)
    visitor.post("/lang/en")  # not signed in: only this browser's pages change
    assert {stored_language(factory, name) for name in ("ward", "intake", "leader")} == {"vi"}
    assert visitor.sign_in("ward").status_code == 302
    assert page_language(visitor.get("/inbox/")) == "vi"


def test_an_unknown_language_is_refused_with_a_message_and_changes_nothing(as_user, factory):
    ward = as_user("ward")
    response = ward.post("/lang/fr", headers={"Referer": "/inbox/"}, follow_redirects=True)
    assert response.status_code == 200 and page_language(response) == "vi"
    assert "Hãy chọn tiếng Việt hoặc tiếng Anh" in text_of(response)
    assert stored_language(factory, "ward") == "vi"


def test_my_account_shows_who_i_am_and_saves_my_language(as_user, factory):
    ward = as_user("ward")
    page = ward.get("/account")
    assert page.status_code == 200
    assert "Tài khoản của tôi" in text_of(page) and "Trần Thị Phường" in text_of(page)
    assert 'value="vi" selected' in page.get_data(as_text=True)
    saved = ward.post("/account", data={"lang": "en"}, follow_redirects=True)
    assert saved.status_code == 200 and page_language(saved) == "en" and "Your language is saved." in text_of(saved)
    assert stored_language(factory, "ward") == "en"
    refused = ward.post("/account", data={"lang": "klingon"})
    assert refused.status_code == 422 and "Choose Vietnamese or English" in text_of(refused)
    assert stored_language(factory, "ward") == "en"  # nothing lost
    missing = ward.post("/account", data={})  # a form without the field is not "the department's language"
    assert missing.status_code == 422 and stored_language(factory, "ward") == "en"
    ward.post("/account", data={"lang": ""})
    assert stored_language(factory, "ward") is None  # the department's default
    assert 'value="" selected' in ward.get("/account").get_data(as_text=True)


def test_the_administrator_sets_a_users_language_and_a_bad_one_is_refused(as_user, factory):
    admin = as_user("admin")
    form = {"display_name": "Trần Thị Phường", "roles": ["handling_unit"], "unit": "ward-ben-thanh", "active": "1"}
    assert 'id="lang"' in admin.get("/admin/users/ward").get_data(as_text=True)
    assert admin.post("/admin/users/ward", data={**form, "lang": "en"}).status_code == 302
    assert stored_language(factory, "ward") == "en"
    refused = admin.post("/admin/users/ward", data={**form, "lang": "de", "display_name": "Tên mới"})
    assert refused.status_code == 422 and "Hãy chọn tiếng Việt hoặc tiếng Anh" in text_of(refused)
    with transaction(factory) as session:
        user = session.scalar(select(User).where(User.username == "ward"))
        assert (user.lang, user.display_name) == ("en", "Trần Thị Phường")  # the refused form changed nothing
    assert "English" in text_of(admin.get("/admin/users"))  # the list shows each user's language
    assert admin.post("/admin/users/ward", data={**form, "lang": ""}).status_code == 302
    assert stored_language(factory, "ward") is None
    listed = text_of(admin.get("/admin/users"))
    assert "Mặc định của Sở" in listed and "English" not in listed
    new = {"username": "ward9", "display_name": "Cán bộ 9", "roles": ["handling_unit"], "password": "long-enough-1",
           "active": "1"}
    assert admin.post("/admin/users/new", data={**new, "lang": "en"}).status_code == 302
    assert stored_language(factory, "ward9") == "en"


def test_the_command_line_creates_a_user_with_a_language_and_refuses_another(cli):  # noqa: F811
    from engine.db import make_engine, make_session_factory

    assert cli("init-db").exit_code == 0
    created = cli("users", "create", "leader7", "--name", "Lãnh đạo 7", "--role", "leadership", "--lang", "en",
                  "--password", "long-enough-1")
    assert created.exit_code == 0, created.output
    assert "language en" in created.output
    kept = cli("users", "create", "leader7", "--name", "Lãnh đạo 7", "--role", "leadership",
               "--password", "long-enough-1")
    assert "language en" in kept.output  # an update without --lang keeps the language
    refused = cli("users", "create", "leader8", "--name", "X", "--role", "leadership", "--lang", "fr",
                  "--password", "long-enough-1")
    assert refused.exit_code == 2 and "--lang" in refused.output
    with transaction(make_session_factory(make_engine(cli.url))) as session:
        assert session.scalar(select(User.lang).where(User.username == "leader7")) == "en"
        assert session.scalar(select(User.id).where(User.username == "leader8")) is None
