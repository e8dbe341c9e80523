"""One transaction per request: views use `db()` and end a change with `commit()`; anything not committed
is rolled back when the request ends."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import Conflict


def db() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["rr_sessions"]()
    return g.db_session


def commit() -> None:
    """Commit the request's work; a concurrent change to the same case becomes a Conflict (HTTP 409)."""
    session = db()
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict("someone else changed this case at the same moment; reload and try again") from exc
    except OperationalError as exc:  # SQLite "database is locked" under a burst of writers
        session.rollback()
        if "locked" in str(exc).lower():
            raise Conflict("the system is busy; please submit again") from exc
        raise


def discard() -> None:
    """Roll back the request's unfinished work (before an error page is rendered from a clean session)."""
    session: Session | None = g.get("db_session")
    if session is not None:
        session.rollback()


def init_app(app: Flask) -> None:
    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()
