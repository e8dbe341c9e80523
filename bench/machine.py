"""The machine a run happened on: CPU, cores, memory, and the versions that matter."""
from __future__ import annotations

import os
import platform
import sqlite3
from importlib import metadata
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from engine.db import make_engine


def describe(postgres_url: str | None) -> dict[str, str | int | None]:
    info: dict[str, str | int | None] = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": None,
    }
    for package in ("SpiffWorkflow", "SQLAlchemy", "psycopg", "Flask", "gunicorn"):
        info[package.lower()] = _version(package)
    if postgres_url:
        info["postgresql"] = _postgres_version(postgres_url)
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> str | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f}"
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _postgres_version(url: str) -> str | None:
    """The server's version and settings, read through its `postgres` database (the bench's may not exist yet)."""
    engine = make_engine(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            version = conn.scalar(text("SHOW server_version"))
            settings = {name: conn.scalar(text(f"SHOW {name}"))
                        for name in ("synchronous_commit", "shared_buffers")}
        return f"{version} ({', '.join(f'{k}={v}' for k, v in settings.items())})"
    except Exception as exc:  # noqa: BLE001 - the description must not fail the run
        return f"unavailable: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
