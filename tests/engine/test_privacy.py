"""Reporter contact is kept no longer than needed: a set time after a case closes the worker erases the
reporter's name, phone and e-mail (and the confirmation mail to them), records that it did, keeps the case."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, select

from engine import citizen, privacy
from engine.attachments import AttachmentStore
from engine.db import transaction
from engine.errors import ValidationError
from engine.models import AuditEntry, Case, CaseEvent, OutboxEmail
from tests.casedriver import REPORT

CONTACT = {"name": "Lê Thị Hoa", "phone": "0903 123 456", "email": "hoa@example.org"}


def closed_case(factory, drive, tmp_path, contact=CONTACT, **report) -> int:
    """A report with contact (and its confirmation mail), screened out by intake: closed now."""
    with transaction(factory) as session:
        case_id = citizen.submit(session, AttachmentStore(tmp_path), {**REPORT, **report}, reporter=contact,
                                 anonymous=not contact).case.id
    drive.do("intake", case_id, "screen", {"screening_outcome": "out_of_scope",
                                           "screening_reason": "Không thuộc thẩm quyền"})
    return case_id


def load(factory, case_id) -> Case:
    with transaction(factory) as session:
        case = session.get(Case, case_id)
        session.expunge(case)
        return case


def erased_entries(factory) -> list[AuditEntry]:
    with transaction(factory) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.kind == privacy.CONTACT_ERASED)
                               .order_by(AuditEntry.id)).all()
        session.expunge_all()
        return list(rows)


def erase(factory, days=365, **kwargs) -> privacy.Erasure:
    with transaction(factory) as session:
        return privacy.erase_expired(session, days, **kwargs)


def test_contact_is_erased_a_year_after_the_case_closed_and_the_case_is_kept(factory, drive, clock, tmp_path):
    case_id = closed_case(factory, drive, tmp_path)
    before = load(factory, case_id)
    assert before.reporter == CONTACT and before.status == "not_accepted"
    with transaction(factory) as session:
        assert session.scalar(select(OutboxEmail).where(OutboxEmail.to_addr == CONTACT["email"])) is not None

    clock.advance(days=364)
    assert erase(factory).erased == []
    assert load(factory, case_id).reporter == CONTACT

    clock.advance(days=2)
    assert erase(factory).erased == [before.code]
    after = load(factory, case_id)
    assert after.reporter is None and after.contact_erased_at == clock.now()
    assert (after.code, after.status, after.report, after.outcome, after.closed_at) == \
        (before.code, before.status, before.report, before.outcome, before.closed_at)
    with transaction(factory) as session:
        assert session.scalar(select(OutboxEmail).where(OutboxEmail.to_addr == CONTACT["email"])) is None
        assert session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()  # timeline kept
    [entry] = erased_entries(factory)
    assert (entry.actor, entry.detail["case"], entry.detail["retention_days"]) == ("system", before.code, 365)
    assert entry.detail["fields"] == ["email", "name", "phone"]
    assert not any(value in str(entry.detail) for value in CONTACT.values())  # what was erased is not kept

    clock.advance(days=30)
    assert erase(factory).erased == []  # once is enough
    assert len(erased_entries(factory)) == 1


def test_open_cases_keep_their_contact_however_old(factory, drive, clock, tmp_path):
    with transaction(factory) as session:
        case_id = citizen.submit(session, AttachmentStore(tmp_path), REPORT, reporter=CONTACT).case.id
    clock.advance(days=1000)
    assert erase(factory).erased == []
    assert load(factory, case_id).reporter == CONTACT


def test_anonymous_closed_cases_are_marked_done_without_an_entry(factory, drive, clock, tmp_path):
    case_id = closed_case(factory, drive, tmp_path, contact=None)
    clock.advance(days=400)
    done = erase(factory)
    assert (done.erased, done.checked) == ([], 1)
    assert load(factory, case_id).contact_erased_at is not None
    assert erased_entries(factory) == []


def test_the_retention_period_is_configurable(factory, drive, clock, tmp_path):
    case_id = closed_case(factory, drive, tmp_path)
    clock.advance(days=31)
    assert erase(factory, days=60).erased == []
    assert len(erase(factory, days=30).erased) == 1
    assert load(factory, case_id).reporter is None


@pytest.mark.parametrize("days", [0, -1, 36501, 1.5, "365", True])
def test_a_nonsense_retention_period_is_refused(factory, days):
    with pytest.raises(ValidationError) as error, transaction(factory) as session:
        privacy.erase_expired(session, days)
    assert "retention_days" in error.value.errors


def test_each_call_does_a_bounded_amount_of_work_oldest_first(factory, drive, clock, tmp_path):
    codes = []
    for n in range(3):
        case_id = closed_case(factory, drive, tmp_path, facility_name=f"Cơ sở số {n}", address=f"{n} Lê Lợi")
        codes.append(load(factory, case_id).code)
        clock.advance(hours=1)
    clock.advance(days=366)
    first = erase(factory, limit=2)
    assert (first.erased, first.checked) == (codes[:2], 2)
    assert erase(factory, limit=2).erased == codes[2:]


def test_the_worker_loop_erases_expired_contact(factory, drive, clock, tmp_path):
    case_id = closed_case(factory, drive, tmp_path)
    clock.advance(days=366)
    stop = threading.Event()
    worker = threading.Thread(target=privacy.run_forever, args=(factory, stop, 365, 0.01), daemon=True)
    worker.start()
    try:
        for _ in range(500):  # at most ~5 s; time.sleep, not Event.wait: it also works under faketime
            if load(factory, case_id).reporter is None:
                break
            time.sleep(0.01)
    finally:
        stop.set()
        worker.join(timeout=5)
    assert load(factory, case_id).reporter is None
    assert len(erased_entries(factory)) == 1
    assert not worker.is_alive()


def test_the_worker_refuses_to_start_with_a_nonsense_period(factory):
    with pytest.raises(ValidationError):
        privacy.run_forever(factory, threading.Event(), 0)


def test_erasure_never_loads_a_case_document(factory, drive, clock, tmp_path):
    closed_case(factory, drive, tmp_path)
    clock.advance(days=366)
    seen: list[str] = []
    engine = factory.kw["bind"]

    def capture(_conn, _cursor, statement, *_args):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", capture)
    try:
        assert len(erase(factory).erased) == 1
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert seen and not any("workflow_json" in s for s in seen)
