"""`rapid-response report weekly|quarterly`: a briefing written to a file (XLSX, CSV or printable HTML), made by
the same code as the pages, in Vietnamese unless `--lang en`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import render_template
from flask_babel import force_locale

from engine.actors import Actor
from engine.errors import ValidationError
from engine.report_briefing import KINDS, briefing
from engine.reports import ReportFilter
from engine.spreadsheet import write_csv_sheets, write_xlsx

from .cli_output import writing

# The command reads as leadership: every case.
REPORT_ACTOR = Actor("cli", frozenset({"leadership"}))
FORMATS = ("xlsx", "csv", "html")


@click.command("report")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.option("--period", required=True, help="2026-W48 for weekly, 2026-Q4 for quarterly.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="xlsx", show_default=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="File to write.")
@click.option("--lang", type=click.Choice(("vi", "en")), default="vi", show_default=True)
def report(kind: str, period: str, fmt: str, out: Path, lang: str) -> None:
    """Write the weekly or quarterly briefing for PERIOD to a file."""
    from .app import create_app
    from .db import db
    from .report_export import figures, sheets, title
    from .reports import FORMATS as MIMETYPES
    from .reports import parse_period

    app = create_app()
    with app.test_request_context("/"), force_locale(lang):
        try:
            chosen = parse_period(period, KINDS[kind])
        except ValidationError as exc:
            raise click.BadParameter(str(exc), param_hint="--period") from exc
        found = briefing(db(), REPORT_ACTOR, kind, chosen)
        if fmt == "html":
            body = render_template("reports/briefing.html", briefing=found, figures=figures(found.figures),
                                   wanted=ReportFilter(), title=title(found), formats=MIMETYPES).encode("utf-8")
        else:
            body = write_xlsx(sheets(found)) if fmt == "xlsx" else write_csv_sheets(sheets(found))
        heading = title(found)
    with writing(out):
        out.write_bytes(body)
    figures_ = found.figures
    click.echo(f"wrote {out} ({fmt}, {len(body)} bytes): {heading} — {chosen.first_day:%d/%m/%Y}–"
               f"{chosen.last_day:%d/%m/%Y}: {figures_.received} received, {figures_.published} results published, "
               f"{figures_.late} late, {figures_.overdue_now} overdue now")
