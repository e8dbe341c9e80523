"""The briefing as rows: one list of figures that the printable page, the XLSX and the CSV all show, so the
numbers can never differ between them. Labels go through the catalogs (the briefing's language)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import g
from flask_babel import gettext as _

from engine import directory
from engine.report_briefing import Briefing, BriefingCase
from engine.report_stats import Durations
from engine.reports import Report
from engine.spreadsheet import Sheet

from .db import db
from .i18n import local_name
from .labels import CATEGORIES, ROLES, label

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class Figure:
    """One line of the briefing's table: a group, a label, a value (a count, hours or a share), the number of
    cases it is computed from when that matters, and the drill-down that lists them (metric + filters)."""

    group: str
    label: str
    value: int | float | None
    unit: str = ""  # "", "h" (hours) or "%"
    sample: int | None = None
    metric: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # stable id for pages and tests, e.g. "received", "late.level.1"

    @property
    def small(self) -> bool:
        return self.sample is not None and 0 < self.sample < 5


def unit_names() -> dict[str, str]:
    if "unit_names" not in g:
        g.unit_names = directory.unit_names(db())
    return g.unit_names


def unit_label(code: str | None) -> str:
    return unit_names().get(code, code) if code else _("(none)")


def dimension_label(dimension: str, key: Any) -> str:
    if key is None:
        return _("Not classified") if dimension == "level" else _("(none)")
    if dimension == "level":
        return _("Level %(level)s", level=key)
    if dimension == "category":
        return str(label(CATEGORIES, key))
    if dimension == "source":
        return {"web": _("Citizen portal"), "open311": _("Open311 API")}.get(key, key)
    return unit_label(key)


def title(found: Briefing) -> str:
    period = found.period
    if found.kind == "weekly":
        week = period.label.split("-W")
        return _("WEEKLY REPORT, WEEK %(week)s/%(year)s", week=int(week[1]), year=week[0])
    year, quarter = period.label.split("-Q")
    return _("QUARTERLY REPORT, QUARTER %(quarter)s/%(year)s", quarter=ROMAN[int(quarter)], year=year)


def subtitle() -> str:
    return _("Receipt and handling of citizens' reports of violations in the health sector")


def hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _durations(group: str, name: str, found: Durations, metric: str | None, params: dict, key: str) -> list[Figure]:
    return [Figure(group, _("%(name)s — median", name=name), hours(found.median), "h", found.n, metric, params,
                   f"{key}.median"),
            Figure(group, _("%(name)s — 90th percentile", name=name), hours(found.p90), "h", found.n, metric,
                   params, f"{key}.p90")]


FILTER_OF = {"handling_unit": "unit"}  # a breakdown's dimension → the report filter that selects its cases


def figures(report: Report) -> list[Figure]:
    """Every figure of a report, in the order a briefing reads them."""
    rows: list[Figure] = []
    g_received = _("Received")
    rows.append(Figure(g_received, _("Reports received"), report.received, metric="received", key="received"))
    by_names = {"level": _("By level"), "category": _("By category"), "ward": _("By ward"),
                "handling_unit": _("By handling unit"), "source": _("By channel"), "agency": _("By agency")}
    for dimension, name in by_names.items():
        for key, count in report.received_by.get(dimension, []):
            if key is None and dimension != "level":
                continue
            # the cases behind a row are those of its filter (the handling unit's is `unit`); the unclassified
            # cases have no filter of their own, so that row has no list
            rows.append(Figure(f"{g_received}: {name}", dimension_label(dimension, key), count,
                               metric="received" if key is not None else None,
                               params={FILTER_OF.get(dimension, dimension): key} if key is not None else {},
                               key=f"received.{dimension}.{key}"))
    g_deadlines = _("Handling against the deadline (deadline in the period)")
    for d in report.deadlines:
        level = {"level": d.level}
        rows += [Figure(g_deadlines, _("Level %(level)s: on time", level=d.level), d.on_time, metric="on_time",
                        params=level, key=f"on_time.level.{d.level}"),
                 Figure(g_deadlines, _("Level %(level)s: late", level=d.level), d.late, metric="late",
                        params=level, key=f"late.level.{d.level}"),
                 Figure(g_deadlines, _("Level %(level)s: not yet due", level=d.level), d.pending,
                        metric="pending", params=level, key=f"pending.level.{d.level}"),
                 Figure(g_deadlines, _("Level %(level)s: share on time", level=d.level),
                        None if d.on_time_share is None else round(100 * d.on_time_share, 1), "%", d.decided,
                        key=f"on_time_share.level.{d.level}")]
    g_now = _("Now")
    rows += [Figure(g_now, _("Open cases"), report.open_now, metric="open_now", key="open_now"),
             Figure(g_now, _("Overdue cases"), report.overdue_now, metric="overdue_now", key="overdue_now")]
    g_times = _("Times (hours)")
    rows.append(Figure(g_times, _("Results published"), report.published, metric="published", key="published"))
    rows += _durations(g_times, _("Time to result"), report.time_to_result, "published", {}, "time_to_result")
    for level, found in report.time_to_result_by_level.items():
        rows += _durations(g_times, _("Time to result, level %(level)s", level=level), found, "published",
                           {"level": level}, f"time_to_result.level.{level}")
    rows += _durations(g_times, _("Screening time"), report.screening, "screened", {}, "screening")
    for agency in report.agencies:
        name = unit_label(agency.agency)
        rows += _durations(g_times, _("%(agency)s: acknowledgement", agency=name), agency.acknowledgement,
                           "acknowledged", {"agency": agency.agency}, f"acknowledgement.{agency.agency}")
        rows += _durations(g_times, _("%(agency)s: contribution", agency=name), agency.contribution,
                           "contributed", {"agency": agency.agency}, f"contribution.{agency.agency}")
    g_citizens = _("Citizens' feedback")
    rate = report.reopen_rate
    rows += [Figure(g_citizens, _("Disputes (“not resolved”)"), report.disputed, metric="disputed", key="disputed"),
             Figure(g_citizens, _("Reopened after a dispute"), report.reopened, metric="reopened", key="reopened"),
             Figure(g_citizens, _("Reopen rate (reopened per result published)"),
                    None if rate is None else round(100 * rate, 1), "%", report.published, key="reopen_rate"),
             Figure(g_citizens, _("Ratings"), report.ratings.n, metric="rated", key="ratings"),
             Figure(g_citizens, _("Average rating (1–5)"),
                    None if report.ratings.mean is None else round(report.ratings.mean, 2), "",
                    report.ratings.n, key="rating_mean")]
    for stars in range(5, 0, -1):
        rows.append(Figure(g_citizens, _("Rated %(stars)s", stars=stars), report.ratings.counts.get(stars, 0),
                           metric="rated", params={"rating": stars}, key=f"rated.{stars}"))
    return rows


def late_hours(late_by: timedelta | None) -> float | None:
    return None if late_by is None else round(late_by.total_seconds() / 3600, 1)


def waiting_text(case: BriefingCase) -> str:
    return "; ".join(f"{local_name(t.title)} ({unit_label(t.unit) if t.unit else label(ROLES, t.role)})"
                     for t in case.waiting_for)


def case_headers() -> list[str]:
    return [_("Case"), _("Level"), _("Ward"), _("Handling unit"), _("Facility"), _("Received"), _("Deadline"),
            _("Result published"), _("Hours late"), _("Waiting for")]


def case_row(case: BriefingCase) -> list[Any]:
    return [case.code, case.level, unit_label(case.ward), unit_label(case.handling_unit), case.facility,
            case.received_at, case.deadline_at, case.published_at, late_hours(case.late_by), waiting_text(case)]


def preamble(found: Briefing) -> list[str]:
    period = found.period
    return [title(found), subtitle(),
            _("Period: %(first)s to %(last)s (%(label)s)", first=period.first_day.strftime("%d/%m/%Y"),
              last=period.last_day.strftime("%d/%m/%Y"), label=period.label)]


def sheets(found: Briefing) -> list[Sheet]:
    def value_text(figure: Figure) -> Any:
        return figure.value

    summary = Sheet(_("Figures"), [_("Group"), _("Figure"), _("Value"), _("Unit"), _("Cases counted"), _("Note")],
                    [[f.group, f.label, value_text(f), {"h": _("hours"), "%": "%"}.get(f.unit, ""), f.sample,
                      _("small sample") if f.small else ""] for f in figures(found.figures)],
                    preamble(found))
    lists = [(_("Overdue cases"), found.overdue), (_("Results published late"), found.published_late),
             (_("Notable cases"), found.notable)]
    return [summary, *(Sheet(name, case_headers(), [case_row(c) for c in listed.cases],
                             [title(found), name]) for name, listed in lists)]
