"""Deadline texts for people, from the hours a process version's diagram promises (`versions.deadline_hours`):
no deadline is written in Python or in a template."""
from __future__ import annotations

import copy

from flask_babel import gettext as _

from engine import versions
from engine.errors import NotFound
from engine.versions import DeadlineHours

from .db import db


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
