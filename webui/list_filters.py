"""The search and filters of the staff case list, read from the query string, with what is wrong with them in
the user's language (the list page shows the problems above an empty list, the filters as typed)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from engine import caselist, search_text
from engine.settings import LOCAL_TZ
from engine.unseen import CONTROL

from . import params

LEVEL = re.compile(r"[0-9]{1,2}")  # ASCII digits: str.isdigit() takes "²" and "①", which int() refuses

PROBLEMS = {
    "q": _l("The search is too long: at most %(chars)s characters and %(words)s words.",
            chars=caselist.MAX_TEXT, words=search_text.MAX_WORDS),
    "received_from": _l("“Received from” is not a date (day/month/year, years 2000–2099)."),
    "received_to": _l("“Received to” is not a date (day/month/year, years 2000–2099)."),
    "received": _l("The period ends before it starts: “Received to” must not be earlier than “Received from”."),
    "level": _l("The level is 1, 2 or 3."),
    "status": _l("There is no such status."),
    "period": _l("Choose current or past cases."),
    "unit": _l("There is no such handling unit."),
}


@dataclass
class ListFilter:
    wanted: caselist.CaseFilter
    problems: dict[str, str] = field(default_factory=dict)  # field → message (translated when shown)
    unparsed: bool = False  # a date could not be read at all (HTTP 400, as params does); other problems are 422

    def refused(self, errors: Mapping[str, str]) -> None:
        """Record the fields the engine refused."""
        self.problems.update({name: str(PROBLEMS.get(name, message)) for name, message in errors.items()})

    @property
    def status(self) -> int:
        return 200 if not self.problems else 400 if self.unparsed else 422


def _date(args: Mapping[str, str], name: str, problems: dict[str, str]) -> datetime | None:
    try:
        return params.datetime_arg(args, name, LOCAL_TZ)
    except params.BadParameter:
        problems[name] = str(PROBLEMS[name])
        return None


def parse(args: Mapping[str, str]) -> ListFilter:
    """The list's filters from `args`; values that cannot be read are left out and named in `problems`."""
    problems: dict[str, str] = {}
    level = (args.get("level") or "").strip()
    if level and not LEVEL.fullmatch(level):
        problems["level"] = str(PROBLEMS["level"])
    received_from = _date(args, "received_from", problems)
    received_to = _date(args, "received_to", problems)
    if received_to is not None and len(args.get("received_to", "").strip()) <= params.DATE_ONLY_CHARS:
        received_to += timedelta(days=1)  # a date "to" includes that whole day (a date-time is taken as it is)
    wanted = caselist.CaseFilter(
        text=CONTROL.sub(" ", args.get("q") or "").strip() or None,  # they part words, as in the search
        status=args.get("status") or None,
        period=args.get("period") or None,
        level=int(level) if level and "level" not in problems else None,
        category=args.get("category") or None,
        ward=args.get("ward") or None,
        overdue=args.get("overdue") == "1",
        unit=(args.get("unit") or "").strip() or None,
        received_from=received_from,
        received_until=received_to,
    )
    return ListFilter(wanted, problems, unparsed=bool(problems.keys() & {"received_from", "received_to"}))
