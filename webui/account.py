"""The signed-in user's own account ("Tài khoản của tôi"): who they are, and the language of their pages and mails."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine import accounts
from engine.errors import ValidationError
from engine.messages import t

from .db import db, on_failure
from .i18n import use_language

bp = Blueprint("account", __name__, url_prefix="/account")
DEPARTMENT_DEFAULT = ""  # the form's value for "no language of my own: the department's"


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    if request.method == "GET":
        return _page({})
    chosen = request.form.get("lang")
    on_failure(ValidationError, lambda exc: _page(exc.form_errors(), chosen))
    if chosen is None:  # a form without the field is broken; "" is the department's language
        raise ValidationError(t("unknown_language"), {"lang": t("unknown_language")})
    chosen = chosen[:10]
    user = accounts.set_language(db(), int(current_user.id), None if chosen == DEPARTMENT_DEFAULT else chosen)
    use_language(accounts.language_of(db(), user))
    flash(_("Your language is saved."), "success")
    return redirect(url_for(".index"))


def _page(errors: dict[str, str], chosen: str | None = None):
    user = accounts.own_account(db(), int(current_user.id))
    if chosen is None:
        chosen = user.lang or DEPARTMENT_DEFAULT
    return render_template("account/index.html", user=user, errors=errors, chosen=chosen), (422 if errors else 200)
