"""No server error from any input to the Open311 API: schemathesis generates requests from the API's own OpenAPI
description (/open311/v2/openapi.json) — values it allows and values it does not — and every answer must be a
clear 2xx/4xx. Deterministic (derandomized) and small: a few hundred requests on SQLite, seconds not minutes."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from engine import citizen
from engine.db import transaction
from tests.conftest import _truncate, seeded_factory
from webui.app import create_app

EXAMPLES_PER_OPERATION = 50
OPERATIONS = ["listServices", "serviceDefinition", "createRequest", "searchRequests", "getRequest", "getToken"]


@pytest.fixture
def fuzzed(sqlite_engine, clock, tmp_path, monkeypatch, app_config):
    """The app on a fresh SQLite database with one registered application; limits high enough not to hide
    anything behind a 429."""
    monkeypatch.setenv("RR_LIMIT_SUBMIT", "100000/minute")
    monkeypatch.setenv("RR_LIMIT_LOOKUP", "100000/minute")
    _truncate(sqlite_engine)
    factory = seeded_factory(sqlite_engine)
    with transaction(factory) as session:
        key = citizen.register_client(session, "fuzzer", "tests")
    app = create_app(app_config(DB_ENGINE=sqlite_engine, TESTING=True, SECRET_KEY="test",
                                ATTACHMENTS_DIR=str(tmp_path / "attachments")))
    app.extensions["rr_sessions"] = factory
    return app, key


def test_the_description_is_served_and_names_every_operation(fuzzed):
    app, _key = fuzzed
    response = app.test_client().get("/open311/v2/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    found = sorted(op["operationId"] for path in document["paths"].values() for op in path.values())
    assert found == sorted(OPERATIONS)
    # the limits in the description are the ones enforced
    dates = document["paths"]["/requests.json"]["get"]["parameters"]
    assert any(p["name"] == "start_date" and "2000–2099" in p["schema"]["description"] for p in dates)


# Every operation with valid input, and every operation that takes parameters with invalid input.
RUNS = [pytest.param(op, GenerationMode.POSITIVE, id=f"{op}-valid") for op in OPERATIONS] + \
       [pytest.param(op, GenerationMode.NEGATIVE, id=f"{op}-invalid") for op in OPERATIONS if op != "listServices"]


@pytest.mark.parametrize(("operation_id", "mode"), RUNS)
def test_no_generated_request_gets_a_server_error(fuzzed, operation_id, mode):
    app, key = fuzzed
    schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", app)
    operation = schema.find_operation_by_id(operation_id)
    statuses: list[int] = []

    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        if mode is GenerationMode.POSITIVE:  # a valid request goes past the key check to the real work
            if isinstance(case.body, dict) and "api_key" in case.body:
                case.body["api_key"] = key
            if isinstance(case.query, dict) and "api_key" in case.query:
                case.query["api_key"] = key
        response = case.call_and_validate(checks=[not_a_server_error])
        statuses.append(response.status_code)

    run()
    assert statuses and max(statuses) < 500
