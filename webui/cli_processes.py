"""`rapid-response processes validate|deploy`: diagram files checked (and deployed) as the process studio does."""
from __future__ import annotations

from pathlib import Path

import click

from engine import versions
from engine.db import transaction

_FILES = click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
_PROCESS = click.option("--process-id", default=versions.DEFAULT_PROCESS_ID, show_default=True)
_FORMS = click.option("--forms", "forms_dir", default=None, type=click.Path(exists=True, file_okay=False),
                      help="Folder of the task forms (default: forms/).")


@click.group("processes")
def processes() -> None:
    """Process diagrams: validate and deploy (the same checks as the process studio)."""


def _bundle_from_files(files: tuple[str, ...], process_id: str, forms_dir: str | None) -> dict:
    """The bundle of the files given and the forms in `forms_dir`; a file that cannot be read (too large, not a
    regular file, not UTF-8, a broken form) is an engine ProcessError naming it, which `main` reports."""
    return versions.read_bundle(process_id, [Path(f) for f in files],
                                Path(forms_dir) if forms_dir else versions.FORMS_DIR)


@processes.command("validate")
@_FILES
@_PROCESS
@_FORMS
def processes_validate(files: tuple[str, ...], process_id: str, forms_dir: str | None) -> None:
    """Check diagram FILES; print every problem (exit code 1 when there is any)."""
    from engine.validation import validate_bundle

    problems = validate_bundle(_bundle_from_files(files, process_id, forms_dir))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s); nothing deployed")
    click.echo(f"{', '.join(files)}: no problems")


@processes.command("deploy")
@_FILES
@_PROCESS
@_FORMS
@click.option("--note", default=None, help="Why this version (shown in the studio).")
def processes_deploy(files: tuple[str, ...], process_id: str, forms_dir: str | None, note: str | None) -> None:
    """Validate diagram FILES and deploy them as the new active version (exit code 1 on problems)."""
    from engine import studio

    from .cli import _factory

    bundle = _bundle_from_files(files, process_id, forms_dir)
    with transaction(_factory()) as session:
        version = studio.deploy_bundle(session, "cli", bundle, note)
        click.echo(f"{version.process_id} version {version.number} active ({version.content_hash[:12]})")
