"""One clock drives the engine and SpiffWorkflow's timers."""
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from engine.clock import Clock, FrozenClock, get_clock, now, use_clock


def test_spiffworkflow_timers_read_the_engine_clock():
    frozen = FrozenClock(datetime(2030, 1, 1, tzinfo=UTC))
    with use_clock(frozen):
        assert spiff_timer.datetime.now(UTC) == datetime(2030, 1, 1, tzinfo=UTC)
        frozen.advance(hours=25)
        assert spiff_timer.datetime.now(UTC) == datetime(2030, 1, 2, 1, tzinfo=UTC)
        assert now() == datetime(2030, 1, 2, 1, tzinfo=UTC)
    assert type(get_clock()) is Clock
    assert abs((spiff_timer.datetime.now(UTC) - datetime.now(UTC)).total_seconds()) < 5


def test_a_naive_start_time_is_taken_as_utc():
    assert FrozenClock(datetime(2030, 1, 1)).now().tzinfo is UTC
