"""Administration: staff accounts, their roles and units."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine import timers
from engine.accounts import save_user
from engine.errors import ValidationError
from engine.models import Role, Unit, User

from .auth import current_actor, roles_required
from .db import commit, db

bp = Blueprint("admin", __name__, url_prefix="/admin")
STAFF_ROLES = [r.value for r in Role if r != Role.CITIZEN]


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
def incidents():
    return render_template("admin/incidents.html", rows=timers.troubled_cases(db()))


@bp.post("/incidents/<int:case_id>/retry")
@roles_required(Role.ADMIN)
def retry(case_id: int):
    case = timers.retry_incident(db(), current_actor().username, case_id)
    commit()
    flash(_("Case %(code)s will be retried at the next sweep.", code=case.code), "success")
    return redirect(url_for(".incidents"))
