"""Administration: staff accounts, their roles and units; failing and runaway cases (incidents)."""
from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import admin_reads, audit, cases, directory, procedure_faults, timers
from engine.accounts import KEEP_LANGUAGE, save_user
from engine.errors import NotFound, ValidationError
from engine.models import Role

from . import params
from .auth import current_actor, roles_required
from .db import db, on_failure
from .i18n import LOCAL_TZ, error_text
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
    rows = admin_reads.users(db(), current_actor())
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<username>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(username: str | None = None):
    session = db()
    user = admin_reads.user_named(session, current_actor(), username) if username else None
    if username and user is None:
        flash(_("There is no user %(name)s.", name=username), "warning")
        return redirect(url_for(".users"))
    form = request.form
    if request.method == "GET":
        return _user_form(username, None, {})
    on_failure(ValidationError, lambda exc: _user_form(username, form, exc.form_errors()))
    saved = save_user(session, current_actor().username, username=username or form.get("username", ""),
                      display_name=form.get("display_name", ""), roles=form.getlist("roles"),
                      unit=form.get("unit") or None, email=form.get("email") or None,
                      password=form.get("password") or None, active=form.get("active") == "1",
                      lang=_chosen_language(form), new=username is None)
    flash(_("User %(name)s saved.", name=saved.username), "success")
    return redirect(url_for(".users"))


def _chosen_language(form) -> str | None:
    """The form's language: "vi", "en", "" for the department's default (None); absent: unchanged."""
    chosen = form.get("lang", KEEP_LANGUAGE)[:10]
    return None if chosen == "" else chosen


def _user_form(username: str | None, values, errors: dict[str, str]):
    """The account form (again, with the problems, after a refused save: read from a clean session)."""
    user = admin_reads.user_named(db(), current_actor(), username) if username else None
    return render_template("admin/user_form.html", user=user, values=values, errors=errors,
                           units=directory.all_units(db()), roles=STAFF_ROLES), (422 if errors else 200)


@bp.get("/incidents")
@roles_required(Role.ADMIN)
def incidents(errors: dict[str, str] | None = None, status: int = 200):
    return render_template("admin/incidents.html", rows=timers.troubled_cases(db()), errors=errors or {},
                           values=request.form, faults=procedure_faults.recent(db()),
                           fault_days=procedure_faults.SHOWN_DAYS), status


@bp.post("/incidents/<int:case_id>/retry")
@roles_required(Role.ADMIN)
def retry(case_id: int):
    case = timers.retry_incident(db(), current_actor().username, case_id)
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
    on_failure(ValidationError, _refused_reason)
    case = CASE_ACTIONS[action](db(), current_actor().username, case_id, request.form.get("reason"))
    done = {"suspend": _("Case %(code)s is suspended: no timers fire and no task can be completed.", code=case.code),
            "resume": _("Case %(code)s is resumed.", code=case.code),
            "cancel": _("Case %(code)s is cancelled and closed.", code=case.code)}
    flash(done[action], "success")
    return redirect(url_for(".incidents"))


def _refused_reason(error: ValidationError):
    """A missing or too long reason says what a reason must be; anything else (a NUL character) says itself."""
    missing = getattr(error.errors.get("reason"), "code", None) in ("reason_required", "too_long")
    text = _("Give a reason (at most %(n)d characters).", n=timers.MAX_REASON_CHARS) if missing else error_text(error)
    return incidents({"reason": text}, 422)


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
