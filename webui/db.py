"""The request's unit of work — the one place in the web layer that commits or rolls back.

Views take the session from `db()`, call engine services and read functions, and return a response; they never
commit, roll back or query. After the view returned, the unit of work commits; if the view (or the commit)
raised, it rolls back. Around that:
- `after_commit(fn)` runs `fn` once the request's work is durable (wake a worker, put the tracking code in the
  citizen's session);
- `after_rollback(fn)` runs `fn` once the work was thrown away (delete the files saved for it);
- `on_failure(kinds, render)` lets a view answer an expected failure itself (the form again, with the problem),
  rendered from a clean session after the rollback; what that page writes (an audit entry) is committed.
A failure no view answers is rendered once by webui/errors.py. Messages flashed by a view whose work was rolled
back are dropped with it, so a "done" never outlives a failed commit.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g
from flask import session as cookie_session
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import CommitFailed, EngineError, stale_case_conflict

Hook = Callable[[], None]
FailurePage = Callable[[EngineError], Any]


@dataclass
class UnitOfWork:
    session: Session
    committed: list[Hook] = field(default_factory=list)
    rolled_back: list[Hook] = field(default_factory=list)
    failure_pages: list[tuple[tuple[type[EngineError], ...], FailurePage]] = field(default_factory=list)
    flashes_before: int = 0


def _unit() -> UnitOfWork:
    if "unit_of_work" not in g:
        g.unit_of_work = UnitOfWork(current_app.extensions["rr_sessions"]())
    return g.unit_of_work


def db() -> Session:
    """The request's session (one per request, opened on first use)."""
    return _unit().session


def after_commit(hook: Hook) -> None:
    _unit().committed.append(hook)


def after_rollback(hook: Hook) -> None:
    _unit().rolled_back.append(hook)


def on_failure(kinds: type[EngineError] | tuple[type[EngineError], ...], render: FailurePage) -> None:
    """If the view or its commit fails with one of `kinds`, answer with `render(error)` after the rollback."""
    _unit().failure_pages.append((kinds if isinstance(kinds, tuple) else (kinds,), render))


def in_new_transaction(work: Callable[[Session], Any]) -> Any:
    """Run `work` after a rollback (an error page recording an incident) and commit what it wrote."""
    unit = _unit()
    result = work(unit.session)
    _commit(unit)
    return result


def as_engine_error(exc: BaseException) -> EngineError | None:
    """The typed engine error for a database failure seen while saving (None: not a database failure)."""
    if isinstance(exc, EngineError):
        return exc
    if isinstance(exc, StaleDataError):  # another request changed the same case first (row version)
        return stale_case_conflict()
    if isinstance(exc, OperationalError) and "locked" in str(exc).lower():  # SQLite under a burst of writers
        return stale_case_conflict("system_busy")
    if isinstance(exc, DBAPIError):
        return CommitFailed("your changes could not be saved (the database did not accept them); "
                            "nothing was saved, please try again")
    return None


def _commit(unit: UnitOfWork) -> None:
    try:
        unit.session.commit()
    except Exception as exc:
        error = as_engine_error(exc)
        if error is None:
            raise
        raise error from exc
    hooks, unit.committed, unit.rolled_back = unit.committed, [], []
    for hook in hooks:
        hook()


def _rollback(unit: UnitOfWork, *, drop_flashes: bool = True) -> None:
    unit.session.rollback()
    hooks, unit.committed, unit.rolled_back = unit.rolled_back, [], []
    for hook in hooks:
        hook()
    flashes = cookie_session.get("_flashes") if drop_flashes else None
    if flashes and len(flashes) > unit.flashes_before:  # "done" messages of work that was not saved
        cookie_session["_flashes"] = flashes[:unit.flashes_before]


def rollback_request() -> None:
    """Throw away the request's work (webui/errors.py, before rendering an error page)."""
    unit: UnitOfWork | None = g.get("unit_of_work")
    if unit is not None:
        _rollback(unit)


def init_app(app: Flask) -> None:
    view = app.dispatch_request

    def dispatch_in_unit_of_work():
        unit = _unit()
        unit.flashes_before = len(cookie_session.get("_flashes", []))
        try:
            response = view()
            _commit(unit)
            return response
        except Exception as exc:
            error = as_engine_error(exc)
            _rollback(unit)
            if error is None:
                raise
            page = next((render for kinds, render in unit.failure_pages if isinstance(error, kinds)), None)
            if page is None:
                if error is exc:
                    raise
                raise error from exc
            unit.failure_pages = []
            response = page(error)
            _commit(unit)
            return response

    app.dispatch_request = dispatch_in_unit_of_work  # Flask's full_dispatch_request calls it per request

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        unit: UnitOfWork | None = g.pop("unit_of_work", None)
        if unit is not None:
            try:
                _rollback(unit, drop_flashes=False)  # what was not committed (an unexpected error)
            finally:
                unit.session.close()
