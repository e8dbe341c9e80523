"""The staff case list's export (CSV and XLSX: the whole list, the same search and filters, the role's scope) and
the printable case file. The list itself and its search are `cases.index`; the rows come from the engine
(`engine.case_export`), which refuses too long a list and writes the audit entry."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import case_export, casefile, clock, directory, spreadsheet
from engine.errors import ValidationError
from engine.settings import LOCAL_TZ

from . import cases as case_views
from . import list_filters
from .auth import current_actor, roles_required
from .db import db, on_failure
from .i18n import error_text
from .labels import CATEGORIES, STATUSES, label

bp = Blueprint("case_search", __name__, url_prefix="/cases")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# The steps whose latest submission a case file shows in its own section, in the order of the procedure.
FILE_STEPS = ("screen", "classify", "enter_result", "verify_result", "citizen_feedback", "review_dispute")


@bp.get("/export.<any(csv, xlsx):fmt>")
@roles_required(*case_views.LIST_ROLES)
def export(fmt: str):
    listed = list_filters.parse(request.args)
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    if listed.problems:  # the list shows what is wrong with its filters
        return redirect(url_for("cases.index", **query))

    def too_large(error: case_export.ExportTooLarge):
        flash(_("This list has %(total)s cases; an export holds at most %(limit)s. Narrow the search or the "
                "filters (for example the period) and export again.", total=error.total, limit=error.limit),
              "warning")
        return redirect(url_for("cases.index", **query))

    on_failure(case_export.ExportTooLarge, too_large)
    def refused(error: ValidationError):
        flash(error_text(error), "warning")  # never a silent return to the list
        return redirect(url_for("cases.index", **query))

    on_failure(ValidationError, refused)
    found = case_export.export_cases(db(), current_actor(), listed.wanted, fmt)
    headers, rows = _table(found)
    if fmt == "csv":
        body = spreadsheet.write_csv(headers, rows)
    else:
        body = spreadsheet.write_xlsx([spreadsheet.Sheet(_("Cases"), headers, rows)])
    stamp = clock.now().astimezone(LOCAL_TZ).strftime("%Y%m%d-%H%M")
    return Response(body, mimetype=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="cases-{stamp}.{fmt}"',
                             "Cache-Control": "no-store"})


def _table(found: case_export.CaseExport) -> tuple[list[str], list[list]]:
    names = directory.unit_names(db())
    headers = [_("Case code"), _("Received"), _("Status"), _("Level"), _("Category"), _("Ward"),
               _("Handling unit"), _("Overdue"), _("Deadline"), _("Result published"), _("Closed"), _("Facility"),
               _("Address"), _("Description")]
    if found.with_contact:
        headers += [_("Reporter's name"), _("Reporter's phone"), _("Reporter's e-mail")]
    rows = []
    for r in found.rows:
        row = [r.code, r.received_at, label(STATUSES, r.status), r.level, label(CATEGORIES, r.category),
               names.get(r.ward or "", r.ward), names.get(r.handling_unit or "", r.handling_unit),
               _("yes") if r.overdue else _("no"), r.deadline_at, r.published_at, r.closed_at, r.facility,
               r.address, r.description]
        if found.with_contact:
            row += [r.reporter_name, r.reporter_phone, r.reporter_email]
        rows.append(row)
    return headers, rows


@bp.get("/<int:case_id>/print")
@login_required
def print_file(case_id: int):
    """The case file for a briefing folder: report, classification, result, verification, rating, timeline."""
    found = casefile.case_file(db(), current_actor(), case_id, page="print")
    timeline = [case_views.timeline_entry(found.case, event) for event in found.events]
    latest = {}
    for entry in timeline:
        event = entry["event"]
        if event.kind == "task_completed" and event.task_name in FILE_STEPS:
            latest[event.task_name] = entry
    steps = [latest[name] for name in FILE_STEPS if name in latest]
    return render_template("cases/print.html", case=found.case, steps=steps, timeline=timeline,
                           attachments=found.attachments, show_reporter=found.show_reporter,
                           printed_at=clock.now())
