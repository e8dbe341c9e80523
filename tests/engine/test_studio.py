"""Process studio services: a new version affects only new cases, roll back, diffs, live counts, audit."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import studio, versions
from engine.db import transaction
from engine.errors import ProcessError, ValidationError
from engine.models import AuditEntry

MAIN = "rapid_response.bpmn"


def level1(drive) -> int:
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    return case_id


def sla_hours(drive, case_id) -> float:
    case = drive.case(case_id)
    return (case.deadline_at - case.received_at) / timedelta(hours=1)


def deploy_change(factory, old: str, new: str):
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session))
        text = draft.bundle["bpmn"][MAIN].replace(old, new)
        assert studio.save_diagram(session, "owner", draft, MAIN, text) == []
        return studio.deploy_draft(session, "owner", draft, "level 1 in 12 hours").number


def test_a_new_version_applies_to_new_cases_while_running_cases_keep_theirs(factory, drive):
    old_case = drive.report()
    assert deploy_change(factory, "{1: 24, 2: 48, 3: 72}", "{1: 12, 2: 48, 3: 72}") == 2
    new_case = level1(drive)
    drive.do("intake", old_case, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", old_case, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    assert sla_hours(drive, new_case) == 12
    assert sla_hours(drive, old_case) == 24  # started on version 1
    assert drive.case(old_case).process_version.number == 1


def test_roll_back_by_activating_an_older_version(factory, drive):
    deploy_change(factory, "{1: 24, 2: 48, 3: 72}", "{1: 12, 2: 48, 3: 72}")
    with transaction(factory) as session:
        first = next(r.version for r in studio.version_rows(session, "rapid_response") if r.version.number == 1)
        studio.activate(session, "owner", first)
    assert sla_hours(drive, level1(drive)) == 24
    with transaction(factory) as session:
        kinds = [e.kind for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert {"draft_created", "draft_diagram_saved", "version_deployed", "version_activated"} <= set(kinds)


def test_running_case_counts_per_version(factory, drive):
    drive.report()
    with transaction(factory) as session:
        rows = studio.version_rows(session, "rapid_response")
    assert [(r.version.number, r.running) for r in rows] == [(1, 1)]


def test_a_draft_with_problems_is_saved_but_not_deployed(factory):
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session))
        text = draft.bundle["bpmn"][MAIN].replace(">level == 3<", ">__import__('os')<")
        problems = studio.save_diagram(session, "owner", draft, MAIN, text)
        assert problems and problems[0].element_id
        with pytest.raises(ProcessError) as error:
            studio.deploy_draft(session, "owner", draft)
        assert error.value.details[0]["element_id"] == problems[0].element_id
        assert len(studio.version_rows(session, "rapid_response")) == 1


def test_hostile_xml_is_never_stored_in_a_draft(factory):
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session))
        before = dict(draft.bundle["bpmn"])
        with pytest.raises(ProcessError):
            studio.save_diagram(session, "owner", draft, MAIN, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                '<x>&e;</x>')
        with pytest.raises(ValidationError):
            studio.save_diagram(session, "owner", draft, "../evil.bpmn", draft.bundle["bpmn"][MAIN])
        assert draft.bundle["bpmn"] == before


def test_the_diff_names_changed_timers_scripts_and_forms():
    old = versions.read_bundle()
    new = {**old, "bpmn": {MAIN: old["bpmn"][MAIN].replace('"PT4H"', '"PT2H"').replace(
        "{1: 24, 2: 48, 3: 72}", "{1: 12, 2: 48, 3: 72}")}, "forms": {**old["forms"], "extra": {"type": "object"}}}
    result = studio.diff(old, new)
    assert [c["id"] for c in result["timers_changed"]] == ["ack_timer"]
    changed = {c["id"]: c["fields"] for c in result["changed"]}
    assert "24" in changed["set_deadlines"]["script"][0] and "12" in changed["set_deadlines"]["script"][1]
    assert result["forms"]["added"] == ["extra"]
    assert result["added"] == [] and result["removed"] == []


def test_live_counts_per_task(factory, drive):
    drive.report()
    case_id = level1(drive)
    with transaction(factory) as session:
        counts = studio.live_counts(session, versions.active_version(session))
    assert counts["screen"] == {"waiting": 1, "near": 0, "overdue": 0}
    assert counts["start_handling"]["waiting"] == 1
    drive.clock.advance(hours=21)
    with transaction(factory) as session:
        assert studio.live_counts(session, versions.active_version(session))["start_handling"]["near"] == 1
    assert case_id


def test_forms_are_checked_before_they_are_saved(factory):
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session))
        with pytest.raises(ValidationError):
            studio.save_form(session, "owner", draft, "classify", {"type": "object", "properties": {"x": {"type": 5}}})
        with pytest.raises(ValidationError):
            studio.save_form(session, "owner", draft, "../x", {"type": "object"})
        studio.save_form(session, "owner", draft, "classify", {"type": "object", "properties": {}})
        assert draft.bundle["forms"]["classify"] == {"type": "object", "properties": {}}


def test_bytes_that_are_not_utf8_are_a_clear_problem(factory):
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session))
        with pytest.raises(ProcessError) as error:
            studio.save_diagram(session, "owner", draft, MAIN, b"\xff\xfe<definitions/>")
        assert "UTF-8" in str(error.value)
