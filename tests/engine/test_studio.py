"""Process studio services: a new version affects only new cases, roll back, diffs, live counts, audit; the deploy
preview a process owner confirms, and drafts that are read-only once deployed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import studio, versions
from engine.db import transaction
from engine.errors import Conflict, DraftDeployed, ProcessError, ValidationError
from engine.models import AuditEntry, ProcessVersion
from tests.tables import DEADLINES, set_deadline

MAIN = "rapid_response.bpmn"


def level1(drive) -> int:
    case_id = drive.report()
    drive.do("intake", case_id, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", case_id, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    return case_id


def sla_hours(drive, case_id) -> float:
    case = drive.case(case_id)
    return (case.deadline_at - case.received_at) / timedelta(hours=1)


def deploy_level_1_in_12_hours(factory) -> int:
    """The process owner changes level 1's cell of the deadline table in a draft and deploys it."""
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session))
        table = set_deadline(draft.bundle, 1, 12)["dmn"][DEADLINES]
        assert studio.save_table(session, "owner", draft, DEADLINES, table) == []
        return studio.deploy_draft(session, "owner", draft, "level 1 in 12 hours").number


def test_a_new_version_applies_to_new_cases_while_running_cases_keep_theirs(factory, drive):
    old_case = drive.report()
    assert deploy_level_1_in_12_hours(factory) == 2
    new_case = level1(drive)
    drive.do("intake", old_case, "screen", {"screening_outcome": "in_scope"})
    drive.do("intake", old_case, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    assert sla_hours(drive, new_case) == 12
    assert sla_hours(drive, old_case) == 24  # started on version 1
    assert drive.case(old_case).process_version.number == 1


def test_roll_back_by_activating_an_older_version(factory, drive):
    deploy_level_1_in_12_hours(factory)
    with transaction(factory) as session:
        first = next(r.version for r in studio.version_rows(session, "rapid_response") if r.version.number == 1)
        studio.activate(session, "owner", first)
    assert sla_hours(drive, level1(drive)) == 24
    with transaction(factory) as session:
        kinds = [e.kind for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert {"draft_created", "draft_table_saved", "version_deployed", "version_activated"} <= set(kinds)


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
        utf7 = ('<?xml version="1.0" encoding="UTF-7"?>+ADwAIQ-DOCTYPE x +AFs-+ADwAIQ-ENTITY e SYSTEM '
                '+ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-<x/>')
        for hidden in (utf7, utf7.replace("<x/>", "<x>+ACY-e+ADs-</x>")):  # "<!DOCTYPE", "&e;" written in UTF-7
            with pytest.raises(ProcessError):  # read as UTF-8, which it is: not XML
                studio.save_diagram(session, "owner", draft, MAIN, hidden)
            with pytest.raises(ProcessError):
                versions.parse_xml(hidden)
        assert draft.bundle["bpmn"] == before


def test_a_decision_table_with_a_comment_or_processing_instruction_is_checked_like_any_other(factory):
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session))
        table = draft.bundle["dmn"][DEADLINES].replace("<decisionTable", "<!-- bảng --><?pi x?><decisionTable", 1)
        assert "<!-- bảng -->" in table
        assert studio.save_table(session, "owner", draft, DEADLINES, table) == []


def test_a_script_nested_past_the_parser_is_a_problem_not_a_crash(factory):
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session))
        bpmn = draft.bundle["bpmn"][MAIN]
        start = bpmn.index("<bpmn:script>") + len("<bpmn:script>")
        deep = bpmn[:start] + "x = " + "-" * 3000 + "1\n" + bpmn[start:]
        problems = studio.save_diagram(session, "owner", draft, MAIN, deep)
        assert problems and any("script" in p.message.lower() or "kịch bản" in p.message.lower() for p in problems)


def test_the_diff_names_changed_timers_scripts_tables_and_forms():
    old = versions.read_bundle()
    new = set_deadline(old, 1, 12)
    new = {**new, "bpmn": {MAIN: old["bpmn"][MAIN].replace('"PT4H"', '"PT2H"').replace(
        "set_status(\"in_handling\")", "set_status(\"in_handling\")\nnotify(\"reminder\", \"intake\")")},
        "forms": {**old["forms"], "extra": {"type": "object"}}}
    result = studio.diff(old, new)
    assert [c["id"] for c in result["timers_changed"]] == ["ack_timer"]
    changed = {c["id"]: c["fields"] for c in result["changed"]}
    assert "notify" not in changed["set_deadlines"]["script"][0] and "notify" in changed["set_deadlines"]["script"][1]
    assert result["forms"]["added"] == ["extra"]
    assert result["added"] == [] and result["removed"] == []
    assert result["tables"] == [{"file": DEADLINES, "status": "changed", "added": [], "removed": [],
                                 "changed": [{"rule_id": "deadline_level_1", "before": "1 → 24 | 4",
                                              "after": "1 → 12 | 4"}]}]


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


# --- the deploy preview and the state of drafts -----------------------------------------------------------------

def edited_draft(session, old: str = "screening_hours = 4", new: str = "screening_hours = 3"):
    draft = studio.new_draft(session, "owner", versions.active_version(session))
    studio.save_diagram(session, "owner", draft, MAIN, draft.bundle["bpmn"][MAIN].replace(old, new))
    return draft


def test_the_deploy_preview_counts_the_cases_running_on_the_active_version_and_names_what_changes(factory, drive):
    drive.report()
    level1(drive)
    closed = drive.report()
    drive.do("intake", closed, "screen", {"screening_outcome": "out_of_scope", "screening_reason": "Ngoài phạm vi"})
    with transaction(factory) as session:
        draft = edited_draft(session)
        screen = draft.bundle["forms"]["screen"]
        studio.save_form(session, "owner", draft, "screen", {**screen, "title": f"{screen.get('title', '')} (sửa)"})
        preview = studio.deploy_preview(session, draft)
        assert (preview.problems, preview.deployable) == ([], True)
        assert (preview.active.number, preview.running, preview.number) == (1, 2, 2)  # the closed case is not running
        assert preview.identical is None and not preview.base_moved_on
        assert [(c["id"], list(c["fields"])) for c in preview.changes["changed"]] == [("set_received", ["script"])]
        assert preview.changes["forms"]["changed"] == ["screen"]
        assert preview.content_hash == versions.content_hash(draft.bundle)
        assert session.scalar(select(func.count()).select_from(ProcessVersion)) == 1, "a preview deploys nothing"


def test_the_deploy_preview_counts_problems_and_a_draft_with_problems_cannot_be_deployed(factory):
    with transaction(factory) as session:
        draft = edited_draft(session, ">level == 3<", ">__import__('os')<")
        preview = studio.deploy_preview(session, draft)
        assert len(preview.problems) == 1 and not preview.deployable
        assert preview.problems[0].element_id == "flow_gw_level_to_coordination_stage"
        with pytest.raises(ProcessError):
            studio.deploy_draft(session, "owner", draft, confirmed_hash=preview.content_hash)
        assert studio.draft_state(session, draft).editable


def test_an_unchanged_draft_is_previewed_as_identical_to_its_version(factory):
    with transaction(factory) as session:
        draft = studio.new_draft(session, "owner", versions.active_version(session))
        preview = studio.deploy_preview(session, draft)
        assert preview.identical is not None and preview.identical.id == preview.active.id
        assert preview.number == 1
        assert preview.changes["changed"] == [] and preview.changes["forms"]["changed"] == []


def test_a_draft_changed_after_its_confirmation_is_not_deployed(factory):
    with transaction(factory) as session:
        draft = edited_draft(session)
        confirmed = studio.deploy_preview(session, draft).content_hash
        studio.save_diagram(session, "owner", draft, MAIN, draft.bundle["bpmn"][MAIN].replace('"PT4H"', '"PT2H"'))
        with pytest.raises(Conflict):
            studio.deploy_draft(session, "owner", draft, confirmed_hash=confirmed)
        assert versions.active_version(session).number == 1
        assert studio.deploy_draft(session, "owner", draft, confirmed_hash=studio.draft_hash(draft)).number == 2


def test_a_deployed_draft_says_which_version_it_became_and_refuses_every_change(factory):
    with transaction(factory) as session:
        draft = edited_draft(session)
        other = studio.new_draft(session, "owner", versions.active_version(session))
        assert studio.draft_state(session, draft).editable
        studio.deploy_draft(session, "owner", draft, "12 h")
        state = studio.draft_state(session, draft)
        assert not state.editable and state.deployed.number == 2
        before = dict(draft.bundle)
        for change in (lambda: studio.save_diagram(session, "owner", draft, MAIN, before["bpmn"][MAIN]),
                       lambda: studio.save_form(session, "owner", draft, "screen", {"type": "object"}),
                       lambda: studio.save_table(session, "owner", draft, DEADLINES, before["dmn"][DEADLINES]),
                       lambda: studio.deploy_draft(session, "owner", draft),
                       lambda: studio.deploy_preview(session, draft)):
            with pytest.raises(DraftDeployed) as refused:
                change()
            assert refused.value.version_number == 2 and "version 2" in str(refused.value)
        assert draft.bundle == before
        rows = {row.draft.id: row for row in studio.draft_rows(session, "rapid_response")}
        assert rows[draft.id].deployed.number == 2 and rows[other.id].editable
        assert [p["editing"] for p in studio.processes(session)] == [1]
        kinds = [e.kind for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert "draft_deployed" in kinds


def test_the_preview_warns_when_the_draft_started_from_a_version_that_is_no_longer_active(factory):
    with transaction(factory) as session:
        late = studio.new_draft(session, "owner", versions.active_version(session))
        studio.deploy_draft(session, "owner", edited_draft(session))
        preview = studio.deploy_preview(session, late)
        assert preview.base_moved_on and (preview.based_on.number, preview.active.number) == (1, 2)
        assert preview.identical is not None and preview.identical.number == 1  # the same content as version 1
