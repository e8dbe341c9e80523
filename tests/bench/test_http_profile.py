"""`python -m bench.http_profile`: the CPU of an HTTP task completion in-process (and what garbage collection took of
it), and the fixed cost of a request."""
from __future__ import annotations

import re

import pytest
from sqlalchemy.engine import make_url

from bench import http_profile
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
