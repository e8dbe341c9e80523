"""Browser-facing protection: security headers on every answer, Secure cookies behind HTTPS, and API keys kept
out of the access log."""
from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script anywhere (scripts are files under /static or /vendor); inline styles are allowed because
# bpmn-js positions its overlays, palette and properties panel with style attributes.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Tracking codes travel in /track?code=...: never hand them to another site as a referrer.
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000"
# api_key=... in a query string (access logs print the request line).
_API_KEY = re.compile(r"(?i)(api_key=)[^&\s\"]*")


def redact(text: str) -> str:
    """`text` with every api_key value replaced by ***."""
    return _API_KEY.sub(r"\1***", text)


class RedactApiKeys(logging.Filter):
    """Rewrites log records so an API key in a URL never reaches a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _clean(record.msg)
        if isinstance(record.args, MutableMapping):  # gunicorn's access-log atoms (a dict subclass: kept)
            for key, value in list(record.args.items()):
                record.args[key] = _clean(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(_clean(value) for value in record.args)
        return True


def _clean(value: Any) -> Any:
    return redact(value) if isinstance(value, str) and "api_key=" in value.lower() else value


_FILTER = RedactApiKeys()


def protect_access_logs() -> None:
    """Install the filter on werkzeug's and gunicorn's access loggers (idempotent)."""
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def init_app(app: Flask, *, https: bool, proxies: int = 0) -> None:
    """Headers on every response; with an https base URL, cookies only over TLS and HSTS; behind `proxies`
    trusted reverse proxies, the client's address and scheme from their X-Forwarded-* headers."""
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    if https:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    protect_access_logs()

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
