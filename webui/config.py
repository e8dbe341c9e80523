"""Settings from environment variables, with defaults that work on a laptop.

The only module that reads the RR_* variables. `settings()` builds the engine's typed settings object once at
start-up (web app, CLI, worker); the engine never reads the environment itself.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

from engine import mail
from engine.accounts import SignInPolicy
from engine.db import normalize_url, sqlite_file_url
from engine.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_EXPORT_MAX_ROWS,
    DEFAULT_MAX_CASE_BYTES,
    DEFAULT_RETENTION_DAYS,
    MAX_EXPORT_MAX_ROWS,
    Settings,
    SmtpSettings,
)

_FLAGS = {"1": True, "true": True, "yes": True, "on": True, "": False, "0": False, "false": False, "no": False,
          "off": False}


def settings() -> Settings:
    """The engine's settings from the environment; a bad value stops start-up with a ValueError naming it."""
    return Settings(database_url=database_url(), base_url=base_url(), timer_lease_seconds=timer_lease_seconds(),
                    timer_poll_seconds=timer_poll_seconds(),
                    max_case_bytes=max_case_bytes() or DEFAULT_MAX_CASE_BYTES,
                    contact_retention_days=contact_retention_days(), export_max_rows=export_max_rows(),
                    default_language=default_language(), smtp=smtp_settings())


def instance_path() -> Path:
    return Path(os.environ.get("RR_INSTANCE_PATH", "instance")).resolve()


def database_url() -> str:
    """DATABASE_URL if set, else an SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    return normalize_url(url) if url else sqlite_file_url(instance_path())


def timer_poll_seconds() -> float:
    return float(os.environ.get("RR_TIMER_POLL_SECONDS", "5"))


def timer_lease_seconds() -> float:
    """How long a worker holds a case it took (RR_TIMER_LEASE_SECONDS, default 300): a worker that dies holds its
    cases this long."""
    return _number(os.environ, "RR_TIMER_LEASE_SECONDS", float, 300.0, 86400)


def attachments_dir() -> Path:
    """Where uploaded photos and videos are stored (RR_ATTACHMENTS_DIR, default instance/attachments)."""
    return Path(os.environ.get("RR_ATTACHMENTS_DIR") or instance_path() / "attachments").resolve()


def node_modules_dir() -> Path:
    """Front-end packages installed by `npm ci` (RR_NODE_MODULES, default the project's node_modules)."""
    default = Path(__file__).resolve().parent.parent / "node_modules"
    return Path(os.environ.get("RR_NODE_MODULES") or default).resolve()


def demo_mode() -> bool:
    """RR_DEMO=1 shows the demo users on the sign-in page (set by `make run`)."""
    return os.environ.get("RR_DEMO", "") in ("1", "true", "yes")


def max_upload_bytes() -> int:
    """Largest request body accepted (RR_MAX_UPLOAD_MB, default 100 MB in all)."""
    return int(float(os.environ.get("RR_MAX_UPLOAD_MB", "100")) * 1024 * 1024)


def max_case_bytes() -> int | None:
    """Largest saved case document in bytes (RR_MAX_CASE_BYTES; unset: the engine's default of 1,000,000)."""
    value = os.environ.get("RR_MAX_CASE_BYTES", "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or int(value) < 10_000:
        raise ValueError("RR_MAX_CASE_BYTES must be a whole number of bytes, at least 10000")
    return int(value)


def secret_key() -> str:
    """SECRET_KEY, else a random key kept in the instance folder so every web process of this machine (and a
    restart) shares it."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance_path() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: the first process to get here wins, complete file or nothing
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def base_url() -> str:
    """The address users reach the service at (RR_BASE_URL, without a trailing slash): links in mails point
    there, and https turns on Secure cookies and HSTS."""
    return os.environ.get("RR_BASE_URL", "").strip().rstrip("/") or DEFAULT_BASE_URL


def served_over_https() -> bool:
    return base_url().lower().startswith("https://")


def signin_policy() -> SignInPolicy:
    """Sign-in lock-out: RR_SIGNIN_MAX_FAILURES (default 5) failures for one user name, or
    RR_SIGNIN_MAX_FAILURES_PER_IP (20) from one address, within RR_SIGNIN_LOCK_MINUTES (15) lock it for as long."""
    minutes = timedelta(minutes=_positive("RR_SIGNIN_LOCK_MINUTES", 15))
    return SignInPolicy(max_failures=_positive("RR_SIGNIN_MAX_FAILURES", 5),
                        max_ip_failures=_positive("RR_SIGNIN_MAX_FAILURES_PER_IP", 20), window=minutes, lockout=minutes)


def _positive(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1")
    return value


def trusted_proxies() -> int:
    """How many reverse proxies in front of the app set X-Forwarded-For/-Proto (RR_TRUSTED_PROXIES, default 0):
    rate limits and sign-in lock-outs then count the client's address, not the proxy's."""
    raw = os.environ.get("RR_TRUSTED_PROXIES", "").strip()
    return _positive("RR_TRUSTED_PROXIES", 1) if raw and raw != "0" else 0


def contact_retention_days() -> int:
    """Days a reporter's contact is kept after the case closes (RR_CONTACT_RETENTION_DAYS, default 365)."""
    from engine.privacy import MAX_RETENTION_DAYS

    raw = os.environ.get("RR_CONTACT_RETENTION_DAYS", "").strip() or str(DEFAULT_RETENTION_DAYS)
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_RETENTION_DAYS:
        raise ValueError(f"RR_CONTACT_RETENTION_DAYS must be a whole number of days from 1 to {MAX_RETENTION_DAYS},"
                         f" not {raw[:20]!r}")
    return int(raw)


def export_max_rows() -> int:
    """Most cases one export of a case list may hold (RR_EXPORT_MAX_ROWS, default 50,000)."""
    raw = os.environ.get("RR_EXPORT_MAX_ROWS", "").strip() or str(DEFAULT_EXPORT_MAX_ROWS)
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_EXPORT_MAX_ROWS:
        raise ValueError(f"RR_EXPORT_MAX_ROWS must be a whole number from 1 to {MAX_EXPORT_MAX_ROWS}, not {raw[:20]!r}")
    return int(raw)


def default_language() -> str:
    """The department's language (RR_DEFAULT_LANGUAGE, "vi" or "en", default "vi"): mails to a unit's contact
    address and to staff who chose no language are written in it."""
    raw = os.environ.get("RR_DEFAULT_LANGUAGE", "").strip().lower() or "vi"
    if raw not in mail.LANGUAGES:
        raise ValueError(f"RR_DEFAULT_LANGUAGE must be one of {', '.join(mail.LANGUAGES)}, not {raw[:20]!r}")
    return raw


def province() -> int:
    """RR_PROVINCE: the national code of the province whose commune-level units `init-db` loads (79 = Hồ Chí Minh)."""
    raw = os.environ.get("RR_PROVINCE", "").strip() or "79"
    if not raw.isascii() or not raw.isdigit():
        raise ValueError(f"RR_PROVINCE must be a province code (a number), not {raw!r}")
    return int(raw)


def smtp_settings(environ: Mapping[str, str] = os.environ) -> SmtpSettings | None:
    """Settings from RR_SMTP_* / RR_MAIL_FROM; None when RR_SMTP_HOST is unset (e-mail disabled)."""
    host = environ.get("RR_SMTP_HOST", "").strip()
    if not host:
        return None
    use_ssl = _flag(environ, "RR_SMTP_SSL")
    use_starttls = _flag(environ, "RR_SMTP_STARTTLS")
    if use_ssl and use_starttls:
        raise ValueError("RR_SMTP_SSL and RR_SMTP_STARTTLS cannot both be set")
    port = _number(environ, "RR_SMTP_PORT", int, 465 if use_ssl else 25, 65535)
    timeout = _number(environ, "RR_SMTP_TIMEOUT", float, 10.0, 3600)
    sender = environ.get("RR_MAIL_FROM", "").strip()
    if sender and not mail.valid_address(parseaddr(sender)[1], internal=True):  # "Name <address>" is fine
        raise ValueError(f"RR_MAIL_FROM is not a valid e-mail address: {sender!r}")
    return SmtpSettings(host=host, port=port, username=environ.get("RR_SMTP_USER") or None,
                        password=environ.get("RR_SMTP_PASSWORD") or None, use_starttls=use_starttls,
                        use_ssl=use_ssl, sender=sender or SmtpSettings.sender, timeout=timeout)


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value not in _FLAGS:
        raise ValueError(f"{name} must be 1/true or 0/false, not {value!r}")
    return _FLAGS[value]


def _number(environ: Mapping[str, str], name: str, kind: type[int] | type[float], default: float, most: float):
    value = environ.get(name, "").strip()
    try:
        number = kind(value) if value else default
    except ValueError:
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if not 0 < number <= most:
        raise ValueError(f"{name} must be more than 0 and at most {most}, not {value}")
    return number
