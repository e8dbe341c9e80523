"""A procedure whose start fails on every report is refused at deploy, named by the element that fails."""
from __future__ import annotations

import copy

import pytest

from engine import versions
from engine.validation import validate_bundle

ORIGINAL = versions.read_bundle()
MAIN = versions.main_file(ORIGINAL, ORIGINAL["process_id"])
DEADLINE = "screening_deadline_at = hours_after(received_at, screening_hours)"
REMINDER = "screening_reminder_at = hours_after(received_at, screening_reminder_hours)"


def changed(old: str, new: str) -> dict:
    bundle = copy.deepcopy(ORIGINAL)
    assert old in bundle["bpmn"][MAIN], old
    bundle["bpmn"][MAIN] = bundle["bpmn"][MAIN].replace(old, new, 1)
    return bundle


@pytest.mark.parametrize(("old", "new", "element", "reason"), [
    (REMINDER, "screening_reminder_at = 1", "screening_reminder_timer",
     "the timer's value must be ISO-8601 text, not int"),
    (DEADLINE, "screening_deadline_at = hours_after(received_at, -1000000)", "screening_escalation_timer",
     "is more than 5 years from now"),
    (DEADLINE, "screening_deadline_at = hours_after(received_at, 1/(screening_hours-4))", "set_received",
     "line 4: division by zero"),
    (DEADLINE, "screening_deadline_at = keyed(12)", "set_received", "keyed: items must be a list or a dict"),
])
def test_a_start_that_fails_on_a_computed_value_is_refused_at_deploy(old, new, element, reason):
    """Faults the static checks cannot see (the value is computed): the start is run on a sample report."""
    problems = validate_bundle(changed(old, new))
    assert [(p.file, p.element_id) for p in problems] == [(MAIN, element)]
    assert problems[0].message.startswith("a new case or briefing cannot start: on sample data the process stops here")
    assert reason in problems[0].message
    assert problems[0].element_name  # the studio shows the element's name beside its id


def test_the_sample_report_is_a_valid_one_so_a_choice_made_on_it_does_not_fail():
    """The start reads the report's category; a sample category outside the form's choices would fail here."""
    bundle = changed(DEADLINE, DEADLINE + '\ncategory_hours = {"cosmetic_surgery": 1}[report["category"]]')
    assert validate_bundle(bundle) == []


def test_a_rule_refusing_the_sample_is_not_a_fault_and_does_not_stop_the_checks():
    """`require` refusing representative data is the diagram's own decision on that data (and it once made the
    whole check fail instead of answering)."""
    refusing = DEADLINE + '\nrequire(False, "report", "agency_already_invited")'
    assert validate_bundle(changed(DEADLINE, refusing)) == []


def test_no_sample_is_judged_when_the_report_form_cannot_be_satisfied_by_one():
    """A pattern the sample cannot meet: the start is not run at all, so a valid procedure is never refused
    because of the sample (and the fault below, which the start run would catch, is left to run time)."""
    bundle = changed(DEADLINE, "screening_deadline_at = hours_after(received_at, 1/(screening_hours-4))")
    bundle["forms"]["report"]["properties"]["ward"]["pattern"] = "^[0-9]{5}$"
    assert validate_bundle(bundle) == []
    bundle["forms"]["report"]["properties"]["ward"].pop("pattern")
    assert [p.element_id for p in validate_bundle(bundle)] == ["set_received"]


def test_the_scheduled_process_is_started_once_per_schedule():
    """The leadership's briefings: a fault in the quarterly branch only is found too."""
    bundle = versions.read_bundle(versions.REPORTING_PROCESS_ID)
    file = versions.main_file(bundle, bundle["process_id"])
    assert validate_bundle(bundle) == []
    quarterly = 'period = report_period("quarterly", briefing_at)'
    bundle["bpmn"][file] = bundle["bpmn"][file].replace(quarterly, quarterly + "[99]", 1)
    problems = validate_bundle(bundle)
    assert [(p.file, p.element_id) for p in problems] == [(file, "plan_quarterly")]
    assert "string index out of range" in problems[0].message


def test_a_failure_inside_the_engine_itself_is_named_too_not_a_crash_of_the_checks(monkeypatch):
    """Whatever stops the start (here a library error that is not one of SpiffWorkflow's own) is a problem."""
    from engine import workflows

    def broken(*_args, **_kwargs):
        raise KeyError("timer_definition")

    monkeypatch.setattr(workflows, "start", broken)
    problems = validate_bundle(copy.deepcopy(ORIGINAL))
    assert [str(p.message) for p in problems] == [
        "a new case or briefing cannot start: on sample data the process stops here: the engine stopped: "
        "'timer_definition'"]
