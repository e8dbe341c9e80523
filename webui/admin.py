"""Administration: staff accounts, their roles and units; failing and runaway cases (incidents)."""
from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine import audit, cases, timers
from engine.accounts import save_user
from engine.errors import NotFound, ValidationError
from engine.models import Role, Unit, User

from . import params
from .auth import current_actor, roles_required
from .db import commit, db
from .i18n import LOCAL_TZ
from .labels import AUDIT_KINDS
from .studio import AUDIT_KINDS as STUDIO_AUDIT_KINDS

bp = Blueprint("admin", __name__, url_prefix="/admin")
STAFF_ROLES = [r.value for r in Role if r != Role.CITIZEN]
KIND = re.compile(r"^[a-z0-9_]+$")
USERNAME = re.compile(r"^[A-Za-z0-9._:-]+$")
MAX_AUDIT_PAGE = 100_000


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    rows = db().scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<username>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(username: str | None = None):
    session = db()
    user = session.scalar(select(User).where(User.username == username)) if username else None
    if username and user is None:
        flash(_("There is no user %(name)s.", name=username), "warning")
        return redirect(url_for(".users"))
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        try:
            saved = save_user(session, current_actor().username, username=username or form.get("username", ""),
                              display_name=form.get("display_name", ""), roles=form.getlist("roles"),
                              unit=form.get("unit") or None, email=form.get("email") or None,
                              password=form.get("password") or None, active=form.get("active") == "1")
        except ValidationError as exc:
            errors = dict(exc.errors)
        else:
            commit()
            flash(_("User %(name)s saved.", name=saved.username), "success")
            return redirect(url_for(".users"))
    values = form if request.method == "POST" else None
    units = session.scalars(select(Unit).order_by(Unit.kind, Unit.name)).all()
    return render_template("admin/user_form.html", user=user, values=values, errors=errors, units=units,
                           roles=STAFF_ROLES), (422 if errors else 200)


@bp.get("/incidents")
@roles_required(Role.ADMIN)
def incidents(errors: dict[str, str] | None = None, status: int = 200):
    return render_template("admin/incidents.html", rows=timers.troubled_cases(db()), errors=errors or {},
                           values=request.form), status


@bp.post("/incidents/<int:case_id>/retry")
@roles_required(Role.ADMIN)
def retry(case_id: int):
    case = timers.retry_incident(db(), current_actor().username, case_id)
    commit()
    flash(_("Case %(code)s will be retried at the next sweep.", code=case.code), "success")
    return redirect(url_for(".incidents"))


CASE_ACTIONS = {"suspend": timers.suspend_case, "resume": timers.resume_case, "cancel": timers.cancel_case}


@bp.post("/incidents/suspend")
@roles_required(Role.ADMIN)
def suspend_by_code():
    """Suspend a runaway case that is not (yet) on the list, by its tracking code."""
    try:
        case = cases.get_case_by_code(db(), request.form.get("code", "")[:40])
    except NotFound:
        return incidents({"code": _("No case has this tracking code.")}, 422)
    return case_action(case.id, "suspend")


@bp.post("/incidents/<int:case_id>/<any(suspend, resume, cancel):action>")
@roles_required(Role.ADMIN)
def case_action(case_id: int, action: str):
    try:
        case = CASE_ACTIONS[action](db(), current_actor().username, case_id, request.form.get("reason"))
    except ValidationError:
        return incidents({"reason": _("Give a reason (at most %(n)d characters).", n=timers.MAX_REASON_CHARS)},
                         422)
    commit()
    done = {"suspend": _("Case %(code)s is suspended: no timers fire and no task can be completed.", code=case.code),
            "resume": _("Case %(code)s is resumed.", code=case.code),
            "cancel": _("Case %(code)s is cancelled and closed.", code=case.code)}
    flash(done[action], "success")
    return redirect(url_for(".incidents"))


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    """The audit log, newest first, filtered by kind, actor and period (local days, both included)."""
    args = request.args
    first = params.datetime_arg(args, "from", LOCAL_TZ)
    last = params.datetime_arg(args, "to", LOCAL_TZ)
    wanted = audit.AuditFilter(kind=params.text_arg(args, "kind", max_length=40, pattern=KIND) or None,
                               actor=params.text_arg(args, "actor", max_length=80, pattern=USERNAME) or None,
                               since=first, until=last + timedelta(days=1) if last else None)
    found = audit.search(db(), wanted, params.int_arg(args, "page", 1, minimum=1, maximum=MAX_AUDIT_PAGE))
    labels = {**STUDIO_AUDIT_KINDS, **AUDIT_KINDS}
    kinds = sorted(set(labels) | set(audit.recorded_kinds(db())))
    filters = {k: args[k] for k in ("kind", "actor", "from", "to") if args.get(k)}
    return render_template("admin/audit.html", found=found, kinds=kinds, labels=labels, filters=filters)
