"""Where e-mails are queued and sent: the outbox table and its worker.

Services only queue mails (`enqueue`, in the caller's transaction), so nothing is sent for work that is
rolled back. The worker takes due rows under a lease like the timer sweep (engine/leases.py), sends them
over one SMTP connection per batch and marks each one sent. Mails are never deleted: a failure is recorded
and retried with backoff, so while the SMTP server is away everything simply stays pending. Delivery is
at least once; the Message-ID is stable per row so a mail sent twice can be recognised as one.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session, sessionmaker

from . import directory, leases, mail
from .clock import now
from .db import transaction
from .errors import ValidationError
from .messages import t
from .models import Case, Notification, OutboxEmail, User, UserRole
from .settings import SmtpSettings
from .settings import of as settings_of

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
# A problem with one message; anything else means the connection is unusable for the rest of the batch.
_MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError, ValueError)


def enqueue(session: Session, to_addr: str, subject: str, body: str, *, flush: bool = True) -> OutboxEmail:
    """Queue one e-mail; it is sent by the worker once the caller's transaction commits. Without `flush` it is
    written at the next flush (with the other rows of an engine step)."""
    to_addr = to_addr.strip()
    if not mail.valid_address(to_addr):
        raise ValidationError(t("not_email"), {"to_addr": t("not_email")})
    subject = " ".join(subject.split())[:300]  # no line breaks in a header
    queued = OutboxEmail(to_addr=to_addr, subject=subject, body=body, next_attempt_at=now())
    session.add(queued)
    if flush:
        session.flush()
    return queued


@dataclass(frozen=True)
class Recipient:
    """One address a notification is mailed to, and the language its mail is written in."""

    address: str
    lang: str


def recipients(session: Session, notification: Notification) -> list[Recipient]:
    """Who a notification is mailed to, once per address: the active users it is for (one user, or a role within
    a unit), each in their language (a user without one: the department's default); and for a unit's role, the
    unit's contact address (a mailbox, no person) in the department's default language."""
    return recipients_of(session, [notification])[0]


def recipients_for(session: Session, notification: Notification) -> list[str]:
    """The addresses a notification is mailed to (see `recipients`)."""
    return [r.address for r in recipients(session, notification)]


def recipients_of(session: Session, notifications: list[Notification]) -> list[list[Recipient]]:
    """`recipients` of each notification, for all of them at once (an engine step's notifications): one query for
    the users, and one for the units' mailboxes when some are for a unit's role."""
    if not notifications:
        return []
    default = settings_of(session).default_language
    wanted = [User.username == n.username if n.username else
              and_(UserRole.role == n.role, true() if n.unit is None else User.unit_code == n.unit)
              for n in notifications]
    rows = session.execute(select(User.username, User.email, User.lang, User.unit_code, UserRole.role)
                           .outerjoin(UserRole, UserRole.user_id == User.id)
                           .where(User.active.is_(True), User.email.is_not(None), or_(*wanted))
                           .order_by(User.username, UserRole.role)).all()
    users = {row.username: row for row in rows}
    units = directory.units_by_code(session) if any(n.unit and not n.username for n in notifications) else {}
    mailboxes = {code: (unit.email or "").strip() for code, unit in units.items() if unit.active and unit.email}
    found = []
    for notification in notifications:
        addresses: dict[str, Recipient] = {}
        for username in _matching(rows, notification):
            addr = (users[username].email or "").strip()
            if addr and not mail.valid_address(addr):
                log.warning("user %s has an invalid e-mail address; no e-mail sent", username)
            elif addr:
                addresses.setdefault(addr.lower(), Recipient(addr, mail.language(users[username].lang, default)))
        mailbox = mailboxes.get(notification.unit, "") if not notification.username else ""
        if mailbox and mail.valid_address(mailbox):  # checked when it was set (units.update_contact)
            addresses.setdefault(mailbox.lower(), Recipient(mailbox, mail.language(default)))
        found.append(list(addresses.values()))
    return found


def _matching(rows, notification: Notification) -> list[str]:
    """The usernames among `rows` (users with one of their roles each) a notification is for, in order."""
    if notification.username:
        names = [row.username for row in rows if row.username == notification.username]
    else:
        names = [row.username for row in rows if row.role == notification.role
                 and (notification.unit is None or row.unit_code == notification.unit)]
    return list(dict.fromkeys(names))


def by_language(found: list[Recipient]) -> dict[str, list[str]]:
    """Addresses grouped by the language of their mail (one rendering per language)."""
    groups: dict[str, list[str]] = {}
    for recipient in found:
        groups.setdefault(recipient.lang, []).append(recipient.address)
    return groups


def enqueue_for_notification(session: Session, notification: Notification, case: Case, about=None,
                             recipients: list[Recipient] | None = None, *, flush: bool = True) -> int:
    """Queue the e-mails of a notification (template staff/notification.<lang>.txt), each in its recipient's
    language: the case code, facility, level, task, time left and a link to the task or case. Never reporter
    data. `about` is what `notifications.describe` says the notification is about, `recipients` who it is mailed
    to (both worked out here when not given); without `flush` the e-mails are written at the next flush."""
    found = recipients_of(session, [notification])[0] if recipients is None else recipients
    if not found:
        return 0
    if about is None:
        from .notifications import describe  # notifications queues its mails through this module

        about = describe(session, notification, case)
    facts = {"kind": notification.kind, "code": case.code, "facility": about.facility, "level": case.level,
             "category": case.category, "task": about.task_text, "due": about.due_at,
             "seconds_left": _seconds_left(about.due_at), "has_task": about.task is not None,
             "link": mail.link(session, about.path)}
    for lang, addresses in by_language(found).items():
        subject, body = mail.render(mail.localized("staff/notification", lang), **facts)
        for addr in addresses:
            enqueue(session, addr, subject, body, flush=flush)
    return len(found)


def _seconds_left(due: datetime | None) -> float:
    return (due - now()).total_seconds() if due is not None else 0.0


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0

    @property
    def counts(self) -> tuple[int, int]:
        return self.sent, self.failed


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open SMTP connection: SSL or STARTTLS and login as configured."""
    context = ssl.create_default_context()
    if settings.use_ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                              context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.use_starttls:
            smtp.starttls(context=context)
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except BaseException:
        _close(smtp)
        raise
    return smtp


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except Exception:  # already gone: nothing to say goodbye to
        smtp.close()


def build_message(settings: SmtpSettings, mail: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.to_addr
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now())
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<outbox-{mail.id}.{int(mail.created_at.timestamp())}@{domain}>"
    message.set_content(mail.body, charset="utf-8")
    return message


def claim_due(session: Session, owner: str, at: datetime, limit: int) -> list[OutboxEmail]:
    """Lease up to `limit` unsent mails that are due and that no live lease holds; returns the ones we hold."""
    query = (select(OutboxEmail.id)
             .where(OutboxEmail.sent_at.is_(None), OutboxEmail.next_attempt_at <= at, leases.free(OutboxEmail, at))
             .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id).limit(limit))
    candidates = list(session.scalars(leases.skip_locked(session, query, OutboxEmail)))
    held = leases.take(session, OutboxEmail, candidates, owner, at, LEASE, OutboxEmail.sent_at.is_(None))
    return list(session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(held)).order_by(OutboxEmail.id)))


def _finish(factory: sessionmaker[Session], mail_id: int, owner: str, error: BaseException | None) -> None:
    """Mark a mail sent, or record the failure and push its next attempt out; releases the lease."""
    with transaction(factory) as session:
        mail = session.get(OutboxEmail, mail_id)
        if mail is None or mail.lease_owner != owner:
            return
        mail.attempts += 1
        mail.lease_owner = mail.lease_expires_at = None
        if error is None:
            mail.sent_at = now()
        else:
            mail.last_error = f"{type(error).__name__}: {error}"[:4000]
            mail.next_attempt_at = now() + min(FIRST_BACKOFF * 2 ** min(mail.attempts - 1, 12), MAX_BACKOFF)


def send_pending(factory: sessionmaker[Session], settings: SmtpSettings, *, owner: str | None = None,
                 batch: int = 50, smtp_factory: Callable[[SmtpSettings], smtplib.SMTP] | None = None
                 ) -> SendResult:
    """Send every due mail, one SMTP connection per batch. Failures stay pending with backoff."""
    owner = owner or leases.worker_id()
    result = SendResult()
    while True:
        at = now()
        with transaction(factory) as session:
            mails = claim_due(session, owner, at, batch)
        if not mails:
            return result
        connection_ok = _send_batch(factory, settings, mails, owner, smtp_factory or connect, result)
        if not connection_ok or len(mails) < batch:
            return result


def _send_batch(factory: sessionmaker[Session], settings: SmtpSettings, mails: list[OutboxEmail], owner: str,
                smtp_factory: Callable[[SmtpSettings], smtplib.SMTP], result: SendResult) -> bool:
    """Send leased mails over one connection; False when the SMTP server could not be used."""
    smtp, broken = None, None
    try:
        smtp = smtp_factory(settings)
    except Exception as exc:
        broken = exc
    try:
        for mail in mails:
            error = broken
            if smtp is not None and broken is None:
                try:
                    smtp.send_message(build_message(settings, mail))
                except _MESSAGE_ERRORS as exc:
                    error = exc
                    log.warning("e-mail %s to %s refused: %s", mail.id, mail.to_addr, exc)
                except Exception as exc:  # the connection is lost: the rest of the batch waits too
                    error = broken = exc
            _finish(factory, mail.id, owner, error)
            if error is None:
                result.sent += 1
            else:
                result.failed += 1
    finally:
        if smtp is not None:
            _close(smtp)
    if broken is not None:
        log.warning("SMTP server %s:%s unavailable, e-mails wait: %s", settings.host, settings.port, broken)
    return broken is None


def run_forever(factory: sessionmaker[Session], settings: SmtpSettings, stop: threading.Event,
                poll_seconds: float = 10.0) -> None:
    """The mail worker loop: send what is due, then sleep until the next poll (or until asked to stop)."""
    owner = leases.worker_id()
    while not stop.is_set():
        try:
            result = send_pending(factory, settings, owner=owner)
            if result.sent or result.failed:
                log.info("outbox: %s e-mails sent, %s failed", result.sent, result.failed)
        except Exception:  # the database may be away for a moment; keep the worker alive
            log.exception("outbox run failed; retrying after the poll interval")
        stop.wait(poll_seconds)
