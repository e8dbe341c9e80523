"""Flask application factory: the staff workspace (and later the citizen portal) as blueprints."""
from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import Flask, abort, g, redirect, render_template, send_from_directory, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from engine import directory
from engine.db import make_engine, make_session_factory

from . import (
    account,
    admin,
    admin_units,
    auth,
    case_media,
    case_search,
    cases,
    config,
    deadlines,
    errors,
    i18n,
    inbox,
    limits,
    links,
    notifications,
    open311,
    params,
    portal,
    procedure_review,
    report_reviews,
    reports,
    security,
    studio,
)
from .db import db
from .db import init_app as init_db
from .labels import (
    CATEGORIES,
    CHANNELS,
    EVENTS,
    LEVELS,
    NOTIFICATIONS,
    OUTCOMES,
    PROCESSES,
    PUBLIC_STEPS,
    ROLES,
    STATUSES,
    TIMER_ROLES,
    label,
)

csrf = CSRFProtect()
# Front-end packages served from node_modules (installed from the npm registry by `make`); nothing else is exposed.
VENDOR_PREFIXES = ("bootstrap/dist/", "htmx.org/dist/", "bpmn-js/dist/", "chart.js/dist/", "dmn-js/dist/")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The app. A test configuration is applied first: its INSTANCE_PATH is the instance folder, and nothing
    is read from or written to the default one (no stored secret key, no database file, no catalogs there)."""
    test_config = dict(test_config or {})
    instance = Path(test_config.pop("INSTANCE_PATH", None) or config.instance_path())
    app = Flask(__name__, instance_path=str(instance))
    settings = config.settings()
    if test_config:
        app.config.from_mapping(test_config)
        app.config["SECRET_KEY"] = test_config.get("SECRET_KEY") or secrets.token_hex(32)
        if "DB_ENGINE" not in test_config and "DATABASE_URL" not in test_config:
            instance.mkdir(parents=True, exist_ok=True)
            app.config["DATABASE_URL"] = f"sqlite:///{instance.resolve() / 'rapid_response.sqlite3'}"
        app.config.setdefault("ATTACHMENTS_DIR", str(instance / "attachments"))
    else:
        app.config.from_mapping(SECRET_KEY=config.secret_key(), DATABASE_URL=settings.database_url,
                                ATTACHMENTS_DIR=str(config.attachments_dir()))
    app.config.from_mapping(
        NODE_MODULES=str(config.node_modules_dir()),
        DEMO=config.demo_mode(),
        CONTACT_RETENTION_DAYS=settings.contact_retention_days,
        MAX_CASE_BYTES=settings.max_case_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=config.max_upload_bytes(),
        WTF_CSRF_TIME_LIMIT=None,
        HTTPS=config.served_over_https(),
        TRUSTED_PROXIES=config.trusted_proxies(),
    )
    app.config.update(test_config)
    params.init_app(app)  # bounded route converters, before any route is added
    engine = app.config.get("DB_ENGINE") or make_engine(app.config["DATABASE_URL"])
    settings = replace(settings, database_url=engine.url.render_as_string(hide_password=False),
                       max_case_bytes=app.config["MAX_CASE_BYTES"],
                       contact_retention_days=app.config["CONTACT_RETENTION_DAYS"])
    app.extensions["rr_settings"] = settings
    app.extensions["rr_engine"] = engine
    app.extensions["rr_sessions"] = make_session_factory(engine, settings)

    init_db(app)
    csrf.init_app(app)
    security.init_app(app, https=app.config["HTTPS"], proxies=app.config["TRUSTED_PROXIES"])
    errors.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    notifications.init_app(app)
    limits.init_app(app)
    open311.init_app(app)
    csrf.exempt(open311.bp)
    blueprints = (account.bp, inbox.bp, cases.bp, case_search.bp, case_media.bp, admin.bp, admin_units.bp, portal.bp,
                  studio.bp, report_reviews.bp, procedure_review.bp, reports.bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    _template_helpers(app)
    links.init_app(app)

    @app.get("/")
    def home():
        if current_user.is_authenticated:
            return redirect(url_for("inbox.index"))
        return render_template("portal/home.html", deadlines=deadlines.active_hours())

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/vendor/<path:filename>")
    def vendor(filename: str):
        if not filename.startswith(VENDOR_PREFIXES):
            abort(404)
        return send_from_directory(Path(app.config["NODE_MODULES"]), filename, max_age=86400)

    return app


def _template_helpers(app: Flask) -> None:
    def unit_names() -> dict[str, str]:
        if "unit_names" not in g:  # from the units a form of this request already read, if any
            units = g.get("all_units")
            if units is None and current_user.is_authenticated:  # this process's copy, when still current
                units = g.all_units = directory.units_as_of(db(), current_user.units_version)
            g.unit_names = {u.code: u.name for u in units} if units is not None else directory.unit_names(db())
        return g.unit_names

    def actor_label(actor: str) -> str:
        if actor.startswith("citizen"):
            return _("Citizen")
        if actor in ("timer", "system"):
            return _("System (deadline timer)")
        return actor

    headings = {403: _l("Not allowed"), 404: _l("Not found"), 409: _l("Changed in the meantime"),
                422: _l("Please check your input"), 413: _l("File too large"),
                429: _l("Too many requests: please wait a moment and try again")}

    app.jinja_env.globals.update(
        category_label=lambda code: label(CATEGORIES, code),
        status_label=lambda code: label(STATUSES, code),
        role_label=lambda code: label(ROLES, code),
        outcome_label=lambda code: label(OUTCOMES, code),
        level_label=lambda code: label(LEVELS, code),
        channel_label=lambda code: label(CHANNELS, (code or "").split(":")[0]),
        process_label=lambda code: label(PROCESSES, code),
        event_label=lambda code: label(EVENTS, code),
        notification_label=lambda code: label(NOTIFICATIONS, code),
        timer_role_label=lambda code: label(TIMER_ROLES, code),
        public_step_label=lambda code: label(PUBLIC_STEPS, code),
        unit_name=lambda code: unit_names().get(code, code or "") if code else "",
        actor_label=actor_label,
        error_heading=lambda code: str(headings.get(code, _l("Something went wrong"))),
        current_lang=i18n.lang,
        demo_mode=app.config["DEMO"],
    )

