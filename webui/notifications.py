"""In-app notifications: the list, and the unread badge every page shows."""
from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask_login import current_user, login_required

from engine import notifications, review_notices

from .auth import current_actor
from .db import db

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    session = db()
    actor = current_actor()
    unread = notifications.unread_count(session, actor)
    groups = notifications.grouped(session, actor)
    unread_ids = {n.id for n in notifications.latest(session, actor, limit=unread)} if unread else set()
    briefings = review_notices.latest(session, actor)
    notifications.mark_read(session, actor)
    current_user.unread_notifications = None  # the badge counted before this page marked them read
    return render_template("notifications/index.html", groups=groups, unread_ids=unread_ids, briefings=briefings)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _badge():
        def unread_notifications() -> int:
            if not current_user.is_authenticated:
                return 0
            if current_user.unread_notifications is None:  # not read with the user (not a GET)
                current_user.unread_notifications = notifications.unread_count(db(), current_actor())
            return current_user.unread_notifications
        return {"unread_notifications": unread_notifications}
