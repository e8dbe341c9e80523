"""Administration of units: wards, communes and the special zone (from the official list), agencies, the inspectorate
and the department — rename, contact e-mail, deactivate, merge, members. Units are never deleted."""
from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import units
from engine.errors import ValidationError
from engine.models import Role, Unit, UnitKind

from . import params
from .auth import current_actor, roles_required
from .db import db, on_failure
from .labels import DIVISIONS, UNIT_KINDS, label

bp = Blueprint("admin_units", __name__, url_prefix="/admin/units")
KINDS = [k.value for k in UnitKind]
KIND = re.compile(r"^[a-z]+$")


def _kind_label(unit: Unit | str) -> str:
    """A commune-level unit shows its official type (ward, commune, special zone), other units their kind."""
    if isinstance(unit, str):
        return label(UNIT_KINDS, unit)
    return label(DIVISIONS, unit.division) if unit.division else label(UNIT_KINDS, unit.kind)


@bp.get("")
@roles_required(Role.ADMIN)
def index():
    return _index()


def _index(errors: dict[str, str] | None = None, status: int = 200):
    args = request.args
    kind = params.text_arg(args, "kind", max_length=20, pattern=KIND)
    query = params.text_arg(args, "q", max_length=100)
    found = units.list_units(db(), kind if kind in KINDS else None, query)
    return render_template("admin/units.html", units=found, kinds=KINDS, kind=kind, query=query,
                           unit_kind_label=_kind_label, creatable=units.CREATABLE_KINDS, errors=errors or {},
                           values=request.form if errors else {}), status


@bp.post("")
@roles_required(Role.ADMIN)
def create():
    """A new agency, inspectorate or department office (wards and communes come from `units import-wards`)."""
    form = request.form
    on_failure(ValidationError, lambda exc: _index(exc.form_errors(), 422))
    made = units.create_unit(db(), current_actor().username, form.get("code", "").strip()[:100],
                             form.get("name", "")[:1000], form.get("kind", "")[:20],
                             form.get("email", "")[:1000] or None)
    flash(_("Unit %(name)s saved.", name=made.name), "success")
    return redirect(url_for(".unit", code=made.code))


@bp.get("/<code>")
@roles_required(Role.ADMIN)
def unit(code: str, errors: dict[str, str] | None = None, status: int = 200):
    session = db()
    found = units.get_unit(session, code)
    targets = [u for u in units.list_units(session, found.kind) if u.active and u.code != found.code]
    return render_template("admin/unit.html", unit=found, members=units.members(session, code),
                           cases=units.case_count(session, code), targets=targets, errors=errors or {},
                           values=request.form if errors else {}, unit_kind_label=_kind_label), status


@bp.post("/<code>")
@roles_required(Role.ADMIN)
def save(code: str):
    form, by = request.form, current_actor().username
    on_failure(ValidationError, lambda exc: unit(code, exc.form_errors(), 422))  # nothing of it is saved
    units.rename(db(), by, code, form.get("name", "")[:1000])
    units.update_contact(db(), by, code, form.get("email", "")[:1000])
    flash(_("Unit %(name)s saved.", name=units.get_unit(db(), code).name), "success")
    return redirect(url_for(".unit", code=code))


@bp.post("/<code>/<any(deactivate, activate):action>")
@roles_required(Role.ADMIN)
def set_active(code: str, action: str):
    found = units.set_active(db(), current_actor().username, code, action == "activate")
    flash(_("Unit %(name)s is active again.", name=found.name) if found.active else
          _("Unit %(name)s is deactivated: citizens can no longer choose it for a new report; its cases and "
            "users stay.", name=found.name), "success")
    return redirect(url_for(".unit", code=code))


@bp.post("/<code>/merge")
@roles_required(Role.ADMIN)
def merge(code: str):
    into = request.form.get("into", "")[:40]
    on_failure(ValidationError, lambda exc: unit(code, exc.form_errors(), 422))
    units.merge(db(), current_actor().username, code, into)
    flash(_("Unit merged: its cases and users now belong to %(name)s.", name=units.get_unit(db(), into).name),
          "success")
    return redirect(url_for(".unit", code=into))


@bp.post("/<code>/members")
@roles_required(Role.ADMIN)
def add_member(code: str):
    user = units.add_member(db(), current_actor().username, code, request.form.get("username", "").strip()[:80])
    flash(_("%(user)s is now a member of this unit.", user=user.display_name), "success")
    return redirect(url_for(".unit", code=code))
