"""Human-readable names for codes shown on pages: glossary terms (engine/glossary.json) and the page-only labels
below (the catalogs translate them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from engine import glossary

from .i18n import lang


class Terms:
    """A kind of term of the glossary (engine/glossary.json) named in this request's language: a read-only
    code → name mapping (`get`, `items`, `in`) like the label tables below."""

    def __init__(self, kind: str):
        self.kind = kind

    def get(self, code: object, default: object = None) -> object:
        return self._names().get(str(code), default)

    def items(self):
        return self._names().items()

    def keys(self):
        return self._names().keys()

    def __iter__(self):
        return iter(self._names())

    def __contains__(self, code: object) -> bool:
        return str(code) in self._names()

    def __getitem__(self, code: object) -> str:
        return self._names()[str(code)]

    def _names(self) -> dict[str, str]:
        return glossary.terms(self.kind, lang())


CATEGORIES = Terms("categories")
STATUSES = Terms("statuses")
OUTCOMES = Terms("outcomes")
LEVELS = Terms("levels")
ROLES = Terms("roles")
CHANNELS = Terms("channels")
PROCESSES = Terms("processes")

EVENTS = {
    "received": _l("Report received"),
    "task_claimed": _l("claimed the task"),
    "task_released": _l("released the task"),
    "task_assigned": _l("assigned the task"),
    "task_completed": _l("completed"),
    "status_changed": _l("Status changed"),
    "escalated": _l("Deadline passed: escalated to leadership"),
    "notified": _l("Notification sent"),
    "reassigned": _l("Handling unit changed"),
    "agency_invited": _l("Agency invited"),
    "result_published": _l("Result published to the citizen"),
    "closed": _l("Case closed"),
    "timer_fired": _l("Deadline timer fired"),
    "incident": _l("Timer processing keeps failing (incident)"),
    "note_added": _l("added an internal note"),
    "incident_retried": _l("Retry of the failing timers requested"),
    "case_suspended": _l("Case suspended by an administrator"),
    "case_resumed": _l("Case resumed by an administrator"),
    "case_cancelled": _l("Case cancelled by an administrator"),
}

NOTIFICATIONS = {
    "assignment": _l("New task"),
    "reminder": _l("Deadline approaching"),
    "escalation": _l("Deadline passed — escalated"),
    "ack_overdue": _l("An agency has not acknowledged in time"),
    "contribution_overdue": _l("An agency's findings are late"),
    "dispute_overdue": _l("A dispute review is late"),
    "confirmation_overdue": _l("A written confirmation is late"),
    "request_reminder": _l("An information request awaits its answer"),
    "request_overdue": _l("An information request was not answered in time"),
    "request_answered": _l("An information request was answered"),
    "inspection_reply_overdue": _l("An agency has not replied to the joint inspection in time"),
    "inspection_reminder": _l("Joint inspection tomorrow"),
    "minutes_overdue": _l("The joint inspection minutes are late"),
    "minutes_confirm_overdue": _l("An agency has not confirmed the minutes in time"),
    "criminal_matter": _l("An agency found a criminal matter: hand the case to the police"),
    "question_overdue": _l("An agency's question was not answered in time"),
    "question_answered": _l("The inspectorate answered the agency's question"),
    "briefing_review": _l("A briefing report is ready for your review"),
}

# what a timer does (its `timerRole` in the diagram)
TIMER_ROLES = {
    "reminder": _l("Reminder"),
    "deadline": _l("Deadline"),
    "case_deadline": _l("Case deadline"),
}

PUBLIC_STEPS = {
    "received": _l("Report received"),
    "classified": _l("Verified and classified"),
    "in_handling": _l("Being handled"),
    "result_published": _l("Result published"),
    "disputed": _l("You said the problem was not resolved: under review"),
    "closed": _l("Closed"),
}

# Kinds of audit log entries recorded outside the studio (the studio's own are webui.studio.AUDIT_KINDS).
AUDIT_KINDS = {
    "reporter_viewed": _l("Reporter contact viewed"),
    "contact_erased": _l("Reporter contact erased (retention period over)"),
    "signin": _l("Signed in"),
    "signin_failed": _l("Sign-in failed"),
    "signin_locked": _l("Sign-in locked after repeated failures"),
    "case_suspended": _l("Case suspended"),
    "case_resumed": _l("Case resumed"),
    "case_cancelled": _l("Case cancelled"),
    "unit_renamed": _l("Unit renamed"),
    "unit_updated": _l("Unit changed"),
    "unit_deactivated": _l("Unit deactivated"),
    "unit_merged": _l("Unit merged into another"),
    "cases_exported": _l("Case list exported"),
    "report_not_opened": _l("A report could not be opened (the procedure failed)"),
}

# Kinds of units (Unit.kind), and the official types of commune-level units (Unit.division).
UNIT_KINDS = Terms("unit_kinds")
DIVISIONS = Terms("divisions")


def label(table: dict | Terms, code: object) -> str:
    if code is None:
        return ""
    return str(table.get(code, code))
