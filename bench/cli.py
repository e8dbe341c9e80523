"""`rapid-response bench`: the performance benchmark of the issue, in one command (see bench/RESULTS.md)."""
from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path

import click

from webui.cli_output import check_writable, writing

from . import machine, report, runner
from .databases import DEFAULT_POSTGRES_URL, check_postgres

_COUNT = click.IntRange(min=1)


@click.command("bench")
@click.option("--cases", default=100_000, show_default=True, type=_COUNT, help="Cases in the inbox dataset.")
@click.option("--open", "open_cases", default=20_000, show_default=True, type=_COUNT,
              help="How many of them are open (have inbox rows).")
@click.option("--waiting", default=100_000, show_default=True, type=_COUNT,
              help="Waiting cases for the idle timer sweep (also measured with a tenth of them).")
@click.option("--due", default=1_000, show_default=True, type=_COUNT,
              help="Real cases (driven through the services) due in the busy timer sweep.")
@click.option("--lifecycles", default=60, show_default=True, type=_COUNT,
              help="Persisted lifecycles per database (rounded up to a multiple of 3: levels 1, 2, 3).")
@click.option("--queries", default=200, show_default=True, type=_COUNT,
              help="Timed repetitions of each inbox query and of the idle sweep.")
@click.option("--http-seconds", default=20.0, show_default=True, type=click.FloatRange(min=0.5),
              help="How long the HTTP clients complete tasks.")
@click.option("--clients", default=8, show_default=True, type=_COUNT, help="Concurrent HTTP clients.")
@click.option("--http-workers", default=4, show_default=True, type=_COUNT, help="gunicorn worker processes.")
@click.option("--http-threads", default=4, show_default=True, type=_COUNT, help="gunicorn threads per worker.")
@click.option("--lateness-cases", default=100, show_default=True, type=_COUNT,
              help="Timers that fall due while the real worker loop runs.")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(min=0.05),
              help="Timer worker poll interval (s) in the lateness measurement.")
@click.option("--postgres-url", default=DEFAULT_POSTGRES_URL, show_default=True,
              help="Benchmark database (created if missing, emptied on every run).")
@click.option("--skip-http", is_flag=True, help="Leave out the HTTP throughput measurement.")
@click.option("--skip-postgres", is_flag=True, help="SQLite only (no HTTP measurement either).")
@click.option("--only", "only", multiple=True, type=click.Choice(runner.PARTS),
              help="Run only this measurement (repeatable); default: all.")
@click.option("--json", "json_path", default="bench-results.json", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Where to write the results.")
@click.option("--markdown", "markdown_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the machine and the table as Markdown (for bench/RESULTS.md).")
def bench(cases: int, open_cases: int, waiting: int, due: int, lifecycles: int, queries: int, http_seconds: float,
          clients: int, http_workers: int, http_threads: int, lateness_cases: int, poll: float, postgres_url: str,
          skip_http: bool, skip_postgres: bool, only: tuple[str, ...], json_path: Path,
          markdown_path: Path | None) -> None:
    """Measure the engine against the performance targets; print a table and write JSON.

    Uses its own databases (an SQLite file in a temporary folder and --postgres-url), never the application's.
    """
    if open_cases > cases:
        raise click.BadParameter("cannot exceed --cases", param_hint="--open")
    if due >= waiting:
        raise click.BadParameter("must be smaller than --waiting", param_hint="--due")
    for path in (json_path, markdown_path):  # their folders are made if missing (`make bench`: bench/out)
        if path is not None:
            check_writable(path, parents=True)
    if not skip_postgres:
        problem = check_postgres(postgres_url)
        if problem:
            raise click.ClickException(f"PostgreSQL is not reachable at {postgres_url}: {problem}\n"
                                       "Start it (see .ci/run) or run with --skip-postgres (SQLite only).")
    options = runner.Options(cases=cases, open_cases=open_cases, waiting=waiting, due=due, lifecycles=lifecycles,
                             queries=queries, http_seconds=http_seconds, clients=clients, http_workers=http_workers,
                             http_threads=http_threads, lateness_cases=lateness_cases, poll=poll,
                             postgres_url=postgres_url, skip_http=skip_http, skip_postgres=skip_postgres,
                             only=tuple(only))
    described = machine.describe(None if skip_postgres else postgres_url)
    result = report.Report(described, asdict(options))

    def echo(line: str) -> None:
        click.echo(f"… {line}", err=True)

    with tempfile.TemporaryDirectory(prefix="rr-bench-") as folder:
        runner.run(options, Path(folder), result, echo)
    click.echo("Machine: " + "; ".join(report.machine_lines(described)))
    click.echo(report.text_table(result))  # before the file: the figures are on screen even if writing fails
    for note in result.notes:
        click.echo(f"note: {note}")
    with writing(json_path):
        result.write_json(json_path)
    missed = [m.label.strip() for m in result.measurements if m.verdict == "MISSED"]
    click.echo(f"{len(missed)} target(s) missed" + (": " + "; ".join(missed) if missed else "") +
               f". Took {result.duration_seconds:.0f} s. JSON: {json_path}")
    if markdown_path is not None:
        with writing(markdown_path):
            markdown_path.parent.mkdir(parents=True, exist_ok=True)
            markdown_path.write_text("\n".join(["## Machine", "", *[f"* {line}" for line in
                                                                      report.machine_lines(described)],
                                                "", "## Results", "", report.markdown_table(result), ""]),
                                     encoding="utf-8")
