"""A case's deadline as pages show it, from the engine's one notion of overdue (`engine.deadlines`).

Overdue shows as a red "Overdue" badge with the time since the deadline, never beside a green countdown; once
the result is published the countdown stops and the text says how long handling took and whether it was on
time; a case closed without a result shows no countdown.
"""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext

from engine import deadlines

from .i18n import time_left


def duration_words(span: timedelta) -> str:
    """"31 hours", or "20 minutes" under an hour (a span above zero is at least 1 minute)."""
    seconds = span.total_seconds()
    minutes = round(seconds / 60)
    if seconds > 0 and minutes == 0:
        minutes = 1
    if minutes < 60:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    hours = round(seconds / 3600)
    return ngettext("%(num)d hour", "%(num)d hours", hours)


def handled_text(handled: deadlines.HandlingTime) -> str:
    taken = duration_words(handled.taken)
    if handled.on_time is None:
        return _("handled in %(duration)s", duration=taken)
    if handled.on_time:
        return _("handled in %(duration)s — on time", duration=taken)
    return _("handled in %(duration)s — %(late)s late", duration=taken, late=duration_words(handled.late_by))


def deadline_of(case) -> dict:
    """What a page shows about a case's deadline (`case`: a Case or a case-list row).

    kind: handled | closed | overdue | running | none; css: the badge class; text: the words to show."""
    state = deadlines.deadline_state(case)
    view = {"kind": state.kind, "deadline_at": state.deadline_at, "css": "", "text": ""}
    if state.kind == "handled":
        late = state.handled.on_time is False
        view.update(css="handled-late" if late else "handled-on-time", text=handled_text(state.handled))
    elif state.kind == "overdue":
        since = time_left(state.deadline_at)["text"] if state.overdue_by is not None else ""
        view.update(css="due-overdue", text=since)
    elif state.kind == "running":
        left = time_left(state.deadline_at)
        view.update(css=f"due-{left['state']}", text=left["text"])
    return view
