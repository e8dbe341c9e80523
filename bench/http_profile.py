"""Where the CPU of one HTTP task completion goes, in-process: the same GET form + POST as measurement 4
(`http_load.py`), through Flask's test client on PostgreSQL, with CSRF on and the per-process workflow cache
emptied before each request (under gunicorn the case was reported by another process and the GET and the POST
land on any of four workers). Reports the CPU time (this process: user + system) per completion, per request
(median GET and POST) and the SQL statements per request, and optionally cProfile (CPU-time clock) grouped by
library and by function. It also prints the fixed cost of a request before any of a task page's work: a bare
`/healthz` and a signed-in request that only reads the user (in-process), and with `--gunicorn-seconds` the
server CPU per `/healthz` under gunicorn as measurement 4 runs it, and what the garbage collector took of the
rounds.

    python -m bench.http_profile --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/rr_bench_prof

It imports the checkout it runs from (the current directory first on the path), so the same command measures
two checkouts one after the other. The database is emptied and seeded first: never point it at real data.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import re
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import event

from . import databases, http_load, phases

GROUPS = (("sqlalchemy", "SQLAlchemy"), ("psycopg", "psycopg"), ("jinja2", "Jinja"), ("SpiffWorkflow", "SpiffWorkflow"),
          ("flask_login", "Flask-Login"), ("flask_wtf", "Flask-WTF (CSRF)"), ("flask_limiter", "Flask-Limiter"),
          ("limits", "Flask-Limiter"), ("flask_babel", "Flask-Babel"), ("babel", "Babel"),
          ("itsdangerous", "itsdangerous (session, CSRF)"), ("werkzeug", "werkzeug"), ("flask", "Flask"),
          ("markupsafe", "markupsafe"), ("jsonschema", "jsonschema"), ("templates/", "Jinja (compiled templates)"),
          ("<template>", "Jinja (compiled templates)"), ("/engine/", "engine (ours)"), ("/webui/", "webui (ours)"),
          ("/forms/", "forms (ours)"))


def _group(filename: str) -> str:
    for needle, name in GROUPS:
        if needle in filename:
            return name
    if filename.startswith("~") or filename == "<built-in>":
        return "built-ins (C)"
    return "Python standard library / other"


class Statements:
    """Counts the SQL statements sent, per request method."""

    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


SIGNED_IN_PROBE = "/_profile/signed-in"  # only on this tool's own app: never part of the served app


@contextmanager
def _app(url: str, folder: Path) -> Iterator[Flask]:
    """The web app on `url`, with the signed-in probe; its connections are closed when the block ends."""
    from flask_login import current_user, login_required

    from webui.app import create_app
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "profile-" + "x" * 24,
                      "INSTANCE_PATH": str(folder / "instance"), "ATTACHMENTS_DIR": str(folder / "attachments")})

    @app.get(SIGNED_IN_PROBE)
    @login_required
    def signed_in_probe():  # a signed-in request that does nothing but read the user
        return {"user": current_user.username}

    try:
        yield app
    finally:
        app.extensions["rr_engine"].dispose()  # no connection outlives the run


class Collections:
    """The garbage collector's runs and their CPU time (this process), per generation, while counting."""

    def __init__(self) -> None:
        self.runs, self.cpu, self._started = [0, 0, 0], [0.0, 0.0, 0.0], 0.0

    @contextmanager
    def counting(self) -> Iterator[Collections]:
        gc.callbacks.append(self._seen)
        try:
            yield self
        finally:
            gc.callbacks.remove(self._seen)

    def _seen(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.runs[info["generation"]] += 1
            self.cpu[info["generation"]] += time.process_time() - self._started

    def line(self, completions: int, cpu_ms_per_completion: float) -> str:
        per_completion = sum(self.cpu) * 1000 / completions
        return (f"Garbage collection during the rounds: {per_completion:.2f} ms per completion "
                f"({per_completion / cpu_ms_per_completion:.1%} of it); runs per generation "
                + ", ".join(f"{runs} ({cpu * 1000:.0f} ms)" for runs, cpu in zip(self.runs, self.cpu, strict=True)))


def _request_cpu_ms(client, path: str, count: int) -> float:
    """The median CPU time (this process) of `count` GETs of `path`."""
    times = []
    for _ in range(count):
        cpu = time.process_time()
        response = client.get(path)
        times.append((time.process_time() - cpu) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
    return statistics.median(times)


def _sign_in(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = http_load.CSRF.search(page).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": username,
                                           "password": http_load.PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in answered {response.status_code}")


def _complete(client, clear, counts: dict[str, list[float]], statements: Statements, case_id: int,
              task_id: str) -> None:
    path = f"/cases/{case_id}/tasks/{task_id}"
    clear()
    before, cpu = statements.count, time.process_time()
    response = client.get(path)
    counts["GET ms"].append((time.process_time() - cpu) * 1000)
    counts["GET"].append(statements.count - before)
    page = response.get_data(as_text=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    form = {"csrf_token": http_load.CSRF.search(page).group(1),
            "row_version": http_load.ROW_VERSION.search(page).group(1), **http_load.FORM}
    clear()
    before, cpu = statements.count, time.process_time()
    response = client.post(path, data=form)
    counts["POST ms"].append((time.process_time() - cpu) * 1000)
    counts["POST"].append(statements.count - before)
    if response.status_code != 302:
        raise RuntimeError(f"POST {path} answered {response.status_code}")


def run(url: str, completions: int, rounds: int, profile: bool, top: int, save: str | None = None,
        gunicorn_seconds: float = 0.0, by_phase: bool = False) -> str:
    try:
        from engine.workflow_cache import clear
    except ImportError:  # a checkout from before the cache
        def clear() -> None:
            return None
    backend = databases.postgres_backend(url)
    (username,) = http_load.create_users(backend, 1)
    tasks = http_load.create_screen_tasks(backend, (rounds + 2 + by_phase) * completions)
    extra = iter(range(rounds + 1, rounds + 2 + by_phase))  # the batches after the warm-up and the rounds
    out = []
    with tempfile.TemporaryDirectory(prefix="rr-http-profile-") as folder, _app(backend.url, Path(folder)) as app:
        statements = Statements(app.extensions["rr_engine"])
        client = app.test_client()
        _sign_in(client, username)
        counts: dict[str, list[float]] = defaultdict(list)  # statements and CPU ms, per method
        for case_id, task_id in tasks[:completions]:  # warm-up: imports, compiled templates and statements
            _complete(client, clear, counts, statements, case_id, task_id)
        rest = tasks[completions:]
        per_round, per_request = [], defaultdict(list)  # the warm-up's requests are not counted
        with Collections().counting() as collections:
            for number in range(rounds):
                counts.clear()
                batch = rest[number * completions:(number + 1) * completions]
                start = time.process_time()
                for case_id, task_id in batch:
                    _complete(client, clear, counts, statements, case_id, task_id)
                per_round.append((time.process_time() - start) * 1000 / len(batch))
                for method in ("GET ms", "POST ms"):
                    per_request[method] += counts[method]
        out.append(f"CPU per completion (GET + POST), {rounds} rounds of {completions}: "
                   + " / ".join(f"{ms:.2f}" for ms in per_round) + " ms")
        out.append("CPU per request, median of the rounds' requests: " + ", ".join(
            f"{method} {statistics.median(per_request[f'{method} ms']):.2f} ms" for method in ("GET", "POST")))
        out.append(f"SQL statements per request: GET {_mean(counts['GET'])}, POST {_mean(counts['POST'])}")
        out.append(collections.line(rounds * completions, statistics.mean(per_round)))
        out += _fixed_costs(client, backend, Path(folder), max(50, 2 * completions), gunicorn_seconds)
        if profile:
            profiler = cProfile.Profile(time.process_time)
            batch = tasks[(number := next(extra)) * completions:(number + 1) * completions]
            profiler.enable()
            for case_id, task_id in batch:
                _complete(client, clear, counts, statements, case_id, task_id)
            profiler.disable()
            if save:
                profiler.dump_stats(save)
            out.append(_report(profiler, len(batch), top))
        if by_phase:
            batch = tasks[(number := next(extra)) * completions:(number + 1) * completions]
            out += _phases(client, clear, statements, batch)
    backend.engine.dispose()
    return "\n".join(out)


def _phases(client, clear, statements: Statements, batch: list[tuple[int, str]]) -> list[str]:
    """One more round with a CPU timer on each phase of a completion (bench/phases.py)."""
    timers, counts = phases.Timers(), defaultdict(list)
    with timers.installed():
        start = time.thread_time()
        for case_id, task_id in batch:
            _complete(client, clear, counts, statements, case_id, task_id)
        total = time.thread_time() - start
    return [f"\nCPU by phase (this thread's CPU time, one round of {len(batch)} completions; ms per completion, "
            "share of it; a phase's parts indented under it):", *timers.lines(len(batch), total)]


def _fixed_costs(client, backend: databases.Backend, folder: Path, probes: int, gunicorn_seconds: float) -> list[str]:
    """What a request costs before any of a task page's work: in-process, and (`gunicorn_seconds`) served."""
    lines = [f"Fixed cost of a request, in-process, median of {probes}: /healthz "
             f"{_request_cpu_ms(client, '/healthz', probes):.2f} ms (Flask and the test client); a signed-in "
             f"request that only reads the user {_request_cpu_ms(client, SIGNED_IN_PROBE, probes):.2f} ms "
             "(and the session cookie, the pool's ping, the transaction, the user's statement)"]
    if gunicorn_seconds > 0:
        idle = http_load.healthz_cpu(backend, folder, gunicorn_seconds)
        lines.append(f"Under gunicorn ({idle['gunicorn']}), {idle['clients']} keep-alive clients for "
                     f"{idle['seconds']:.0f} s: {idle['requests']} GET /healthz, server CPU "
                     f"{idle['server_cpu_ms_per_request']:.2f} ms per request")
    return lines


def _mean(values: list[int]) -> str:
    return f"{sum(values) / len(values):.1f}" if values else "-"


def _report(profiler: cProfile.Profile, completions: int, top: int) -> str:
    stats = pstats.Stats(profiler)
    total = sum(tottime for (_cc, _nc, tottime, _ct, _callers) in stats.stats.values())
    groups: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        groups[_group(filename)] += tottime
    lines = [f"\ncProfile (CPU clock, {completions} completions): {total * 1000 / completions:.2f} ms per "
             "completion with the profiler's overhead; own time by library:"]
    for name, seconds in sorted(groups.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {seconds * 1000 / completions:7.2f} ms  {seconds / total:6.1%}  {name}")
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(top)
        lines.append(re.sub(r"/[^ ]*?(site-packages|wt-[a-z-]+|main)/", "", text.getvalue()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", required=True, help="a PostgreSQL database this may empty")
    parser.add_argument("--completions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="also run cProfile over one more round")
    parser.add_argument("--phases", action="store_true",
                        help="also time each phase of a completion (thread CPU, no profiler) over one more round")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--save", help="write the profile (pstats) to this file")
    parser.add_argument("--gunicorn-seconds", type=float, default=0.0,
                        help="also measure the server CPU per GET /healthz under gunicorn for this long (0: not)")
    args = parser.parse_args()
    print(run(args.postgres_url, args.completions, args.rounds, args.profile, args.top, args.save,
              args.gunicorn_seconds, args.phases))


if __name__ == "__main__":
    main()
