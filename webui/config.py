"""Settings from environment variables, with defaults that work on a laptop."""
from __future__ import annotations

import os
from pathlib import Path

from engine.db import default_database_url


def instance_path() -> Path:
    return Path(os.environ.get("RR_INSTANCE_PATH", "instance")).resolve()


def database_url() -> str:
    return default_database_url(instance_path())


def timer_poll_seconds() -> float:
    return float(os.environ.get("RR_TIMER_POLL_SECONDS", "5"))
