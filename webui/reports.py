"""Reports for leadership, intake and inspectors: the dashboard, the cases behind every number, the risk view and
the weekly and quarterly briefings (printable HTML, XLSX, CSV). The figures come from engine/reports.py."""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import directory, report_periods
from engine.errors import ValidationError
from engine.report_briefing import KINDS, briefing
from engine.report_periods import Period
from engine.report_risk import LEVELS, RiskCell, risk_table
from engine.reports import METRICS, REPORT_ROLES, ReportFilter, cases_behind, report
from engine.spreadsheet import write_csv_sheets, write_xlsx

from . import params
from .auth import current_actor, roles_required
from .db import db
from .labels import CATEGORIES
from .report_export import dimension_label, figures, sheets, title

bp = Blueprint("reports", __name__, url_prefix="/reports")
ROLES = tuple(sorted(REPORT_ROLES))
CODE = re.compile(r"^[A-Za-z0-9_.-]*$")
FILTERS = ("level", "ward", "category", "unit", "source", "agency", "rating")
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}
MAX_PAGE = 10_000
METRIC_LABELS = {
    "received": _l("Reports received"), "on_time": _l("Handled on time"), "late": _l("Handled late or overdue"),
    "pending": _l("Deadline not yet reached"), "open_now": _l("Open cases"), "overdue_now": _l("Overdue cases"),
    "published": _l("Results published"), "screened": _l("Reports screened"),
    "acknowledged": _l("Acknowledged by an agency"), "contributed": _l("Findings contributed by an agency"),
    "disputed": _l("Disputed by the citizen"), "reopened": _l("Reopened after a dispute"), "rated": _l("Rated"),
    "open_deadline": _l("Open cases with a deadline"), "near_deadline": _l("Near the deadline"),
}
FILTER_LABELS = {"level": _l("Level"), "ward": _l("Ward"), "category": _l("Category"), "unit": _l("Handling unit"),
                 "source": _l("Channel"), "agency": _l("Agency"), "rating": _l("Rating")}


def _period_error(text: str) -> ValidationError:
    return ValidationError(_("“%(period)s” is not a report period. Write a week (2026-W48), a quarter (2026-Q4) or "
                             "days (2026-11-01..2026-11-30).", period=text[:30]), {"period": text[:30]})


def parse_period(text: str | None, kind: str | None = None) -> Period:
    """The period, or a ValidationError in the reader's language."""
    try:
        return report_periods.parse_period(text, kind)
    except ValidationError:
        raise _period_error(text or "") from None


def _filter(metric: str | None = None) -> ReportFilter:
    """The filters of the query string; `rating` narrows only the list behind the ratings (anywhere else it was
    shown as a filter while nothing was filtered by it)."""
    args = request.args
    texts = {name: params.text_arg(args, name, max_length=60, pattern=CODE) or None
             for name in ("ward", "category", "unit", "source", "agency")}
    level = params.int_arg(args, "level", 0, minimum=0, maximum=3) or None
    rating = params.int_arg(args, "rating", 0, minimum=0, maximum=5) or None
    if rating is not None and metric != "rated":
        raise ValidationError(_("Only the list of rated cases can be narrowed by rating."),
                              {"rating": _("Only the list of rated cases can be narrowed by rating.")})
    wanted = ReportFilter(level=level, rating=rating, **texts)
    wanted.check()
    return wanted


def filter_args(wanted: ReportFilter) -> dict[str, str | int]:
    return {name: value for name in FILTERS if (value := getattr(wanted, name)) is not None}


def _choices() -> dict:
    session = db()
    units = [u for u in directory.all_units(session) if u.kind in ("ward", "inspectorate")]
    return {"wards": directory.wards(session), "units": units, "categories": CATEGORIES}


@bp.app_template_global()
def drill_url(metric: str | None, period: Period, wanted: ReportFilter, **more) -> str | None:
    """The page listing the cases behind a number (None for figures that are not a count of cases)."""
    chosen = filter_args(wanted)
    own = {k: v for k, v in more.items() if v is not None}
    if metric is None or any(name in chosen and str(chosen[name]) != str(value) for name, value in own.items()):
        return None  # a figure of another level or unit than the page's filter: 0 cases under it, nothing to list
    return url_for("reports.cases", metric=metric, period=period.label, **{**chosen, **own})


@bp.get("/")
@roles_required(*ROLES)
def dashboard():
    raw = (request.args.get("period") or "").strip()
    wanted = _filter()
    problem = None
    try:
        period = parse_period(raw) if raw else report_periods.current("week")
    except ValidationError as refused:
        period, problem = report_periods.current("week"), str(refused)
    found = report(db(), current_actor(), period, wanted)
    by_dimension = {dimension: [(dimension_label(dimension, key), key, count) for key, count in rows]
                    for dimension, rows in found.received_by.items()}
    charts = {
        "level": {"labels": [label for label, _k, _n in by_dimension["level"]],
                  "counts": [n for _l, _k, n in by_dimension["level"]]},
        "category": {"labels": [label for label, _k, _n in by_dimension["category"]],
                     "counts": [n for _l, _k, n in by_dimension["category"]]},
        "deadlines": {"labels": [_("Level %(level)s", level=d.level) for d in found.deadlines],
                      "on_time": [d.on_time for d in found.deadlines], "late": [d.late for d in found.deadlines],
                      "pending": [d.pending for d in found.deadlines],
                      "names": [_("On time"), _("Late"), _("Not yet due")]},
        "ratings": {"labels": [str(n) for n in range(1, 6)],
                    "counts": [found.ratings.counts.get(n, 0) for n in range(1, 6)]},
    }
    return render_template("reports/dashboard.html", report=found, period=period, wanted=wanted,
                           problem=problem, raw_period=raw, by_dimension=by_dimension, charts=charts,
                           figures=figures(found), this_week=report_periods.current("week"),
                           query_filters=filter_args(wanted),
                           this_quarter=report_periods.current("quarter"), **_choices()), (422 if problem else 200)


@bp.get("/cases")
@roles_required(*ROLES)
def cases():
    metric = params.text_arg(request.args, "metric", max_length=30, pattern=CODE)
    if metric not in METRICS:
        raise ValidationError(_("Unknown report figure."), {"metric": metric})
    period = parse_period(request.args.get("period") or report_periods.current("week").label)
    wanted = _filter(metric)
    page = params.int_arg(request.args, "page", 1, minimum=1, maximum=MAX_PAGE)
    found = cases_behind(db(), current_actor(), metric, period, wanted, page=page)
    query = {"metric": metric, "period": period.label, **filter_args(wanted)}
    dimension = {"unit": "handling_unit"}
    filters = [(FILTER_LABELS[name], value if name == "rating" else dimension_label(dimension.get(name, name), value))
               for name, value in filter_args(wanted).items()]
    return render_template("reports/cases.html", found=found, metric=metric, period=period, wanted=wanted,
                           query=query, metric_label=METRIC_LABELS[metric], filters=filters,
                           back_query={k: v for k, v in query.items() if k in ("level", "ward", "category", "unit")})


@bp.get("/risk")
@roles_required(*ROLES)
def risk():
    wanted = _filter()
    table = risk_table(db(), current_actor(), wanted)
    return render_template("reports/risk.html", table=table, levels=LEVELS, wanted=wanted, empty=RiskCell(),
                           period=report_periods.current("week"), **_choices())


@bp.get("/<kind>/<period>", endpoint="briefing")
@roles_required(*ROLES)
def briefing_page(kind: str, period: str):
    if kind not in KINDS:
        abort(404)
    chosen = parse_period(period, KINDS[kind])
    wanted = _filter()
    found = briefing(db(), current_actor(), kind, chosen, wanted)
    fmt = (request.args.get("format") or "html").strip().lower()
    if fmt == "html":
        return render_template("reports/briefing.html", briefing=found, figures=figures(found.figures),
                               wanted=wanted, title=title(found), formats=FORMATS)
    if fmt not in FORMATS:
        raise ValidationError(_("Unknown format: choose html, xlsx or csv."), {"format": fmt[:10]})
    body = write_xlsx(sheets(found)) if fmt == "xlsx" else write_csv_sheets(sheets(found))
    filename = f"bao-cao-{kind}-{chosen.label}.{fmt}"
    return Response(body, mimetype=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})

