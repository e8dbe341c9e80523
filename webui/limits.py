"""Rate limits per client IP (Flask-Limiter). In-memory by default, which needs no network; with several web
processes set RR_RATELIMIT_STORAGE_URI (e.g. redis://127.0.0.1:6379/0) so they share the counts."""
from __future__ import annotations

import os

from flask import Flask, Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def submit_limit() -> str:
    """Report submissions per IP (RR_LIMIT_SUBMIT)."""
    return os.environ.get("RR_LIMIT_SUBMIT", "10/hour;3/minute")


def lookup_limit() -> str:
    """Tracking-code lookups per IP (RR_LIMIT_LOOKUP)."""
    return os.environ.get("RR_LIMIT_LOOKUP", "30/minute")


def _failed(response: Response) -> bool:
    return response.status_code in (403, 404)


# ONE budget per IP for everything that answers "does this tracking code / token exist": the portal's /track,
# Open311 requests/{id} and tokens/{token} all count against it. Pages that show the photos of a report or take
# its rating count only when they are refused, so a citizen's own page does not use up the budget.
lookup = limiter.shared_limit(lookup_limit, scope="lookup")
lookup_when_refused = limiter.shared_limit(lookup_limit, scope="lookup", deduct_when=_failed)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", os.environ.get("RR_RATELIMIT_STORAGE_URI", "memory://"))
    # explicit per app: the limiter object is shared, and an app configured without limits must not switch
    # them off for the next one
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
