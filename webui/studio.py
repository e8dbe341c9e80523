"""Process studio: pages arrive in the next commit."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio")


@bp.get("/")
def index():
    return ""
