"""`python -m bench.http_profile`: the CPU of an HTTP task completion in-process (and what garbage collection took of
it), and the fixed cost of a request."""
from __future__ import annotations

import re

import pytest
from sqlalchemy.engine import make_url

from bench import http_profile, phases
from engine import workflows
from tests.conftest import PG_URL, require_postgres

_TEST_DB = make_url(PG_URL)
PROFILE_PG_URL = _TEST_DB.set(database=f"{_TEST_DB.database}_http_profile").render_as_string(hide_password=False)
NUMBER = r"(\d+\.\d\d)"


@pytest.mark.postgres
def test_a_tiny_profile_prints_the_completion_the_requests_and_the_fixed_cost_of_a_request():
    require_postgres("HTTP profile on PostgreSQL")
    out = http_profile.run(PROFILE_PG_URL, completions=3, rounds=1, profile=False, top=5, gunicorn_seconds=1)
    per_completion = re.search(rf"CPU per completion \(GET \+ POST\), 1 rounds of 3: {NUMBER} ms", out)
    per_request = re.search(rf"GET {NUMBER} ms, POST {NUMBER} ms", out)
    fixed = re.search(rf"/healthz {NUMBER} ms .*only reads the user {NUMBER} ms", out)
    served = re.search(rf"(\d+) GET /healthz, server CPU {NUMBER} ms per request", out)
    collected = re.search(rf"Garbage collection during the rounds: {NUMBER} ms per completion \(\d+\.\d%"
                          r" of it\); runs per generation (\d+) \(\d+ ms\), (\d+) \(\d+ ms\), (\d+) \(\d+ ms\)", out)
    assert per_completion and per_request and fixed and served and collected, out
    assert int(collected[2]) > 0  # a completion allocates enough for the youngest generation to be collected
    assert "SQL statements per request: GET 2.0, POST 5.0" in out  # the task page's statement counts hold
    assert 0 < float(fixed[1]) < float(fixed[2]) < float(per_request[1])  # a bare request < signed in < task page
    assert int(served[1]) > 0 and float(served[2]) > 0


@pytest.mark.postgres
def test_the_phases_of_a_completion_add_up_and_each_is_timed():
    require_postgres("HTTP profile by phase on PostgreSQL")
    out = http_profile.run(PROFILE_PG_URL, completions=3, rounds=1, profile=False, top=5, by_phase=True)
    table = out[out.index("CPU by phase"):].splitlines()[1:]
    rows = [re.match(rf"\s*{NUMBER} ms\s+(\d+\.\d)%\s+(.*)$", line) for line in table]
    assert all(rows), table
    by_label = {row[3].strip(): float(row[1]) for row in rows if row[3].strip() != "the rest of it"}
    total = by_label["the completion as the client sends it (GET form + POST)"]
    flask = by_label["Flask's handling of the two requests (Flask.wsgi_app)"]
    step = by_label["completing the task (engine.cases.complete_task)"]
    save = by_label["saving the step (engine.steps.save)"]
    assert 0 < flask < total and 0 < step < flask and 0 < save < step
    for label, ms in by_label.items():  # every phase ran in this checkout and took some CPU
        assert ms > 0, label
    assert len(by_label) == 18 and "not in this checkout" not in out


def test_a_phase_this_checkout_lacks_is_shown_as_absent_and_nothing_stays_wrapped():
    original = workflows.dumps
    root = phases.Phase("all", "engine.workflows", "dumps", children=(
        phases.Phase("gone", "engine.workflows", "no_such_function", parent="all"),
        phases.Phase("nor this", "no_such_package.module", "f", parent="all")))
    timers = phases.Timers(root)
    with timers.installed():
        assert workflows.dumps is not original
    assert workflows.dumps is original
    lines = timers.lines(completions=1, total_seconds=1.0)
    assert any("gone: not in this checkout" in line for line in lines)
    assert any("nor this: not in this checkout" in line for line in lines)
