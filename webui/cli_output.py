"""Files the commands write (`report --out`, the benchmark's results): a file that cannot be written is a clean
error that names it and gives the system's reason, never a traceback."""
from __future__ import annotations

import os
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


def check_writable(path: Path, *, parents: bool = False) -> None:
    """Refuse at once a file a long command could write only at its end (its figures must not be lost to a typo):
    its folder must exist (or, with `parents`, the nearest existing one), be a folder and be writable."""
    folder = path.parent
    while parents and not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        reason = "Not a directory" if folder.exists() else "No such file or directory"
        raise click.ClickException(f"could not write {path}: {reason}")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise click.ClickException(f"could not write {path}: Permission denied")
