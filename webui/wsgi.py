"""WSGI entry point for production servers: `gunicorn 'webui.wsgi:app'` (settings from the environment)."""
from __future__ import annotations

from .app import create_app

app = create_app()
