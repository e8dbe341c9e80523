"""Open311 GeoReport v2 (being written)."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
