"""The engine's settings: one typed, immutable object built once at start-up and passed in.

The web app, the CLI and the worker build it from the environment in `webui/config.py` (the only place that
reads RR_* variables) and hand it to the session factory (`engine.db.make_session_factory`); engine services
read it from their session with `settings.of(session)`. Tests build one directly. Nothing in `engine/` reads
the environment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

# The department's time zone: deadlines and dates are shown in it, times are stored in UTC.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_MAX_CASE_BYTES = 1_000_000
DEFAULT_RETENTION_DAYS = 365
DEFAULT_EXPORT_MAX_ROWS = 50_000
MAX_EXPORT_MAX_ROWS = 1_000_000
_KEY = "rr_settings"


@dataclass(frozen=True)
class SmtpSettings:
    """How the outbox worker reaches the mail server (no SMTP settings: e-mails wait in the outbox)."""

    host: str
    port: int = 25
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_starttls: bool = False
    use_ssl: bool = False
    sender: str = "rapid-response@localhost"
    timeout: float = 10.0


@dataclass(frozen=True)
class Settings:
    """Everything an operator can set that the engine uses; the defaults work on a laptop."""

    database_url: str = ""
    base_url: str = DEFAULT_BASE_URL  # where links in mails point, without a trailing slash
    timer_lease_seconds: float = 300.0  # how long a worker holds a case (or mail) it took; a dead worker's expires
    timer_poll_seconds: float = 5.0
    max_case_bytes: int = DEFAULT_MAX_CASE_BYTES  # largest saved case document (UTF-8 bytes)
    contact_retention_days: int = DEFAULT_RETENTION_DAYS  # reporter contact kept after a case closes
    export_max_rows: int = DEFAULT_EXPORT_MAX_ROWS  # most cases one export of a case list may hold
    default_language: str = "vi"  # mails to a unit's mailbox and to users who chose no language
    smtp: SmtpSettings | None = None


DEFAULTS = Settings()


def session_info(settings: Settings | None) -> dict[str, Settings]:
    """What a session factory carries so that every session knows the settings."""
    return {_KEY: settings or DEFAULTS}


def of(session: Session) -> Settings:
    """The settings of the process that opened this session (the defaults for a bare session)."""
    return session.info.get(_KEY) or DEFAULTS
