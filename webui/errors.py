"""Engine errors mapped once to HTTP: 404 not found, 403 forbidden, 409 conflict (with a link to the case as it
is now), 422 invalid input, 503 not saved."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from engine import timers
from engine.budget import expression_error
from engine.errors import (
    CommitFailed,
    Conflict,
    EngineError,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    ProcessError,
    TooManyAttempts,
    ValidationError,
)

from .db import in_new_transaction, rollback_request
from .i18n import translate, translate_all
from .params import BadParameter

STATUS = {NotFound: 404, PermissionDenied: 403, Conflict: 409, ValidationError: 422, ProcessError: 422,
          TooManyAttempts: 429, CommitFailed: 503}


# Our own words for HTTP errors (Werkzeug's default descriptions are English only).
HTTP_TEXTS = {
    400: _l("The request could not be understood. Go back and try again."),
    401: _l("Please sign in first."),
    403: _l("You are not allowed to open this page."),
    404: _l("There is no page at this address. Check the address or go back."),
    405: _l("This address does not accept this kind of request."),
    408: _l("The request took too long. Please try again."),
    409: _l("This changed in the meantime. Reload the page and try again."),
    413: _l("What you sent is too large."),
    415: _l("This kind of file or data is not accepted here."),
    422: _l("Please check your input."),
    429: _l("Too many requests: please wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing was saved; please try again later."),
    503: _l("The service is not available right now. Please try again in a moment."),
}


def http_text(error: HTTPException) -> str:
    """What an HTTP error page says: a description the code gave on purpose, else our own text for its status."""
    described = error.description and error.description != type(error).description
    if described:
        return str(error.description)
    fallback = HTTP_TEXTS[500] if (error.code or 500) >= 500 else HTTP_TEXTS[400]
    return str(HTTP_TEXTS.get(error.code or 500, fallback))


def status_of(error: EngineError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/")) or \
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"


def init_app(app: Flask) -> None:
    @app.errorhandler(EngineError)
    def _engine_error(error: EngineError):
        rollback_request()
        if isinstance(error, LimitExceeded) and error.case_id is not None:
            # the step was refused and rolled back; the case becomes an incident for the administrators
            in_new_transaction(lambda session: timers.record_incident(session, error.case_id, error))
        code = status_of(error)
        details = getattr(error, "errors", {}) or {}
        problems = getattr(error, "problems", []) or []
        fresh = _fresh_state(error)
        if wants_json():
            # machines get the English text and the message code
            return jsonify(error=str(error), code=getattr(_message(error), "code", None), fields=details,
                           problems=problems, **fresh), code
        return render_template("error.html", code=code, message=translate(_message(error)),
                               details=translate_all(details), problems=_readable(error, problems),
                               fresh_case_url=_fresh_case_url(fresh)), code

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        rollback_request()
        if wants_json():
            return jsonify(error=http_text(error)), error.code
        message = error.page_text() if isinstance(error, BadParameter) else http_text(error)  # the reader's language
        return render_template("error.html", code=error.code, message=message, details={}, problems=[]), error.code


def _readable(error: EngineError, problems: list) -> list:
    """What a person reads under the message: when diagram code failed on the case, the evaluator's reason (a
    message code, shown in the page's language) instead of the library's English report."""
    cause = expression_error(error) if isinstance(error, ProcessError) else None
    return [cause.message] if cause is not None else problems


def _message(error: EngineError) -> object:
    """The error's message as raised: an engine message code (engine.messages.Text) or a plain text."""
    return error.args[0] if error.args else ""


def _fresh_state(error: EngineError) -> dict[str, int]:
    """What a stale page needs to catch up: the case and its current row version (conflicts that know them)."""
    if not isinstance(error, Conflict) or error.case_id is None:
        return {}
    fresh = {"case_id": error.case_id}
    if error.row_version is not None:
        fresh["row_version"] = error.row_version
    return fresh


def _fresh_case_url(fresh: dict[str, int]) -> str | None:
    """The case page as it is now, for signed-in staff (citizens follow their report by tracking code)."""
    if "case_id" not in fresh or not current_user.is_authenticated:
        return None
    return url_for("cases.show", case_id=fresh["case_id"])
