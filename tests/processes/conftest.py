"""Fixtures of the diagram tests: the parsed procedure and a clock frozen at the receipt time."""
from __future__ import annotations

from datetime import datetime

import pytest
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.clock import FrozenClock, use_clock
from tests.processes.procedure import BPMN, PROCESS_ID, RECEIVED


@pytest.fixture
def frozen_clock():
    """SpiffWorkflow's timers and the diagram's now() read the engine clock, frozen at the receipt time, so these
    tests see the same deadlines whatever day they run."""
    with use_clock(FrozenClock(datetime.fromisoformat(RECEIVED))) as clock:
        yield clock


@pytest.fixture(scope="session")
def parsed():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_dmn_files(sorted(str(p) for p in BPMN.parent.glob("*.dmn")))  # the decision tables beside it
    parser.add_bpmn_file(str(BPMN))
    return parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID)
