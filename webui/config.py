"""Settings from environment variables, with defaults that work on a laptop."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from engine.db import default_database_url


def instance_path() -> Path:
    return Path(os.environ.get("RR_INSTANCE_PATH", "instance")).resolve()


def database_url() -> str:
    return default_database_url(instance_path())


def timer_poll_seconds() -> float:
    return float(os.environ.get("RR_TIMER_POLL_SECONDS", "5"))


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


def contact_retention_days() -> int:
    """Days a reporter's contact is kept after the case closes (RR_CONTACT_RETENTION_DAYS, default 365)."""
    from engine.privacy import DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS

    raw = os.environ.get("RR_CONTACT_RETENTION_DAYS", "").strip() or str(DEFAULT_RETENTION_DAYS)
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_RETENTION_DAYS:
        raise ValueError(f"RR_CONTACT_RETENTION_DAYS must be a whole number of days from 1 to {MAX_RETENTION_DAYS},"
                         f" not {raw[:20]!r}")
    return int(raw)
