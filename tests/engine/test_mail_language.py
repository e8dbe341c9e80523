"""Staff e-mails in one language: each recipient reads the mail in their own language (users.lang), a unit's contact
mailbox and a user without a language in the department's (settings.default_language); one mail per address."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import accounts, directory, outbox
from engine.db import make_session_factory, transaction
from engine.errors import ValidationError
from engine.models import Case, Notification, OutboxEmail, Unit, User
from engine.settings import Settings
from tests.casedriver import REPORT, CaseDriver
from tests.factories import add_user
from tests.webui.test_one_language import other_language_words

WARD_MAILBOX = "ubnd.benthanh@example.vn"
# Words each language's mail must have (and the other language's mail must not)
MARKERS = {"vi": ["Mã vụ việc", "Cơ sở", "Cấp độ", "Công việc", "Hạn xử lý", "giờ Việt Nam"],
           "en": ["Case:", "Facility:", "Level:", "Task:", "Deadline:", "Vietnam time"]}


def data_of(session, case_id: int) -> list[str]:
    """What the mail repeats from data rather than writes: the facility, unit names, the tracking code."""
    case = session.get(Case, case_id)
    return [REPORT["facility_name"], case.code, *session.scalars(select(Unit.name))]


def words_of_the_other_language(mail: OutboxEmail, lang: str, data: list[str]) -> list[str]:
    text = f"{mail.subject}\n{mail.body}"
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " ")
    text = " ".join(w for w in text.split() if not w.startswith("http"))  # the links' paths are not words
    return other_language_words(text, lang)


def assign_a_level_1_case(factory, clock) -> int:
    drive = CaseDriver(factory, clock)
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    return case_id


@pytest.mark.parametrize("default", ["vi", "en"])
def test_one_assignment_reaches_each_recipient_once_in_their_own_language(factory, db_engine, clock, default):
    factory = make_session_factory(db_engine, Settings(default_language=default))
    with transaction(factory) as session:
        add_user(session, "handling_unit", "ward-ben-thanh", "ward_vi", email="ward.vi@example.vn", lang="vi")
        add_user(session, "handling_unit", "ward-ben-thanh", "ward_en", email="ward.en@example.vn", lang="en")
        add_user(session, "handling_unit", "ward-ben-thanh", "ward_none", email="ward.none@example.vn", lang=None)
        session.get(Unit, "ward-ben-thanh").email = WARD_MAILBOX
    case_id = assign_a_level_1_case(factory, clock)
    with transaction(factory) as session:
        mails = list(session.scalars(select(OutboxEmail).where(OutboxEmail.to_addr.like("%@example.vn"))))
        data = data_of(session, case_id)
    by_address = {m.to_addr: m for m in mails}
    assert len(mails) == len(by_address) == 4  # one mail each, nobody twice, nobody left out
    expected = {"ward.vi@example.vn": "vi", "ward.en@example.vn": "en", "ward.none@example.vn": default,
                WARD_MAILBOX: default}
    for address, lang in expected.items():
        mail = by_address[address]
        other = "en" if lang == "vi" else "vi"
        assert all(marker in mail.body for marker in MARKERS[lang]), (address, mail.body)
        assert not any(marker in mail.body for marker in MARKERS[other]), (address, mail.body)
        assert words_of_the_other_language(mail, lang, data) == [], (address, mail.subject, mail.body)
    assert by_address["ward.vi@example.vn"].subject.endswith("Việc mới")
    assert by_address["ward.en@example.vn"].subject.endswith("New task")


def test_a_unit_mailbox_is_told_only_what_is_for_its_unit(factory, clock):
    with transaction(factory) as session:
        session.get(Unit, "ward-ben-thanh").email = WARD_MAILBOX
        session.get(Unit, "ward-sai-gon").email = "ubnd.saigon@example.vn"
        add_user(session, "handling_unit", "ward-ben-thanh", "ward_same", email="UBND.BenThanh@example.vn", lang="en")
        for_unit = Notification(kind="reminder", role="handling_unit", unit="ward-ben-thanh")
        # the mailbox is also a user's address: one mail, in that user's language
        assert [(r.address, r.lang) for r in outbox.recipients(session, for_unit)] == [
            ("UBND.BenThanh@example.vn", "en")]
        session.scalar(select(User).where(User.username == "ward_same")).email = None
        assert [(r.address, r.lang) for r in outbox.recipients(session, for_unit)] == [(WARD_MAILBOX, "vi")]
        personal = Notification(kind="assignment", role="handling_unit", unit="ward-ben-thanh", username="ward")
        assert outbox.recipients(session, personal) == []  # meant for one person: not the unit's mailbox
        any_unit = Notification(kind="reminder", role="handling_unit", unit=None)
        assert outbox.recipients(session, any_unit) == []  # no unit named: no unit's mailbox
        session.get(Unit, "ward-ben-thanh").active = False
        assert outbox.recipients(session, for_unit) == []  # a deactivated unit's mailbox is not written to


def test_a_users_language_is_vi_or_en_or_the_departments_and_nothing_else(factory):
    with transaction(factory) as session:
        user = session.scalar(select(User).where(User.username == "ward"))
        assert user.lang == "vi"  # every user has Vietnamese unless they choose
        assert accounts.set_language(session, user.id, "en").lang == "en"
        assert accounts.set_language(session, user.id, None).lang is None
        assert accounts.language_of(session, user) == "vi"
        with pytest.raises(ValidationError) as refused:
            accounts.set_language(session, user.id, "fr")
        assert refused.value.errors == {"lang": "Choose Vietnamese or English"}
        assert user.lang is None  # unchanged
    with transaction(make_session_factory(factory.kw["bind"], Settings(default_language="en"))) as session:
        user = session.scalar(select(User).where(User.username == "ward"))
        assert accounts.language_of(session, user) == "en"


def test_saving_a_user_keeps_their_language_unless_one_is_given(factory):
    def save(session, **given):
        return accounts.save_user(session, "admin", username="new.staff", display_name="Nhân viên mới",
                                  roles=["intake"], password="long-enough-1", **given)

    with transaction(factory) as session:
        assert save(session).lang == "vi"  # a new user: Vietnamese
        assert save(session, lang="en").lang == "en"
        assert save(session).lang == "en"  # an update that says nothing about the language keeps it
        assert save(session, lang=None).lang is None
        created = accounts.save_user(session, "admin", username="other.staff", display_name="Nhân viên khác",
                                     roles=["intake"], password="long-enough-1", lang=None)
    with transaction(factory) as session:
        assert session.get(User, created.id).lang is None  # stored as the department's default, not "vi"
        with pytest.raises(ValidationError) as refused:
            save(session, lang="english")
        assert set(refused.value.errors) == {"lang"}


def test_a_units_mailbox_changed_a_moment_ago_is_the_one_the_next_step_writes_to(drive):
    """The step takes the units from this process's copy, which another transaction's change makes stale (the
    units token read with the case)."""
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    with transaction(drive.factory) as session:
        session.get(Unit, "ward-ben-thanh").email = "old.mailbox@example.vn"
    with transaction(drive.factory) as session:
        assert directory.units_by_code(session)["ward-ben-thanh"].email == "old.mailbox@example.vn"
    with transaction(drive.factory) as session:
        session.get(Unit, "ward-ben-thanh").email = WARD_MAILBOX
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    with transaction(drive.factory) as session:
        sent_to = set(session.scalars(select(OutboxEmail.to_addr)))
    assert WARD_MAILBOX in sent_to and "old.mailbox@example.vn" not in sent_to
