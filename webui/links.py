"""Links on pages: the URLs every page repeats (the menu, stylesheets, scripts, the case's own links) are built once
per process instead of at each request. Building one with Flask's `url_for` costs more than everything else a link
does; a page has about twenty."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, has_request_context, request, url_for

MAX_LINKS = 4096  # then the remembered links start again from none (case pages add one per case)
MAX_TARGET = 2000  # characters of a page to return to


def local_target(target: str | None) -> str | None:
    """`target` if it is a page of this site to send someone back to ("/cases/?q=x"), else None. Browsers drop tabs
    and line breaks inside a URL and read a backslash as a slash, so "/\t/evil.example" and "/\\evil.example" are
    other sites too."""
    if not target or len(target) > MAX_TARGET or any(ord(c) < 0x20 or c == "\x7f" for c in target):
        return None
    if not target.startswith("/") or target.startswith(("//", "/\\")) or urlsplit(target).netloc:
        return None
    return target


def init_app(app: Flask) -> None:
    """Templates' `url_for`: the same URL Flask builds, remembered per endpoint, values (text and whole numbers)
    and the request's script root (and blueprint, for ".endpoint"). Anything else (an external URL, `_anchor`,
    other values, outside a request) is built every time. Safe because this app's routes and URL defaults do not
    change once it serves: a URL depends only on what the key holds."""
    built: dict[tuple, str] = {}

    def page_url_for(endpoint: str, **values) -> str:
        if not has_request_context() or any(name.startswith("_") or type(value) not in (str, int)
                                            for name, value in values.items()):
            return url_for(endpoint, **values)
        key = (endpoint, request.script_root, request.blueprint if endpoint.startswith(".") else None,
               *sorted(values.items()))
        url = built.get(key)
        if url is None:
            url = url_for(endpoint, **values)
            if len(built) >= MAX_LINKS:
                built.clear()
            built[key] = url
        return url

    app.jinja_env.globals["url_for"] = page_url_for
