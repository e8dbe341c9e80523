"""Files the commands write (`report --out`, the benchmark's results): a file that cannot be written is a clean
error that names it and gives the system's reason, never a traceback."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click


@contextmanager
def writing(path: Path) -> Iterator[Path]:
    """Around the writing of `path`: an OSError (no such folder, no permission, a disk full, a file such as
    /proc/version that refuses writes) becomes a ClickException "could not write PATH: reason" (exit code 1)."""
    try:
        yield path
    except OSError as exc:
        raise click.ClickException(f"could not write {path}: {exc.strerror or exc}") from exc
