"""Leadership is told when a briefing review opens: the reporting process (engine/scheduled.py) puts "Review the
weekly/quarterly report" in leadership's inbox, and at that moment a notification goes to the leadership role (the
in-app list and its badge) with e-mails through the outbox, like a case's notifications (each in its recipient's
language). Such a notification has no case: it names its scheduled run, and links to the review
(`/inbox/reviews/<id>`).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from . import mail, outbox
from .actors import Actor
from .clock import now
from .models import Notification
from .models_reporting import ScheduledRun
from .notifications import visible_to

KIND = "briefing_review"


def review_path(run: ScheduledRun) -> str:
    return f"/inbox/reviews/{run.id}"


def announce(session: Session, run: ScheduledRun) -> Notification:
    """A notification for the role of the run's open review task (leadership), and its e-mails."""
    notification = Notification(case_id=None, scheduled_run_id=run.id, kind=KIND, role=run.task_role or "leadership",
                                task_name=run.task_title, created_at=now())
    session.add(notification)
    session.flush()
    facts = {"schedule": run.schedule, "period": run.period, "task": run.task_title, "briefing_at": run.briefing_at,
             "link": mail.link(session, review_path(run))}
    for lang, addresses in outbox.by_language(outbox.recipients(session, notification)).items():
        subject, body = mail.render(mail.localized("staff/briefing_review", lang), **facts)
        for address in addresses:
            outbox.enqueue(session, address, subject, body)
    return notification


@dataclass(frozen=True)
class ReviewNotice:
    notification: Notification
    run: ScheduledRun

    @property
    def is_open(self) -> bool:
        return self.run.status == "open"


def latest(session: Session, actor: Actor, limit: int = 20) -> list[ReviewNotice]:
    """The actor's latest briefing-review notifications with their runs, newest first."""
    rows = session.execute(
        visible_to(actor).add_columns(ScheduledRun).join(ScheduledRun, ScheduledRun.id == Notification.scheduled_run_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    return [ReviewNotice(notification, run) for notification, run in rows]
