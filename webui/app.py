"""Flask application factory. The staff workspace and citizen portal hang off this as blueprints."""
from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask, render_template_string
from sqlalchemy import func, select

from engine.db import make_engine, make_session_factory, transaction
from engine.models import Case, InboxItem

from . import config

_HOME = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Phản ứng nhanh</title></head>
<body>
<h1>Hệ thống phản ứng nhanh — Sở Y tế</h1>
<p>Rapid-response case system.</p>
<ul>
  <li>Hồ sơ đang mở / Open cases: {{ open_cases }}</li>
  <li>Việc đang chờ / Tasks waiting: {{ tasks }}</li>
  <li>Quá hạn / Overdue cases: {{ overdue }}</li>
</ul>
</body></html>"""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(config.instance_path()))
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_hex(32),
        DATABASE_URL=config.database_url(),
    )
    if test_config:
        app.config.update(test_config)
    engine = app.config.get("DB_ENGINE") or make_engine(app.config["DATABASE_URL"])
    app.extensions["rr_engine"] = engine
    app.extensions["rr_sessions"] = make_session_factory(engine)

    @app.get("/")
    def home() -> str:
        with transaction(app.extensions["rr_sessions"]) as session:
            open_cases = session.scalar(select(func.count()).select_from(Case)
                                        .where(Case.closed_at.is_(None)))
            tasks = session.scalar(select(func.count()).select_from(InboxItem))
            overdue = session.scalar(select(func.count()).select_from(Case)
                                     .where(Case.overdue.is_(True), Case.closed_at.is_(None)))
        return render_template_string(_HOME, open_cases=open_cases, tasks=tasks, overdue=overdue)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
