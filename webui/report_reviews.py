"""Leadership's review of the weekly and quarterly reports: the task the reporting process (engine/scheduled.py)
puts in the inbox at each briefing, with links to the printable report and its spreadsheet."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import scheduled
from engine.errors import Conflict, ValidationError
from engine.models import Role

from .auth import current_actor, roles_required
from .db import db, on_failure

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
    return render_template("inbox/review.html", run=run, errors={}, values={})


@bp.post("/<int:run_id>")
@roles_required(Role.LEADERSHIP)
def complete(run_id: int):
    actor = current_actor()
    values = {"acknowledged": request.form.get("acknowledged") == "1",
              "review_comment": (request.form.get("review_comment") or "")[:scheduled.MAX_COMMENT + 1]}

    def not_saved(error):
        run = scheduled.review(db(), actor, run_id)
        if isinstance(error, ValidationError):
            errors = {name: _("Tick the box to confirm that you reviewed the report.") if name == "acknowledged"
                      else _("At most 5000 characters.") for name in error.errors}
            return render_template("inbox/review.html", run=run, errors=errors, values=values), 422
        flash(_("Not saved: this report was already reviewed."), "warning")
        return render_template("inbox/review.html", run=run, errors={}, values=values), 409

    on_failure((ValidationError, Conflict), not_saved)
    run = scheduled.complete_review(db(), actor, run_id, values,
                                    expected_version=request.form.get("row_version", type=int))
    flash(_("Report %(period)s reviewed.", period=run.period), "success")
    return redirect(url_for("inbox.index"))
