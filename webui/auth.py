"""Sign-in with Flask-Login (Argon2 password hashes) and the role rule every view declares."""
from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

from engine import accounts
from engine.accounts import SignedInAccount, actor_of
from engine.actors import Actor
from engine.errors import PermissionDenied, TooManyAttempts
from engine.models import User

from . import config
from .db import db
from .i18n import use_language
from .links import local_target

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"


class SignedInUser(UserMixin):
    """What the session remembers about a staff member (detached from the database session)."""

    def __init__(self, user: User | SignedInAccount):
        self.id = str(user.id)
        self.username = user.username
        self.display_name = user.display_name
        self.unit = user.unit_code
        self.roles = user.role_names
        # read with the user on a GET (the page's badge); None: not read yet (webui/notifications.py)
        self.unread_notifications: int | None = getattr(user, "unread_notifications", None)
        self.units_version: str | None = getattr(user, "units_version", None)  # engine/directory.py units_as_of

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.roles, self.unit)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


@login_manager.user_loader
def _load(user_id: str) -> SignedInUser | None:
    if not (user_id.isascii() and user_id.isdigit()):
        return None
    user = accounts.signed_in_user(db(), int(user_id), with_unread=request.method == "GET")  # pages show a badge
    return SignedInUser(user) if user is not None else None


def roles_required(*roles: str) -> Callable:
    """Only signed-in users with one of `roles` (403 otherwise; sign-in page when not signed in)."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not current_user.has_role(*roles):
                raise PermissionDenied(_("This page is not for your role."))
            return view(*args, **kwargs)
        wrapper.required_roles = frozenset(roles)
        return wrapper
    return decorator


def current_actor() -> Actor:
    return current_user.actor


def _safe_next(target: str | None) -> str:
    return local_target(target) or url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Unknown names cost the same work as wrong passwords; repeated failures lock the name or the address
    for a while (the form stays filled in, with a message saying how long)."""
    username = request.form.get("username", "").strip()[:200]
    if request.method == "GET":
        return render_template("auth/login.html", error=None, username=username)
    try:
        user = accounts.sign_in(db(), username, request.form.get("password", ""), request.remote_addr,
                                current_app.config["SIGNIN_POLICY"])
    except TooManyAttempts as exc:
        seconds = max(60, math.ceil(exc.retry_after.total_seconds()))
        error = ngettext("Too many failed sign-ins. Please try again in %(num)d minute.",
                         "Too many failed sign-ins. Please try again in %(num)d minutes.", math.ceil(seconds / 60))
        return render_template("auth/login.html", error=error, username=username), 429, {"Retry-After": str(seconds)}
    if user is None:
        return render_template("auth/login.html", error=_("Wrong user name or password."), username=username), 401
    login_user(SignedInUser(user), remember=False)
    use_language(accounts.language_of(db(), user))  # the pages in the user's own language from now on
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have signed out."))
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    app.config.setdefault("SIGNIN_POLICY", config.signin_policy())
    accounts.dummy_hash()  # computed once now, so the first unknown name takes no longer than the others
    login_manager.init_app(app)
    login_manager.login_message = None
    app.register_blueprint(bp)


__all__ = ["actor_of", "bp", "current_actor", "init_app", "roles_required"]
