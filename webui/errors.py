"""Engine errors mapped once to HTTP: 404 not found, 403 forbidden, 409 conflict (with a link to the case as it
is now), 422 invalid input, 503 not saved."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from engine import timers
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

STATUS = {NotFound: 404, PermissionDenied: 403, Conflict: 409, ValidationError: 422, ProcessError: 422,
          TooManyAttempts: 429, CommitFailed: 503}


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
            return jsonify(error=str(error), fields=details, problems=problems, **fresh), code
        return render_template("error.html", code=code, message=str(error), details=details, problems=problems,
                               fresh_case_url=_fresh_case_url(fresh)), code

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        rollback_request()
        if wants_json():
            return jsonify(error=error.description), error.code
        return render_template("error.html", code=error.code, message=error.description, details={},
                               problems=[]), error.code


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
