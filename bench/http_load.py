"""Measurement 4: task completions over HTTP, with concurrent clients, against gunicorn on PostgreSQL.

The web app runs as production would (`gunicorn -w 4 -k gthread --threads 4 webui.wsgi:app`, CSRF on). Each
client is one intake officer in a browser: it signs in, then repeatedly opens a *Screen report* task page,
takes the form's `csrf_token` and `row_version`, and posts the form (302 = done, 409 = conflict). Every client
takes its own cases from a shared queue of cases created beforehand through the services. Only the standard
library talks HTTP here; this module never imports Flask. The server's CPU time (gunicorn master and workers,
user + system, from /proc) over the timed window divided by the completions is the CPU per completion (GET form +
POST).
"""
from __future__ import annotations

import http.client
import math
import os
import queue
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select

from engine import accounts, cases
from engine.db import transaction
from engine.models import CaseEvent, InboxItem

from .databases import Backend
from .lifecycle import REPORT
from .stats import summary

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password"  # noqa: S105 - the benchmark's own throw-away users
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROW_VERSION = re.compile(r'name="row_version" value="(\d+)"')
FORM = {"screening_outcome": "in_scope", "screening_reason": "Có dấu hiệu vi phạm"}
WARMUP_PER_CLIENT = 2


@dataclass
class Completion:
    get_s: float
    post_s: float
    status: int

    @property
    def total_s(self) -> float:
        return self.get_s + self.post_s


@dataclass
class ClientLog:
    warmup: list[Completion] = field(default_factory=list)
    completions: list[Completion] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished_at: float = 0.0
    ran_out: bool = False


class Browser:
    """A keep-alive HTTP connection with a cookie jar: enough of a browser for these forms."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            return self._send(method, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if method != "GET":
                raise
            self.conn.close()  # the server closed an idle keep-alive connection: reconnect once
            return self._send(method, path, body, headers)

    def _send(self, method: str, path: str, body: str | None, headers: dict[str, str]) -> tuple[int, str]:
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text

    def sign_in(self, username: str) -> None:
        status, page = self.request("GET", "/login")
        token = _field(CSRF, page, "csrf_token", status)
        status, _ = self.request("POST", "/login", {"csrf_token": token, "username": username, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"sign-in of {username} answered {status}")

    def complete_screen(self, case_id: int, task_id: str) -> Completion:
        path = f"/cases/{case_id}/tasks/{task_id}"
        start = time.perf_counter()
        status, page = self.request("GET", path)
        got = time.perf_counter()
        form = {"csrf_token": _field(CSRF, page, "csrf_token", status),
                "row_version": _field(ROW_VERSION, page, "row_version", status), **FORM}
        status, _ = self.request("POST", path, form)
        return Completion(got - start, time.perf_counter() - got, status)

    def close(self) -> None:
        self.conn.close()


def _field(pattern: re.Pattern[str], page: str, name: str, status: int) -> str:
    match = pattern.search(page)
    if match is None:
        raise RuntimeError(f"no {name} in the page (HTTP {status})")
    return match.group(1)


def create_users(backend: Backend, count: int) -> list[str]:
    names = [f"bench-intake-{n}" for n in range(1, count + 1)]
    with transaction(backend.factory) as session:
        for name in names:
            accounts.save_user(session, "bench", username=name, display_name=f"Bench intake {name[-1]}",
                               roles=["intake"], unit="rrt", password=PASSWORD)
    return names


def create_screen_tasks(backend: Backend, count: int, batch: int = 50) -> list[tuple[int, str]]:
    """`count` new reports through the services; returns (case id, screen task id) of each."""
    case_ids: list[int] = []
    while len(case_ids) < count:
        with transaction(backend.factory) as session:
            for _ in range(min(batch, count - len(case_ids))):
                case_ids.append(cases.submit_report(session, REPORT).id)
    with backend.factory() as session:
        rows = session.execute(select(InboxItem.case_id, InboxItem.task_id)
                               .where(InboxItem.task_name == "screen", InboxItem.case_id.in_(case_ids))
                               .order_by(InboxItem.case_id))
        return [(case_id, task_id) for case_id, task_id in rows]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """The web app under gunicorn in a child process (started and stopped by us, by its pid)."""

    def __init__(self, database_url: str, workdir: Path, workers: int, threads: int):
        self.port = free_port()
        self.workers = workers
        self.log_path = workdir / "gunicorn.log"
        self.ready_dir = workdir / f"workers-ready-{self.port}"
        self.ready_dir.mkdir(parents=True)
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32),
               "RR_INSTANCE_PATH": str(workdir / "instance"), "RR_ATTACHMENTS_DIR": str(workdir / "attachments"),
               "RR_BENCH_READY_DIR": str(self.ready_dir)}
        env.pop("RR_DEMO", None)
        self.command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads",
                        str(threads), "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
                        "-c", "python:bench.gunicorn_ready", "webui.wsgi:app"]
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(self.command, cwd=PROJECT_ROOT, env=env,  # noqa: S603 - our own command
                                        stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 180.0) -> None:  # four workers booting on two busy cores can take > 1 min
        """Until every worker has loaded the app (bench/gunicorn_ready.py) and `/healthz` answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {self.log_tail()}")
            if len(list(self.ready_dir.iterdir())) < self.workers:
                time.sleep(0.2)
                continue
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                try:
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        return
                finally:
                    conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn's {self.workers} workers were not all ready within {timeout:g} s "
                           f"({len(list(self.ready_dir.iterdir()))} were): {self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the gunicorn master and its workers (from /proc)."""
        return sum(self.cpu_by_process().values())

    def cpu_by_process(self) -> dict[int, float]:
        """User + system CPU time so far of the gunicorn master and of each worker, by pid (from /proc)."""
        return {pid: _cpu_seconds(pid) for pid in [self.process.pid, *_children(self.process.pid)]}

    def log_tail(self, lines: int = 20) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat after the command name: field 3 (state) onwards; [] when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text[text.rindex(")") + 2:].split()


def _cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    if not fields:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _client(port: int, username: str, work: queue.Queue, ready: threading.Barrier, go: threading.Event,
            deadline: list[float], log: ClientLog) -> None:
    browser = Browser(port)
    try:
        browser.sign_in(username)
        for _ in range(WARMUP_PER_CLIENT):
            log.warmup.append(browser.complete_screen(*work.get_nowait()))
    except Exception as exc:  # reported, never raised in a thread
        log.errors.append(f"warm-up: {type(exc).__name__}: {exc}")
    try:
        ready.wait(timeout=120)
        go.wait(timeout=120)
        while time.perf_counter() < deadline[0]:
            try:
                case_id, task_id = work.get_nowait()
            except queue.Empty:
                log.ran_out = True
                break
            try:
                log.completions.append(browser.complete_screen(case_id, task_id))
            except Exception as exc:  # one failed request is counted, the client goes on
                log.errors.append(f"{type(exc).__name__}: {exc}")
                browser.close()
                browser = Browser(port)
                browser.sign_in(username)
    except Exception as exc:
        log.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        log.finished_at = time.perf_counter()
        browser.close()


def measure(backend: Backend, workdir: Path, seconds: float, clients: int, workers: int = 4,
            threads: int = 4) -> dict[str, Any]:
    users = create_users(backend, clients)
    # enough cases for the fastest rate we expect (139/s was measured with 8 clients on 2 cores); if the clients
    # still run out, they stop early and the rate is over the time they ran (reported as `ran_out_of_cases`)
    expected_rate = 20 * clients * max(1.0, (os.cpu_count() or 2) / 2)
    prepared = int(seconds * expected_rate) + clients * (WARMUP_PER_CLIENT + 2) + 20
    started = time.perf_counter()
    tasks = create_screen_tasks(backend, prepared)
    prepare_seconds = time.perf_counter() - started
    work: queue.Queue = queue.Queue()
    for task in tasks:
        work.put(task)
    server = Gunicorn(backend.url, workdir, workers, threads)
    try:
        server.wait_ready()
        logs = [ClientLog() for _ in users]
        ready, go, deadline = threading.Barrier(clients + 1), threading.Event(), [0.0]
        threads_ = [threading.Thread(target=_client, args=(server.port, user, work, ready, go, deadline, log),
                                     name=f"bench-client-{n}", daemon=True)
                    for n, (user, log) in enumerate(zip(users, logs, strict=True))]
        for thread in threads_:
            thread.start()
        ready.wait(timeout=180)
        workers_ready = len(list(server.ready_dir.iterdir()))
        cpu_before = server.cpu_by_process()
        start = time.perf_counter()
        deadline[0] = start + seconds
        go.set()
        for thread in threads_:
            thread.join(timeout=seconds + 120)
        elapsed = max(log.finished_at for log in logs) - start
        cpu_by_process = {pid: used - cpu_before.get(pid, 0.0) for pid, used in server.cpu_by_process().items()}
        cpu = sum(cpu_by_process.values())
        workers_cpu = sorted((used for pid, used in cpu_by_process.items() if pid != server.process.pid),
                             reverse=True)
        server_log = server.log_tail()
    finally:
        server.stop()
    done = [c for log in logs for c in log.completions]
    ok = [c for c in done if c.status == 302]
    errors = [e for log in logs for e in log.errors]
    return {
        "clients": clients, "gunicorn": " ".join(["gunicorn", *server.command[3:]]), "prepared_cases": len(tasks),
        "prepare_seconds": prepare_seconds, "seconds": elapsed,
        "completions": len(ok), "conflicts_409": sum(c.status == 409 for c in done),
        "other_statuses": sorted({c.status for c in done} - {302, 409}),
        "errors": len(errors) + sum(c.status not in (302, 409) for c in done), "error_samples": errors[:5],
        "completions_per_s": len(ok) / elapsed if elapsed > 0 else 0.0,
        "server_cpu_s": cpu, "server_cpu_ms_per_completion": cpu * 1000 / len(ok) if ok else math.nan,
        "workers_ready_before_clients": workers_ready,
        "worker_cpu_shares": [used / cpu if cpu > 0 else 0.0 for used in workers_cpu],
        "ran_out_of_cases": any(log.ran_out for log in logs),
        "completion_ms": summary([c.total_s for c in ok], 1000),
        "get_ms": summary([c.get_s for c in ok], 1000), "post_ms": summary([c.post_s for c in ok], 1000),
        "warmup_completions": sum(c.status == 302 for log in logs for c in log.warmup),
        "screens_recorded_in_db": _screens_done(backend, [case_id for case_id, _ in tasks]),
        "server_log_tail": server_log if errors else "",
    }


def _screens_done(backend: Backend, case_ids: list[int]) -> int:
    with backend.factory() as session:
        return session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.kind == "task_completed", CaseEvent.task_name == "screen", CaseEvent.case_id.in_(case_ids)))


def healthz_cpu(backend: Backend, workdir: Path, seconds: float, clients: int = 8, workers: int = 4,
                threads: int = 4) -> dict[str, Any]:
    """The server CPU per `GET /healthz` under the same gunicorn, with `clients` keep-alive clients: what the HTTP
    server and Flask cost each request before any of the app's own work (no session, no database)."""
    server = Gunicorn(backend.url, workdir, workers, threads)
    counts, stop, errors = [0] * clients, threading.Event(), []

    def client(number: int) -> None:
        browser = Browser(server.port)
        try:
            while not stop.is_set():
                status, _ = browser.request("GET", "/healthz")
                if status != 200:
                    raise RuntimeError(f"/healthz answered {status}")
                counts[number] += 1
        except Exception as exc:  # reported, never raised in a thread
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            browser.close()

    try:
        server.wait_ready()
        workers_ = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
        for thread in workers_:
            thread.start()
        time.sleep(min(2.0, seconds))  # every worker has served a few requests
        cpu, done, start = server.cpu_seconds(), sum(counts), time.perf_counter()
        time.sleep(seconds)
        cpu, done, elapsed = server.cpu_seconds() - cpu, sum(counts) - done, time.perf_counter() - start
        stop.set()
        for thread in workers_:
            thread.join(timeout=30)
    finally:
        stop.set()
        server.stop()
    if errors or not done:
        raise RuntimeError(f"GET /healthz under gunicorn failed: {errors[:3] or 'no request answered'}")
    return {"gunicorn": " ".join(["gunicorn", *server.command[3:]]), "clients": clients, "seconds": elapsed,
            "requests": done, "server_cpu_ms_per_request": cpu * 1000 / done}
