"""One benchmark run: every measurement on every database, in an order that keeps the datasets apart.

Per database: 1. lifecycles (empty database) → 3. timer sweeps → fresh database → 2. inbox (100,000 cases) →
7. case search and export (the same cases) → 8. procedure review (their step logs) → 5. timer lateness →
4. HTTP (PostgreSQL only). The numbers go into
a `Report` as table rows (value, target) and details (distributions, plans, profiles).
"""
from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine import review_summary, versions

from . import (
    costs,
    databases,
    floor,
    http_load,
    inbox_query,
    lateness,
    lifecycle,
    profiling,
    report_queries,
    review_query,
    search_query,
    timer_sweep,
)
from .databases import Backend
from .report import Report
from .stats import percentile

Echo = Callable[[str], None]
LEVELS = (1, 2, 3)
PARTS = ("lifecycle", "inbox", "reports", "search", "review", "timers", "http", "lateness")


@dataclass(frozen=True)
class Options:
    cases: int = 100_000
    open_cases: int = 20_000
    waiting: int = 100_000
    due: int = 1_000
    lifecycles: int = 60
    queries: int = 200
    http_seconds: float = 20.0
    clients: int = 8
    http_workers: int = 4
    http_threads: int = 4
    lateness_cases: int = 100
    poll: float = 1.0
    postgres_url: str = databases.DEFAULT_POSTGRES_URL
    skip_http: bool = False
    skip_postgres: bool = False
    only: tuple[str, ...] = ()  # measurement names (PARTS); empty: all

    def wants(self, part: str) -> bool:
        return not self.only or part in self.only

    @property
    def lifecycle_count(self) -> int:
        """Rounded up to a multiple of 3, so that levels 1, 2 and 3 weigh the same on both sides."""
        return max(3, -(-self.lifecycles // 3) * 3)


def run(options: Options, workdir: Path, report: Report, echo: Echo) -> Report:
    started = time.perf_counter()
    phases: dict[str, float] = report.details.setdefault("phase_seconds", {})
    last = [started, "setup"]

    def phase(key: str, line: str = "") -> None:
        now = time.perf_counter()
        phases[last[1]] = phases.get(last[1], 0.0) + now - last[0]
        last[:] = [now, key]
        if line:
            echo(line)
    makers: list[Callable[[], Backend]] = [lambda: databases.sqlite_backend(workdir)]
    if not options.skip_postgres:
        makers.append(lambda: databases.postgres_backend(options.postgres_url))
    elif not options.skip_http and options.wants("http"):
        report.notes.append("4. HTTP throughput needs PostgreSQL: skipped with --skip-postgres.")
    memory: dict[int, list[float]] | None = None
    for index, make in enumerate(makers):
        phase(f"setup {index + 1}")
        backend = make()
        name = backend.name
        if options.wants("lifecycle"):
            if memory is None:
                phase("lifecycle memory", f"1. lifecycle in memory ({options.lifecycle_count * 3} lifecycles)")
                memory = _memory_baseline(report, backend, options)
            phase(f"lifecycle {name}", f"1. lifecycle with persistence and its floor on {name} "
                  f"({options.lifecycle_count} lifecycles each + profile)")
            _lifecycles(report, backend, memory, options)
        if options.wants("timers"):
            phase(f"timers {name}", f"3. timer sweeps on {name} ({options.due} due real cases, "
                  f"up to {options.waiting} waiting)")
            _timers(report, backend, options)
        if any(options.wants(part) for part in ("inbox", "reports", "search", "review", "lateness")) or (
                backend.is_postgres and options.wants("http") and not options.skip_http):
            phase(f"setup {index + 1}")
            backend = databases.reset(backend)
        if options.wants("inbox"):
            phase(f"inbox {name}", f"2. inbox query on {name} ({options.cases} cases, {options.open_cases} open)")
            _inbox(report, backend, options)
        if options.wants("reports"):
            phase(f"reports {name}", f"6. report queries on {name} (the same {options.cases} cases, with events)")
            _reports(report, backend, options)
        if options.wants("search"):
            phase(f"search {name}", f"7. case search and export on {name} (the inbox dataset's cases)")
            _search(report, backend, options)
        if options.wants("review"):
            phase(f"review {name}", f"8. quarterly review of the procedure on {name} (the inbox dataset's step logs)")
            _review(report, backend, options)
        if options.wants("lateness"):
            phase(f"lateness {name}", f"5. timer lateness on {name} ({options.lateness_cases} timers, "
                  f"poll {options.poll:g} s)")
            _lateness(report, backend, options)
        if backend.is_postgres and options.wants("http") and not options.skip_http:
            phase(f"http {name}", f"4. HTTP task completion on {name} ({options.clients} clients, "
                  f"{options.http_seconds:g} s)")
            _http(report, backend, workdir, options)
        backend.engine.dispose()
    phase("done")
    report.duration_seconds = time.perf_counter() - started
    report.generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    return report


# 1. lifecycle -----------------------------------------------------------------------------------------------------

def _mixed_mean(times: dict[int, list[float]]) -> float:
    """Mean seconds per lifecycle with the three levels weighing the same."""
    return statistics.fmean(statistics.fmean(times[level]) for level in LEVELS)


def _memory_baseline(report: Report, backend: Backend, options: Options) -> dict[int, list[float]]:
    parsed = versions.parsed(lifecycle.load_version(backend.factory, backend.version_id))
    memory = lifecycle.timed_runs(lambda level: lifecycle.run_in_memory(parsed, level), options.lifecycle_count * 3)
    report.add("lifecycle.memory.mean_ms", "1. lifecycle in memory (SpiffWorkflow only), mean",
               _mixed_mean(memory) * 1000, "ms")
    report.details["lifecycle"] = {"memory_ms_by_level": {level: statistics.fmean(memory[level]) * 1000
                                                          for level in LEVELS},
                                   "transactions_by_level": {level: lifecycle.step_count(level) for level in LEVELS},
                                   "workflow_document": costs.workflow_document(parsed, backend.version_id)}
    return memory


def _lifecycles(report: Report, backend: Backend, memory: dict[int, list[float]], options: Options) -> None:
    name, count = backend.name, options.lifecycle_count
    floor.prepare(backend.engine)
    parsed = versions.parsed(lifecycle.load_version(backend.factory, backend.version_id))
    runs = {"persisted": lambda level: lifecycle.run_persisted(backend.factory, level),
            "floor": lambda level: floor.run_floor(backend.engine, parsed, level)}
    review_summary.catch_up(backend.factory)
    timed = lifecycle.timed_side_by_side(runs, count)
    catch_up = _timed_catch_up(backend, count + 3)  # the warm-up lifecycles' events too
    persisted, floor_times = timed["persisted"], timed["floor"]
    mean, base, floor_mean = _mixed_mean(persisted), _mixed_mean(memory), _mixed_mean(floor_times)
    statements = {side: floor.statements_per_lifecycle(backend.engine, run) for side, run in runs.items()}
    profiled = min(count, 15)
    breakdown = _breakdown(backend, profiled)
    top = profiling.profile_top(lambda: [lifecycle.run_persisted(backend.factory, lifecycle.level_of(i))
                                         for i in range(min(count, 6))])
    case_load = costs.case_load(backend, lifecycle.run_persisted(backend.factory, 1))

    steps = statistics.fmean(lifecycle.step_count(level) for level in LEVELS)
    report.add(f"lifecycle.{name}.persisted_ms", f"1. lifecycle with persistence ({name}), mean", mean * 1000, "ms",
               note=f"{mean * 1000 / steps:.1f} ms per transaction, {statements['persisted']:.0f} SQL statements")
    report.add(f"lifecycle.{name}.floor_ms", f"1. floor: in memory + load/save document + commit ({name}), mean",
               floor_mean * 1000, "ms", note=f"{statements['floor']:.0f} SQL statements")
    report.add(f"lifecycle.{name}.over_floor", f"1. persisted ÷ floor ({name})", mean / floor_mean, "x", 1.5)
    report.add(f"lifecycle.{name}.ratio", f"1. persisted ÷ in memory ({name})", mean / base, "x")
    report.add(f"lifecycle.{name}.review_catch_up_ms", f"1. the timer worker's review summary of a lifecycle's events "
               f"({name}), later, in batches", catch_up["ms_per_lifecycle"], "ms",
               note=f"{catch_up['events']} events in {catch_up['seconds'] * 1000:.0f} ms")
    report.details["lifecycle"][name] = {
        "lifecycles": count, "persisted_ms": mean * 1000, "floor_ms": floor_mean * 1000,
        "over_floor": mean / floor_mean, "statements_per_lifecycle": statements,
        "persisted_ms_by_level": {lv: statistics.fmean(persisted[lv]) * 1000 for lv in LEVELS},
        "floor_ms_by_level": {lv: statistics.fmean(floor_times[lv]) * 1000 for lv in LEVELS},
        "persisted_p95_ms": _p95_ms(persisted), "breakdown_lifecycles": profiled, "breakdown": breakdown,
        "case_load": case_load, "cprofile_top": top, "review_catch_up": catch_up}


def _timed_catch_up(backend: Backend, lifecycles: int) -> dict[str, float]:
    """What the worker's sweep later spends on the lifecycles' events (engine/review_summary.py `catch_up`)."""
    start = time.perf_counter()
    events = review_summary.catch_up(backend.factory)
    seconds = time.perf_counter() - start
    return {"events": events, "seconds": seconds, "ms_per_lifecycle": seconds * 1000 / lifecycles}


def _breakdown(backend: Backend, lifecycles: int) -> list[dict[str, Any]]:
    breakdown = profiling.Breakdown()
    with breakdown.installed():
        start = time.perf_counter()
        for index in range(lifecycles):
            lifecycle.run_persisted(backend.factory, lifecycle.level_of(index))
        total = time.perf_counter() - start
    return breakdown.report(total, lifecycles)


def _p95_ms(times: dict[int, list[float]]) -> float:
    return percentile([t for level in LEVELS for t in times[level]], 95) * 1000


# 3. timer sweeps --------------------------------------------------------------------------------------------------

def _timers(report: Report, backend: Backend, options: Options) -> None:
    name = backend.name
    result = timer_sweep.measure(backend, options.waiting, options.due, options.queries)
    small, large = result["idle"][result["small"]], result["idle"][result["large"]]
    report.add(f"timers.{name}.idle_small_p95_ms", f"3. sweep, 0 due, {int(result['small']):,} waiting ({name}) p95",
               small["p95"], "ms", 5.0)
    report.add(f"timers.{name}.idle_large_p95_ms", f"3. sweep, 0 due, {int(result['large']):,} waiting ({name}) p95",
               large["p95"], "ms", 5.0)
    report.add(f"timers.{name}.idle_growth", f"3. sweep p50 growth {int(result['small']):,} → "
               f"{int(result['large']):,} waiting ({name})", large["p50"] / small["p50"], "x", 1.5,
               note="independent of the number waiting = no growth beyond noise")
    due = result["due_sweep"]["woken"]
    report.add(f"timers.{name}.due_sweep_s", f"3. sweep with {due:,} due ({name}), total", result["due_sweep_seconds"],
               "s")
    report.add(f"timers.{name}.due_per_case_ms", f"3. sweep with {due:,} due ({name}), per case",
               result["due_sweep_seconds"] * 1000 / max(due, 1), "ms")
    report.details.setdefault("timers", {})[name] = result


# 2. inbox ---------------------------------------------------------------------------------------------------------

def _inbox(report: Report, backend: Backend, options: Options) -> None:
    name = backend.name
    result = inbox_query.measure(backend, options.cases, min(options.open_cases, options.cases), options.queries)
    actors = result["actors"]
    report.add(f"inbox.{name}.ward_p50_ms", f"2. inbox p50, one ward's handling unit ({name})",
               actors["ward"]["search_ms"]["p50"], "ms")
    report.add(f"inbox.{name}.ward_p95_ms", f"2. inbox p95, one ward's handling unit ({name})",
               actors["ward"]["search_ms"]["p95"], "ms", 20.0)
    for actor, label in (("intake", "intake (largest queue)"), ("inspectorate", "the inspectorate")):
        report.add(f"inbox.{name}.{actor}_p95_ms", f"2. inbox p95, {label} ({name})",
                   actors[actor]["search_ms"]["p95"], "ms", 20.0)
    report.details.setdefault("inbox", {})[name] = result


# 6. reports -------------------------------------------------------------------------------------------------------

def _reports(report: Report, backend: Backend, options: Options) -> None:
    name = backend.name
    result = report_queries.measure(backend, min(options.queries, 50))
    for key, label in report_queries.LABELS.items():
        report.add(f"reports.{name}.{key}_p95_ms", f"6. {label} ({name}) p95", result["queries"][key]["p95"], "ms",
                   report_queries.TARGET_MS)
    report.details.setdefault("reports", {})[name] = result
# 7. case search (on the inbox dataset) --------------------------------------------------------------------------

def _search(report: Report, backend: Backend, options: Options) -> None:
    name = backend.name
    result = search_query.measure(backend, options.queries)
    for key, label in (("text_filters", "facility without accents + level + last year, intake"),
                       ("common_word", "a word in one case in five, intake"),
                       ("ward_text", "two words, one ward's handling unit")):
        report.add(f"search.{name}.{key}_p95_ms", f"7. search p95, {label} ({name})", result[key]["ms"]["p95"],
                   "ms", 200.0, note=f"{result[key]['total']:,} matching")
    report.add(f"search.{name}.export_p95_ms", f"7. export query p95, {result['export']['rows']:,} rows ({name})",
               result["export"]["ms"]["p95"], "ms", 200.0)
    for fmt in ("xlsx", "csv"):
        report.add(f"search.{name}.export_{fmt}_file_p95_ms",
                   f"7. export file p95, {result['export']['rows']:,} rows as {fmt.upper()} (writer only)",
                   result[f"export_{fmt}_file"]["ms"]["p95"], "ms")
    report.details.setdefault("search", {})[name] = result


# 8. quarterly review of the procedure (on the inbox dataset) ----------------------------------------------------

def _review(report: Report, backend: Backend, options: Options) -> None:
    name = backend.name
    result = review_query.measure(backend, options.queries)
    for key in ("quarter", "week"):
        figures = result[key]
        report.add(f"review.{name}.{key}_p95_ms", f"8. procedure review p95, {figures['period']} ({name})",
                   figures["ms"]["p95"], "ms", 200.0,
                   note=f"{figures['cases']:,} cases, {figures['passes']:,} passes of {result['case_events']:,} events")
    rows = result["summary_rows"]
    report.add(f"review.{name}.summary_rebuild_s", f"8. review summary made from the event log ({name})",
               result["summary_rebuild_s"], "s", note=f"{rows['passes']:,} passes, {rows['case_days']:,} case days "
               "(as the migration does; written with the events since)")
    report.details.setdefault("review", {})[name] = result


# 5. lateness ------------------------------------------------------------------------------------------------------

def _lateness(report: Report, backend: Backend, options: Options) -> None:
    name = backend.name
    per_case = _seconds_per_case(report, name)
    result = lateness.measure(backend, options.lateness_cases, options.poll, per_case)
    report.add(f"lateness.{name}.p50_s", f"5. timer lateness p50 ({name})", result["lateness_s"]["p50"], "s")
    report.add(f"lateness.{name}.p99_s", f"5. timer lateness p99, poll {options.poll:g} s ({name})",
               result["lateness_s"]["p99"], "s", options.poll)
    report.details.setdefault("lateness", {})[name] = {"engine": result}


def _seconds_per_case(report: Report, name: str) -> float:
    """Creation time of one level-1 case (report + 2 steps), from measurement 1, for the lateness lead time."""
    try:
        per_lifecycle = report.details["lifecycle"][name]["persisted_ms_by_level"][1] / 1000
        return per_lifecycle * 3 / lifecycle.step_count(1)
    except KeyError:
        return 0.05


# 4. HTTP ----------------------------------------------------------------------------------------------------------

def _http(report: Report, backend: Backend, workdir: Path, options: Options) -> None:
    name = backend.name
    result: dict[str, Any] = http_load.measure(backend, workdir, options.http_seconds, options.clients,
                                               options.http_workers, options.http_threads)
    clients = f"{options.clients} clients, {name}"
    report.add(f"http.{name}.completions_per_s", f"4. task completions over HTTP ({clients})",
               result["completions_per_s"], "/s")
    report.add(f"http.{name}.cpu_ms_per_completion", f"4. server CPU per completion, GET form + POST ({clients})",
               result["server_cpu_ms_per_completion"], "ms", note="gunicorn master + workers, user + system")
    shares = result["worker_cpu_shares"]
    report.add(f"http.{name}.busiest_worker_share", f"4. busiest worker's share of the server CPU ({clients})",
               100 * shares[0] if shares else math.nan, "%",
               note=f"{len(shares)} workers: " + " / ".join(f"{100 * share:.0f}" for share in shares))
    report.add(f"http.{name}.p50_ms", f"4. completion latency p50, GET form + POST ({clients})",
               result["completion_ms"]["p50"], "ms")
    report.add(f"http.{name}.p95_ms", f"4. completion latency p95, GET form + POST ({clients})",
               result["completion_ms"]["p95"], "ms")
    report.add(f"http.{name}.post_p95_ms", f"4. POST alone p95 ({clients})", result["post_ms"]["p95"], "ms")
    report.add(f"http.{name}.conflicts_409", f"4. 409 conflicts ({clients})", result["conflicts_409"], "count")
    report.add(f"http.{name}.errors", f"4. errors, other statuses ({clients})", result["errors"], "count")
    if result["ran_out_of_cases"]:
        report.notes.append(f"4. the clients used up the {result['prepared_cases']} prepared cases after "
                            f"{result['seconds']:.1f} s; the rate is over that time")
    report.details["http"] = result
