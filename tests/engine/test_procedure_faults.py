"""Reports the procedure could not open are kept for the administrators, a week at a time."""
from __future__ import annotations

from engine import procedure_faults
from engine.db import transaction
from engine.errors import LimitExceeded, ProcedureFailed
from engine.messages import t


def test_the_incidents_page_lists_the_last_weeks_failures_newest_first_with_their_reasons(factory, clock):
    with transaction(factory) as session:
        procedure_faults.record(session, ProcedureFailed(t("procedure_failed"), ["line 1: boom"]), "web")
    clock.advance(days=6)
    with transaction(factory) as session:
        procedure_faults.record(session, LimitExceeded(t("over_limit"), ["the timer's value"]), "open311")
        shown = procedure_faults.recent(session)
        assert [(f.detail["channel"], f.detail["reason"]["code"], f.actor) for f in shown] == [
            ("open311", "over_limit", "system"), ("web", "procedure_failed", "system")]
        assert shown[0].detail["version"] == 1  # the version that was active
    clock.advance(days=1, minutes=1)
    with transaction(factory) as session:
        assert [f.detail["channel"] for f in procedure_faults.recent(session)] == ["open311"]
