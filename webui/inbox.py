"""The task inbox: the signed-in user's tasks by role and unit, filtered, sorted by time to deadline."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine import casefile, cases, directory, inbox, scheduled
from engine.errors import ValidationError
from engine.messages import t
from engine.models import Role

from . import params
from .auth import current_actor, roles_required
from .db import db
from .labels import CATEGORIES
from .links import local_target

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
CLAIM_FILTERS = ("mine", "unclaimed")


def _filter_from_request() -> inbox.InboxFilter:
    args = request.args
    level = args.get("level", "")
    role = args.get("role") or None
    return inbox.InboxFilter(
        role=role if role in current_user.roles else None,
        level=int(level) if level in ("1", "2", "3") else None,
        category=args.get("category") or None,
        ward=args.get("ward") or None,
        overdue=args.get("overdue") == "1",
        claim=args.get("claim") if args.get("claim") in CLAIM_FILTERS else None,
        code=(args.get("q") or "").strip()[:20] or None,
        sort="received" if args.get("sort") == "received" else "due",
    )


@bp.get("/")
@login_required
def index():
    actor = current_actor()
    wanted = _filter_from_request()
    session = db()
    rows = inbox.search(session, actor, wanted)
    wards = directory.wards(session)
    colleagues = inbox.colleagues(session, actor) if Role.SUPERVISOR in actor.roles else {}
    template = "inbox/_rows.html" if request.headers.get("HX-Request") else "inbox/index.html"
    reviews = scheduled.open_reviews(session, actor)
    counts = {**inbox.queue_counts(session, actor), "reviews": len(reviews)}  # leadership's briefing reviews
    return render_template(template, rows=rows, wanted=wanted, counts=counts,
                           wards=wards, categories=CATEGORIES, colleagues=colleagues,
                           query=request.args.to_dict(),
                           people=casefile.people_names(session, [row.item.claimed_by or "" for row in rows]),
                           reviews=reviews)


def _back():
    return redirect(local_target(request.form.get("next")) or url_for(".index"))


@bp.post("/claim")
@login_required
def claim():
    cases.claim_task(db(), current_actor(), _case_id(), request.form.get("task_id", ""))
    flash(_("Task claimed: it is yours now."), "success")
    return _back()


@bp.post("/unclaim")
@login_required
def unclaim():
    cases.unclaim_task(db(), current_actor(), _case_id(), request.form.get("task_id", ""))
    flash(_("Task released: colleagues can take it."), "info")
    return _back()


@bp.post("/assign")
@roles_required(Role.SUPERVISOR)
def assign():
    username = request.form.get("username") or None
    cases.assign_task(db(), current_actor(), _case_id(), request.form.get("task_id", ""), username)
    flash(_("Task given to %(name)s.", name=username) if username else _("Task released."), "success")
    return _back()


def _case_id() -> int:
    value = request.form.get("case_id", "")
    if not params.DIGITS.match(value) or int(value) > params.MAX_ID:
        raise ValidationError(t("missing_case"), {"case_id": t("missing_case")})
    return int(value)
