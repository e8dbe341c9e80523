"""Durability on the real PostgreSQL: several worker processes, a worker killed mid-sweep, many people
completing the same tasks at once, and a dropped database connection."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text

from engine import cases, timers
from engine.db import transaction
from engine.errors import Conflict, NotFound
from engine.models import Case, CaseEvent, InboxItem, Notification
from tests.casedriver import CaseDriver
from tests.conftest import PG_URL

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(autouse=True)
def worker_instance(tmp_path, monkeypatch):
    """The worker processes keep their instance folder (secret key, compiled catalogs) in the test's folder."""
    monkeypatch.setenv("RR_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture
def pg(postgres_engine):
    from tests.conftest import _truncate, seeded_factory

    _truncate(postgres_engine)
    return seeded_factory(postgres_engine)


def level1_cases(factory, clock, n: int, prefix: str = "CLONE") -> dict[int, str]:
    """One real level-1 case, then n-1 copies of it with fresh task ids (each a valid, separate workflow).
    Returns each case's id with the id of its open task (the handling unit's)."""
    drive = CaseDriver(factory, clock)
    first = drive.report()
    drive.do("intake", first, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", first, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    [open_task] = drive.open_tasks(first)
    with transaction(factory) as session:
        row = session.get(Case, first)
        columns = {c.key: getattr(row, c.key) for c in Case.__table__.columns if c.key not in ("id", "code")}
        copies, tasks = [], [open_task.task_id]
        for i in range(n - 1):
            ids = {old: str(uuid.uuid4()) for old in set(UUID.findall(row.workflow_json))}
            copies.append({**columns, "code": f"{prefix}-{i:05d}",
                           "workflow_json": UUID.sub(lambda m, ids=ids: ids[m.group(0)], row.workflow_json)})
            tasks.append(ids[open_task.task_id])
        session.execute(insert(Case), copies)
        codes = [row.code] + [c["code"] for c in copies]
        case_ids = dict(session.execute(select(Case.code, Case.id).where(Case.code.in_(codes))).all())
        return {case_ids[code]: task for code, task in zip(codes, tasks, strict=True)}


def run_workers(at: str, count: int, lease_seconds: int = 300) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": PG_URL, "RR_TIMER_LEASE_SECONDS": str(lease_seconds)}
    command = [sys.executable, "-m", "webui.cli", "timers", "run-once", "--now", at]
    return [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(count)]


def fired_per_case(factory) -> dict[int, int]:
    with transaction(factory) as session:
        return dict(session.execute(select(CaseEvent.case_id, func.count()).where(CaseEvent.kind == "timer_fired")
                                    .group_by(CaseEvent.case_id)).all())


def test_four_worker_processes_fire_each_of_1000_due_timers_exactly_once(pg, clock):
    ids = level1_cases(pg, clock, 1000)
    at = (clock.now() + timedelta(hours=21)).isoformat()  # every reminder (20 h) is due, no deadline (24 h)
    workers = run_workers(at, 4)
    outputs = [w.communicate(timeout=600)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    fired = fired_per_case(pg)
    assert len(fired) == 1000 and set(fired.values()) == {1}
    assert sum(int(re.search(r"(\d+) timers fired", out).group(1)) for out in outputs) == 1000
    assert all(re.search(r"(\d+) timers fired", out).group(1) != "1000" for out in outputs)  # work was shared
    with transaction(pg) as session:
        reminders = session.scalar(select(func.count()).select_from(Notification)
                                   .where(Notification.kind == "reminder"))
        leased = session.scalar(select(func.count()).select_from(Case).where(Case.lease_owner.is_not(None)))
        next_due = set(session.scalars(select(Case.next_timer_at).where(Case.id.in_(ids))))
    assert reminders == 1000 and leased == 0
    assert next_due == {clock.now() + timedelta(hours=24)}  # each waits for its deadline now


def test_a_worker_killed_mid_sweep_loses_nothing_and_fires_nothing_twice(pg, clock):
    first_wave = level1_cases(pg, clock, 150, "FIRST")
    clock.advance(minutes=1)  # the second wave's reminders fall due a minute later: the worker takes them last
    second_wave = level1_cases(pg, clock, 150, "SECOND")
    at = clock.now() + timedelta(hours=21)
    # The copies of the second wave have no inbox row yet: firing one inserts it. This test's open transaction
    # inserts rows with the same task ids first, so the worker waits on the unique index as soon as it reaches
    # the second wave; it has fired the whole first wave by then (it works in order of due time).
    blocked = {case_id: task for case_id, task in second_wave.items() if case_id != min(second_wave)}
    blocker = pg()
    parked = blocker_case(pg, clock)  # the blocking rows hang on a closed case, which no worker touches
    blocker.execute(insert(InboxItem), [{"case_id": parked, "task_id": task, "task_name": "blocker",
                                         "title": "blocker", "role": "handling_unit"} for task in blocked.values()])
    blocker.flush()
    [worker] = run_workers(at.isoformat(), 1, lease_seconds=60)
    try:
        waiting = backend_waiting_on(blocker, worker)
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=30)
        end_backend(blocker, waiting)  # its uncommitted work on the case it was firing is rolled back
    finally:
        blocker.rollback()
        blocker.close()
    done_before = fired_per_case(pg)
    assert set(first_wave) <= set(done_before), "the whole first wave was fired before the worker was killed"
    assert not set(blocked) & set(done_before), "nothing of the blocked second wave was fired"
    assert 0 < len(done_before) < 300
    with transaction(pg) as session:
        stranded = session.scalar(select(func.count()).select_from(Case).where(Case.lease_owner.is_not(None)))
    assert stranded >= 1  # the case being fired when the worker died, at least, is still under its lease
    # still inside the dead worker's lease: nobody else may take its cases
    [early] = run_workers((at + timedelta(seconds=30)).isoformat(), 1, lease_seconds=60)
    early.communicate(timeout=600)
    after_early = fired_per_case(pg)
    assert len(after_early) == 300 - stranded
    # after the lease expired: the rest is picked up, each exactly once
    [late] = run_workers((at + timedelta(seconds=61)).isoformat(), 1, lease_seconds=60)
    late.communicate(timeout=600)
    fired = fired_per_case(pg)
    assert len(fired) == 300 and set(fired.values()) == {1}


def blocker_case(factory, clock) -> int:
    """A report closed at screening: no timer, no task, never picked by a worker."""
    drive = CaseDriver(factory, clock)
    case_id = drive.report(facility_name="Cơ sở khác")
    drive.do("intake", case_id, "screen", {"screening_outcome": "out_of_scope", "screening_reason": "Ngoài phạm vi"})
    assert drive.case(case_id).next_timer_at is None
    return case_id


def backend_waiting_on(blocker, worker: subprocess.Popen, timeout: float = 120) -> int:
    """The worker's database session once it waits for a lock this test's session holds (the worker process
    must still be running: a worker that finished or failed ends the test)."""
    me = blocker.scalar(text("SELECT pg_backend_pid()"))
    query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                 "AND wait_event_type = 'Lock' AND :me = ANY(pg_blocking_pids(pid))")
    give_up = time.monotonic() + timeout
    with pg_connection() as conn:
        while time.monotonic() < give_up:
            assert worker.poll() is None, f"the worker ended without waiting: {worker.communicate()[0]}"
            pid = conn.scalar(query, {"me": me})
            if pid is not None:
                return pid
            conn.rollback()  # a fresh snapshot of pg_stat_activity next time
            time.sleep(0.05)  # polling a condition, not waiting for one to happen
    pytest.fail("the worker never reached the blocked cases")


def end_backend(blocker, pid: int) -> None:
    """End a dead worker's database session now (PostgreSQL would notice the lost client only later) and wait
    until it is gone, so its row locks are released before the next worker runs."""
    with pg_connection() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        give_up = time.monotonic() + 60
        while conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}):
            assert time.monotonic() < give_up, "the dead worker's session did not end"
            time.sleep(0.05)
            conn.rollback()  # a fresh snapshot of pg_stat_activity


def test_fifty_people_completing_the_same_tasks_at_once_lose_no_update(pg, clock):
    drive = CaseDriver(pg, clock)
    case_ids = [drive.report() for _ in range(5)]
    tasks = {case_id: drive.task(case_id, "screen").task_id for case_id in case_ids}
    intake = drive.actor("intake")
    outcomes: list[str] = []
    barrier = threading.Barrier(50)

    def complete(case_id: int) -> None:
        barrier.wait()
        try:
            with transaction(pg) as session:
                cases.complete_task(session, intake, case_id, tasks[case_id], {"screening_outcome": "in_scope"})
            outcomes.append("ok")
        except (Conflict, NotFound):
            outcomes.append("conflict")
        except Exception as exc:  # noqa: BLE001 - anything else is a failure of this test
            outcomes.append(f"error {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=complete, args=(case_ids[i % 5],)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(set(outcomes)) == ["conflict", "ok"], outcomes
    assert outcomes.count("ok") == 5  # one per task
    for case_id in case_ids:
        assert drive.events(case_id).count("task_completed") == 1
        assert drive.task_names(case_id) == ["classify"]
        with transaction(pg) as session:
            assert session.scalar(select(func.count()).select_from(InboxItem)
                                  .where(InboxItem.case_id == case_id)) == 1


def test_the_app_and_the_worker_recover_from_a_dropped_database_connection(pg, clock, postgres_engine, app_config):
    from webui.app import create_app

    # no rate limits here: their in-memory storage runs a non-daemon timer thread, which under faketime (the
    # time-shifted pass of `make test`) never wakes and keeps the test process from exiting

    app = create_app(app_config(DB_ENGINE=postgres_engine, TESTING=True, WTF_CSRF_ENABLED=False, SECRET_KEY="t",
                                RATELIMIT_ENABLED=False))
    app.extensions["rr_sessions"] = pg
    client = app.test_client()
    assert client.get("/track?code=AAAAA-AAAAA").status_code == 404  # a query ran: a pooled connection exists
    assert cut_every_connection() >= 1
    assert client.get("/track?code=AAAAA-AAAAA").status_code == 404  # answered, not a 500
    assert cut_every_connection() >= 1
    assert timers.run_once(pg).failed == []


@contextmanager
def pg_connection():
    """A connection of its own to the test database, outside every session factory."""
    from engine.db import make_engine

    engine = make_engine(PG_URL)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def cut_every_connection() -> int:
    """Terminate every other session on the test database, as a database restart or failover would."""
    from engine.db import make_engine

    killer = make_engine(PG_URL)
    try:
        with killer.connect() as conn:
            killed = conn.scalar(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            conn.commit()
    finally:
        killer.dispose()
    return killed


def test_two_people_submitting_the_same_task_form_at_once_one_wins_the_other_gets_409(pg, clock, postgres_engine,
                                                                                       app_config):
    from engine.accounts import hash_password, save_user
    from webui.app import create_app

    with transaction(pg) as session:
        for name in ("intake1", "intake2", "intake3", "intake4"):
            save_user(session, "tests", username=name, display_name=name, roles=["intake"], unit="rrt",
                      password="password-1")
    assert hash_password  # the users above have real Argon2 hashes
    drive = CaseDriver(pg, clock)
    case_id = drive.report()
    task = drive.task(case_id, "screen")
    version = drive.case(case_id).row_version
    app = create_app(app_config(DB_ENGINE=postgres_engine, TESTING=True, WTF_CSRF_ENABLED=False, SECRET_KEY="t",
                                RATELIMIT_ENABLED=False))
    app.extensions["rr_sessions"] = pg
    clients = []
    for name in ("intake1", "intake2", "intake3", "intake4"):
        client = app.test_client()
        assert client.post("/login", data={"username": name, "password": "password-1"}).status_code == 302
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def submit(client) -> None:
        barrier.wait()
        response = client.post(f"/cases/{case_id}/tasks/{task.task_id}",
                               data={"screening_outcome": "in_scope", "row_version": version})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(statuses) == [302, 409, 409, 409]
    assert drive.events(case_id).count("task_completed") == 1
