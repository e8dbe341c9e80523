"""The quarterly review of the procedure (`/studio/review`): per diagram element of a version, for a period, the
figures of `engine.procedure_review`, as a table (works without JavaScript) and drawn on the diagram
(static/procedure-review.js reads the table), with a second version or period beside it for comparison."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import briefings, procedure_review, review_summary, versions
from engine.clock import now
from engine.errors import NotFound, ValidationError
from engine.models import Role

from . import diagram_names, params
from .auth import roles_required
from .db import db

bp = Blueprint("procedure_review", __name__, url_prefix="/studio/review")
REVIEWERS = (Role.PROCESS_OWNER, Role.LEADERSHIP, Role.INSPECTOR)
MAX_VERSION = 100_000
REWORK_LABELS = {"verification_rejected": _l("Verification rejected (result sent back)"),
                 "dispute_reopened": _l("Dispute reopened")}


def last_quarter() -> str:
    """The quarter that ended last (the one a quarterly review looks at)."""
    return briefings.period_before("quarterly", now())


@bp.get("")
@roles_required(*REVIEWERS)
def index():
    session = db()
    active = versions.find_active_version(session)
    args = request.args
    period = (args.get("period") or "").strip()[:10] or last_quarter()
    compare_period = (args.get("compare_period") or "").strip()[:10] or period
    problem, status, reviews = None, 200, []
    try:
        number = params.int_arg(args, "version", active.number if active else 1, minimum=1, maximum=MAX_VERSION)
        compare = params.int_arg(args, "compare", 0, minimum=0, maximum=MAX_VERSION)
        wanted = [(number, period)] + ([(compare, compare_period)] if compare else [])
        for version_number, version_period in wanted:
            version = procedure_review.version_by_number(session, version_number)
            reviews.append((version, procedure_review.review(session, version, version_period)))
    except params.BadParameter as exc:
        problem, status = _("“%(name)s” must be a version number.", name=exc.parameter), 400
        number, compare = active.number if active else 1, 0
    except ValidationError:
        problem, status = _("The period must be a quarter like 2026-Q4 or an ISO week like 2026-W48 "
                            "(years 2000–2099)."), 400
    except NotFound:
        problem, status = _("There is no such version of the procedure."), 404
    all_versions = procedure_review.version_numbers(session)
    return render_template("studio/review.html", reviews=reviews if not problem else [], problem=problem,
                           period=period, compare_period=compare_period, number=number, compare=compare,
                           versions=all_versions, rework_labels=REWORK_LABELS,
                           pending=review_summary.pending_events(session),
                           small=procedure_review.SMALL_SAMPLE), status


@bp.get("/diagram/<int:number>.bpmn")
@roles_required(*REVIEWERS)
def diagram(number: int):
    version = procedure_review.version_by_number(db(), number)
    return Response(diagram_names.localized(procedure_review.diagram(version)), mimetype="application/xml")
