"""A case whose diagram code fails keeps the reason as a message code (cases.last_error_message) beside the English
last_error, so that the incidents page shows it in the reader's language."""
from __future__ import annotations

import pytest
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import timers
from engine.clock import now
from engine.db import transaction
from engine.errors import ProcessError
from engine.expressions import ExpressionError, evaluate
from engine.messages import from_data
from engine.models import Case
from engine.steps import run_step


def failing_on(data: dict) -> ProcessError:
    """The error a case step raises when a condition fails on the case's data (as SpiffWorkflow wraps it)."""
    def step():
        try:
            evaluate("1 / (level - 1)", data, {})
        except ExpressionError as exc:
            wrapped = SpiffWorkflowException("Error evaluating expression '1 / (level - 1)'")
            wrapped.add_note(str(exc))
            raise wrapped from exc

    with pytest.raises(ProcessError) as caught:
        run_step(step)
    return caught.value


def codes(text) -> list[str]:
    found = [text.code]
    for value in text.params.values():
        found += codes(value) if hasattr(value, "code") else []
    return found


def test_a_timer_step_failing_in_diagram_code_stores_its_reason_as_codes(drive, create_case):
    case_id = create_case(1)
    with transaction(drive.factory) as session:
        timers.record_failure(session, case_id, "worker", failing_on({"level": 1}), now())
    with transaction(drive.factory) as session:
        case = session.get(Case, case_id)
        reason = from_data(case.last_error_message)
        assert "division by zero" in case.last_error  # the English text for the CLI and logs, as before
    assert codes(reason) == ["incident_reason", "procedure_failed", "rt_division"]
    assert str(reason) == "The procedure could not continue: division by zero"


def test_an_error_without_a_code_stores_no_reason_and_the_page_falls_back_to_the_text(drive, create_case):
    case_id = create_case(1)
    with transaction(drive.factory) as session:
        timers.record_failure(session, case_id, "worker", RuntimeError("database away"), now())
    with transaction(drive.factory) as session:
        case = session.get(Case, case_id)
        assert case.last_error_message is None and "database away" in case.last_error
