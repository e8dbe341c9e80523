"""Leadership's review of the weekly and quarterly reports: the task the reporting process (engine/scheduled.py)
puts in the inbox at each briefing, with links to the printable report and its spreadsheet."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import scheduled
from engine.errors import Conflict, ValidationError
from engine.models import Role

from . import formrender, params
from .auth import current_actor, roles_required
from .db import db, on_failure
from .i18n import lang

bp = Blueprint("report_reviews", __name__, url_prefix="/inbox/reviews")


def report_url(run, fmt: str | None = None) -> str:
    """The report page of the run's period (`/reports/weekly/2026-W48`), or its export (`?format=xlsx`)."""
    path = f"/reports/{run.schedule}/{run.period}"
    return f"{path}?format={fmt}" if fmt else path


@bp.app_template_global("report_url")
def _report_url(run, fmt: str | None = None) -> str:
    return report_url(run, fmt)


@bp.get("/<int:run_id>")
@roles_required(Role.LEADERSHIP)
def show(run_id: int):
    run = scheduled.review(db(), current_actor(), run_id)
    return _page(run, {}, {})


def _page(run, values: dict, errors: dict, status: int = 200):
    """The review: the period, the report's links and, while it is open, the version's form (formrender)."""
    schema = scheduled.review_form(db(), run)
    fields = formrender.render_fields(schema, values, errors, lang=lang()) if schema else None
    return render_template("inbox/review.html", run=run, fields=fields, errors=errors), status


@bp.post("/<int:run_id>")
@roles_required(Role.LEADERSHIP)
def complete(run_id: int):
    actor = current_actor()
    run = scheduled.review(db(), actor, run_id)
    schema = scheduled.review_form(db(), run)
    if schema is None:
        flash(_("Not saved: this report was already reviewed."), "warning")
        return _page(run, {}, {}, 409)
    values, errors = formrender.parse_submission(schema, request.form)
    if errors:
        return _page(run, values, errors, 422)

    def not_saved(error):
        fresh = scheduled.review(db(), actor, run_id)
        if isinstance(error, ValidationError):
            return _page(fresh, values, error.form_errors(), 422)
        if scheduled.review_form(db(), fresh) is not None:  # still open: it changed after the page was opened
            flash(_("Not saved: this report changed since you opened it. Check it and submit again."), "warning")
        else:
            flash(_("Not saved: this report was already reviewed."), "warning")
        return _page(fresh, values, {}, 409)

    on_failure((ValidationError, Conflict), not_saved)
    expected = params.int_arg(request.form, "row_version", None)  # absent: not checked
    run = scheduled.complete_review(db(), actor, run_id, values, expected_version=expected)
    flash(_("Report %(period)s reviewed.", period=run.period), "success")
    return redirect(url_for("inbox.index"))
