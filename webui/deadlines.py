"""Deadlines as people read them.

* What a version promises (the classify options, the portal's home page), from the hours the diagram sets
  (`versions.deadline_hours`): no deadline is written in Python or in a template.
* A case's deadline, from the engine's one notion of overdue (`engine.deadlines`): overdue shows as a red
  "Overdue" badge with the time since the deadline, never beside a green countdown; once the result is published
  the countdown stops and the text says how long handling took and whether it was on time; a case closed without
  a result shows no countdown.
"""
from __future__ import annotations

import copy
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext

from engine import deadlines, versions
from engine.errors import NotFound
from engine.versions import DeadlineHours

from .db import db
from .i18n import time_left


def active_hours() -> DeadlineHours | None:
    """What the active version promises; None before any version is deployed."""
    try:
        return versions.active_deadline_hours(db())
    except NotFound:
        return None


def with_level_deadlines(schema: dict, hours: DeadlineHours) -> dict:
    """A copy of a form whose `level` options each say their deadline ("… — within 24 hours from receipt")."""
    level = schema.get("properties", {}).get("level")
    if not isinstance(level, dict) or not hours.levels:
        return schema
    schema = copy.deepcopy(schema)
    for option in schema["properties"]["level"].get("oneOf", []):
        promised = hours.levels.get(option.get("const"))
        if promised is None:
            continue
        suffix = _("within %(hours)s hours from receipt", hours=promised)
        for key in ("title", "x-title-en"):
            if option.get(key):
                option[key] = f"{option[key]} — {suffix}"
    return schema


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
    return deadline_view(deadlines.deadline_state(case))


def deadline_view(state: deadlines.DeadlineState) -> dict:
    """`deadline_of` for a deadline state the engine already computed (the public /track view carries one)."""
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
