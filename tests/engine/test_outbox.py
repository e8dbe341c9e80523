"""E-mails go through the outbox: queued with the work, sent by the worker, kept and retried while SMTP is down."""
from __future__ import annotations

import email
import socket
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select, update

from engine import cases, citizen, outbox
from engine.accounts import actor_of, save_user
from engine.db import make_session_factory, transaction
from engine.errors import ValidationError
from engine.inbox import case_tasks
from engine.models import Notification, OutboxEmail, User
from engine.settings import Settings
from tests.casedriver import REPORT, REPORTER
from tests.factories import add_user, statements


class Collector:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, **options):
        self.port = free_port()
        self.collector = Collector()
        self.controller: Controller | None = None
        self.options = options

    @property
    def messages(self):
        return self.collector.messages

    def start(self) -> None:
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(smtp_server) -> outbox.SmtpSettings:
    return outbox.SmtpSettings(host="127.0.0.1", port=smtp_server.port, sender="Sở Y tế <rr@health.example.vn>",
                                timeout=5)


def pending(factory) -> list[OutboxEmail]:
    with transaction(factory) as session:
        return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_a_queued_email_is_delivered_in_utf8_with_proper_headers(factory, clock, smtp_server, settings):
    with transaction(factory) as session:
        outbox.enqueue(session, "ward.staff@example.vn", "Việc mới / New task", "Xin chào, có việc mới: Kiểm tra cơ sở")
    result = outbox.send_pending(factory, settings)
    assert result.counts == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == "ward.staff@example.vn"
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Sở Y tế", "rr@health.example.vn")
    assert message["Subject"] == "Việc mới / New task"
    assert message["Message-ID"].endswith("@health.example.vn>") and message["Date"]
    assert smtp_server.collector.envelopes == [("rr@health.example.vn", ["ward.staff@example.vn"])]
    assert message.get_content_charset() == "utf-8"
    assert "có việc mới: Kiểm tra cơ sở" in message.get_content()
    [mail] = pending(factory)
    assert mail.sent_at == clock.now() and mail.attempts == 1 and mail.lease_owner is None


def test_addresses_that_could_inject_headers_are_refused(factory):
    with transaction(factory) as session:
        for bad in ["no-at-sign", "a@b.vn\r\nBcc: all@city.vn", "a@b.vn\nX: y", "a@b.vn, other@c.vn", "@b.vn", ""]:
            with pytest.raises(ValidationError):
                outbox.enqueue(session, bad, "s", "b")
        mail = outbox.enqueue(session, "ok@b.vn", "line one\r\nBcc: x@y.vn", "b")
        assert mail.subject == "line one Bcc: x@y.vn"  # a subject can never break into a new header
    assert len(pending(factory)) == 1


@pytest.mark.parametrize(("address", "usable"), [
    ("mai.reporter@example.org", True),
    ("Nguyen.Van.A+phananh@soyte.hochiminhcity.gov.vn", True),
    ("mai@bộytế.vn", True),  # an internationalised domain
    ("mai@example", False),  # no domain a mail can reach
    ("mai@@example.org", False),
    ("mai example@example.org", False),
    ("mai@example.org\r\nBcc: all@city.vn", False),
    ("a" * 250 + "@b.vn", False),
])
def test_the_reporter_form_the_staff_form_and_the_outbox_agree_on_an_address(factory, address, usable):
    errors: dict[str, str] = {}
    citizen.clean_reporter({"email": address}, False, errors)
    assert ("email" not in errors) is usable
    with transaction(factory) as session:
        with pytest.raises(ValidationError) as staff:
            save_user(session, "admin", username="new.staff", display_name="", roles=["intake"], email=address)
        assert ("email" not in staff.value.errors) is usable  # the empty name is refused either way
        if usable:
            assert outbox.enqueue(session, address, "s", "b").to_addr == address
        else:
            with pytest.raises(ValidationError):
                outbox.enqueue(session, address, "s", "b")


def test_recipients_are_the_active_users_of_the_role_in_the_unit_with_an_email(factory):
    with transaction(factory) as session:
        add_user(session, "handling_unit", "ward-ben-thanh", "ward2", email="ward2@example.vn")
        add_user(session, "handling_unit", "ward-ben-thanh", "ward3", email="WARD2@example.vn")  # same mailbox
        add_user(session, "handling_unit", "ward-ben-thanh", "ward4", email=None)
        add_user(session, "handling_unit", "ward-ben-thanh", "ward5", email="gone@example.vn", active=False)
        add_user(session, "handling_unit", "ward-sai-gon", "other_ward", email="saigon@example.vn")
        add_user(session, "intake", "ward-ben-thanh", "intake2", email="intake2@example.vn")
        add_user(session, "leadership", None, "leader2", email="leader2@example.vn")
        for_ward = Notification(kind="reminder", role="handling_unit", unit="ward-ben-thanh")
        assert outbox.recipients_for(session, for_ward) == ["ward2@example.vn"]
        any_unit = Notification(kind="reminder", role="handling_unit", unit=None)
        assert sorted(outbox.recipients_for(session, any_unit)) == ["saigon@example.vn", "ward2@example.vn"]
        leadership = Notification(kind="escalation", role="leadership")
        assert outbox.recipients_for(session, leadership) == ["leader2@example.vn"]
        personal = Notification(kind="assignment", role="handling_unit", unit="ward-sai-gon", username="leader2")
        assert outbox.recipients_for(session, personal) == ["leader2@example.vn"]
        assert outbox.recipients_for(session, Notification(kind="assignment", role="x", username="ward4")) == []


def test_a_steps_notifications_find_their_recipients_in_one_query_for_users_with_the_same_answers(factory, db_engine):
    with transaction(factory) as session:
        add_user(session, "handling_unit", "ward-ben-thanh", "ward2", email="ward2@example.vn")
        add_user(session, ["handling_unit", "supervisor"], "ward-ben-thanh", "ward3", email="ward3@example.vn")
        add_user(session, "handling_unit", "ward-sai-gon", "other_ward", email="saigon@example.vn")
        add_user(session, ["leadership", "inspector"], None, "leader2", email="leader2@example.vn")
        add_user(session, "handling_unit", "ward-ben-thanh", "ward5", email="gone@example.vn", active=False)
        notifications = [Notification(kind="reminder", role="handling_unit", unit="ward-ben-thanh"),
                         Notification(kind="reminder", role="handling_unit", unit=None),
                         Notification(kind="escalation", role="leadership"),
                         Notification(kind="assignment", role="handling_unit", unit="ward-sai-gon", username="leader2"),
                         Notification(kind="assignment", role="x", username="ward5"),
                         Notification(kind="reminder", role="coordinator", unit="police")]
        one_by_one = [outbox.recipients(session, n) for n in notifications]
        with statements(db_engine) as sent:
            together = outbox.recipients_of(session, notifications)
    assert together == one_by_one
    assert [sorted(r.address for r in found) for found in together] == [
        ["ward2@example.vn", "ward3@example.vn"], ["saigon@example.vn", "ward2@example.vn", "ward3@example.vn"],
        ["leader2@example.vn"], ["leader2@example.vn"], [], []]
    assert len(sent) == 1  # the users; the mailboxes come from the units this transaction has (read once)


def test_classifying_a_case_emails_the_wards_staff_what_and_which_without_the_reporters_contact(
        factory, db_engine, clock, smtp_server, settings):
    factory = make_session_factory(db_engine, Settings(base_url="https://rr.health.example.vn"))
    with transaction(factory) as session:
        add_user(session, "handling_unit", "ward-ben-thanh", "ward2", email="ward2@example.vn")
        add_user(session, "handling_unit", "ward-ben-thanh", "ward2en", email="ward2.en@example.vn", lang="en")
        add_user(session, "handling_unit", "ward-sai-gon", "other_ward", email="saigon@example.vn")
        actor = actor_of(session.scalar(select(User).where(User.username == "intake")))
        case = cases.submit_report(session, REPORT, REPORTER)
        clock.advance(hours=1, minutes=30)  # the deadline counts from receipt
        for name, data in [("screen", {"screening_outcome": "in_scope"}),
                           ("classify", {"level": 1, "handling_unit": "ward-ben-thanh"})]:
            task = next(t for t in case_tasks(session, case.id) if t.task_name == name)
            case = cases.complete_task(session, actor, case.id, task.task_id, data)
        case_id, code = case.id, case.code
        [start] = [t for t in case_tasks(session, case.id) if t.task_name == "start_handling"]
        task_id, due = start.task_id, start.due_at
    outbox.send_pending(factory, settings)
    staff = {m["To"]: m for m in smtp_server.messages if m["To"] != REPORTER["email"]}
    assert sorted(staff) == ["ward2.en@example.vn", "ward2@example.vn"]  # the ward's staff, each in their language
    hours_left, minutes_left = divmod(int((due - clock.now()).total_seconds() // 60), 60)
    assert 0 < hours_left < 24 and minutes_left == 30
    vietnamese = [f"Mã vụ việc: {code}", "Cơ sở: Spa Hoa Hồng", "Cấp độ: 1", "Công việc: Tiếp nhận xử lý",
                  "có việc mới", f"còn {hours_left} giờ 30 phút"]
    english = [f"Case: {code}", "Facility: Spa Hoa Hồng", "Level: 1", "Task: Start handling", "has a new task",
               f"{hours_left} h 30 min left"]
    for address, wanted, other in [("ward2@example.vn", vietnamese, english),
                                   ("ward2.en@example.vn", english, vietnamese)]:
        message = staff[address]
        body = message.get_content()
        assert code in message["Subject"]
        assert all(line in body for line in wanted) and not any(line in body for line in other)
        assert f"https://rr.health.example.vn/cases/{case_id}/tasks/{task_id}" in body  # the task, not the case
        assert (due + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M") in body  # local time
        for secret in REPORTER.values():
            assert secret not in body and secret not in message["Subject"]


def test_while_smtp_is_down_mails_stay_pending_and_are_sent_once_it_is_back(factory, clock, smtp_server, settings):
    smtp_server.stop()
    with transaction(factory) as session:
        outbox.enqueue(session, "a@example.vn", "Một", "Nội dung một")
        outbox.enqueue(session, "b@example.vn", "Hai", "Nội dung hai")
    assert outbox.send_pending(factory, settings).counts == (0, 2)
    for mail in pending(factory):
        assert mail.sent_at is None and mail.attempts == 1 and mail.last_error
        assert mail.next_attempt_at == clock.now() + timedelta(minutes=1) and mail.lease_owner is None
    assert outbox.send_pending(factory, settings).counts == (0, 0)  # backing off: not even tried

    clock.advance(minutes=1)
    assert outbox.send_pending(factory, settings).counts == (0, 2)  # still down: the backoff doubles
    assert {m.next_attempt_at for m in pending(factory)} == {clock.now() + timedelta(minutes=2)}

    smtp_server.start()
    clock.advance(minutes=2)
    assert outbox.send_pending(factory, settings).counts == (2, 0)
    assert outbox.send_pending(factory, settings).counts == (0, 0)
    assert sorted(m["To"] for m in smtp_server.messages) == ["a@example.vn", "b@example.vn"]
    assert all(m.sent_at == clock.now() and m.attempts == 3 for m in pending(factory))


def test_the_backoff_never_exceeds_an_hour(factory, clock):
    settings = outbox.SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)  # nothing listens there
    with transaction(factory) as session:
        outbox.enqueue(session, "a@example.vn", "s", "b")
    for _ in range(9):
        clock.advance(hours=1)
        outbox.send_pending(factory, settings)
    [mail] = pending(factory)
    assert mail.attempts == 9 and mail.next_attempt_at == clock.now() + timedelta(hours=1)


def test_a_refused_recipient_does_not_hold_back_the_rest_of_the_batch(factory, clock, smtp_server, settings):
    real_connect = outbox.connect

    class Refusing:
        def __init__(self, smtp):
            self.smtp = smtp

        def send_message(self, message):
            if message["To"] == "bounce@example.vn":
                raise outbox.smtplib.SMTPRecipientsRefused({"bounce@example.vn": (550, b"no such user")})
            return self.smtp.send_message(message)

        def quit(self):
            return self.smtp.quit()

    with transaction(factory) as session:
        for addr in ["a@example.vn", "bounce@example.vn", "c@example.vn"]:
            outbox.enqueue(session, addr, "s", "b")
    result = outbox.send_pending(factory, settings, smtp_factory=lambda s: Refusing(real_connect(s)))
    assert result.counts == (2, 1)
    bounced = [m for m in pending(factory) if m.sent_at is None]
    assert [m.to_addr for m in bounced] == ["bounce@example.vn"] and "no such user" in bounced[0].last_error


def test_a_mail_leased_by_a_live_worker_is_left_alone_until_the_lease_expires(factory, clock, smtp_server, settings):
    with transaction(factory) as session:
        mail_id = outbox.enqueue(session, "a@example.vn", "s", "b").id
    with transaction(factory) as session:
        assert [m.id for m in outbox.claim_due(session, "other-worker", clock.now(), 10)] == [mail_id]
    assert outbox.send_pending(factory, settings).counts == (0, 0)
    clock.advance(minutes=6)  # the other worker died; its 5-minute lease has expired
    assert outbox.send_pending(factory, settings).counts == (1, 0)
    assert len(smtp_server.messages) == 1


def test_sent_mails_are_kept(factory, clock, smtp_server, settings):
    with transaction(factory) as session:
        outbox.enqueue(session, "a@example.vn", "s", "b")
    outbox.send_pending(factory, settings)
    with transaction(factory) as session:
        session.execute(update(OutboxEmail).values(next_attempt_at=clock.now() - timedelta(days=1)))
    assert outbox.send_pending(factory, settings).counts == (0, 0)
    assert len(pending(factory)) == 1 and len(smtp_server.messages) == 1


def test_the_worker_logs_in_when_a_user_is_configured_and_waits_when_refused(factory, clock):
    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.login == b"rr" and auth_data.password == b"s3cret", handled=False)

    server = SmtpServer(authenticator=authenticator, auth_require_tls=False)
    server.start()
    try:
        with transaction(factory) as session:
            outbox.enqueue(session, "a@example.vn", "s", "b")
        wrong = outbox.SmtpSettings(host="127.0.0.1", port=server.port, username="rr", password="guess")
        assert outbox.send_pending(factory, wrong).counts == (0, 1)
        assert "SMTPAuthenticationError" in pending(factory)[0].last_error
        clock.advance(minutes=1)
        right = outbox.SmtpSettings(host="127.0.0.1", port=server.port, username="rr", password="s3cret")
        assert outbox.send_pending(factory, right).counts == (1, 0)
        assert len(server.messages) == 1
    finally:
        server.stop()
