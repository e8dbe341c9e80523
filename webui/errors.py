"""Engine errors mapped once to HTTP: 404 not found, 403 forbidden, 409 conflict, 422 invalid input."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
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
        if wants_json():
            return jsonify(error=str(error), fields=details, problems=problems), code
        return render_template("error.html", code=code, message=str(error), details=details,
                               problems=problems), code

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        rollback_request()
        if wants_json():
            return jsonify(error=error.description), error.code
        return render_template("error.html", code=error.code, message=error.description, details={},
                               problems=[]), error.code
