"""Validation before deploy: each rule with a diagram that breaks it, and hostile uploads refused without harm."""
from __future__ import annotations

import re
import time
from xml.sax.saxutils import escape

import pytest

from engine import versions
from engine.validation import validate_bundle
from tests.tables import DEADLINES, ROUTING

ORIGINAL = versions.read_bundle()
MAIN = "rapid_response.bpmn"


def bundle_with(text: str, forms: dict | None = None) -> dict:
    return {"process_id": ORIGINAL["process_id"], "bpmn": {MAIN: text}, "dmn": ORIGINAL["dmn"],
            "forms": ORIGINAL["forms"] if forms is None else forms}


def changed(old: str, new: str, count: int = 1) -> dict:
    text = ORIGINAL["bpmn"][MAIN]
    assert old in text, old
    return bundle_with(text.replace(old, new, count))


def messages(bundle: dict) -> list[str]:
    return [str(p) for p in validate_bundle(bundle)]


def test_the_shipped_procedure_has_no_problems():
    assert validate_bundle(ORIGINAL) == []


def test_xsd_violations_are_reported_with_a_line():
    problems = validate_bundle(changed("<bpmn:laneSet", "<bpmn:notAnElement/><bpmn:laneSet"))
    assert problems and problems[0].message.startswith("not valid BPMN") and problems[0].line


def test_a_lane_must_be_a_known_role():
    problems = validate_bundle(changed('name="citizen">', 'name="janitor">'))
    assert [(p.element_id, "janitor" in p.message) for p in problems] == [("lane_citizen", True)]


def test_every_user_task_needs_an_existing_form():
    problems = validate_bundle(changed('value="classify.json"', 'value="no_such_form.json"'))
    assert [(p.element_id, p.element_name is not None) for p in problems] == [("classify", True)]
    assert "no_such_form.json" in problems[0].message
    missing = changed('<spiffworkflow:property name="formJsonSchemaFilename" value="classify.json" />', "")
    assert any("has no form" in m and "[classify]" in m for m in messages(missing))


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('"PT4H"', "PT4H", "must be quoted"),
    ('"PT4H"', '"PT4X"', "not a valid ISO-8601 duration"),
    ('"P7D"', '"seven days"', "not a valid ISO-8601 duration"),
    ("<bpmn:timeDate xsi:type=\"bpmn:tFormalExpression\">deadline_at",
     "<bpmn:timeDate xsi:type=\"bpmn:tFormalExpression\">\"2026-13-45T00:00:00\"", "not a valid ISO-8601 date-time"),
    ('"PT24H"', "__import__('os').getcwd()", "timer"),
])
def test_timer_expressions_must_be_iso_8601_and_quoted(old, new, expected):
    found = messages(changed(old, new))
    assert any(expected in m for m in found), found


def test_conditions_must_parse_in_the_restricted_evaluator():
    problems = validate_bundle(changed(">level == 3<", ">__import__('os').system('rm -rf /')<"))
    assert problems and all(p.element_id and p.message.startswith("condition") for p in problems)


def test_a_script_that_displays_differently_from_what_it_runs_is_named_at_deploy():
    """A direction override inside a comment (as "Trojan Source" did): the studio would show other code."""
    problems = validate_bundle(changed("screening_hours = 4\n", "screening_hours = 4  # \u202e 2 = \n"))
    assert [(p.element_id, "invalid non-printable character U+202E" in p.message) for p in problems] == [
        ("set_received", True)]
    table = ORIGINAL["dmn"]["deadlines.dmn"].replace("<text>1</text>", "<text>1\u2066</text>", 1)
    assert table != ORIGINAL["dmn"]["deadlines.dmn"]
    bundle = {**ORIGINAL, "dmn": {**ORIGINAL["dmn"], "deadlines.dmn": table}}
    assert any("U+2066" in str(p) for p in validate_bundle(bundle))


@pytest.mark.parametrize(("old", "new", "element", "code"), [
    ('name="Sàng lọc / Screen"', 'name="Sàng lọc \u202e / Screen"', "screen", "202E"),
    ("<bpmn:documentation>Chuyển ngay", "<bpmn:documentation>Chuyển \u2067ngay", "set_received", "2067"),
])
def test_a_name_or_documentation_that_shows_staff_something_else_is_named(old, new, element, code):
    """An element's name is what staff read in their inboxes: a direction override would reverse it there."""
    assert [(p.element_id, p.message) for p in validate_bundle(changed(old, new))] == [
        (element, f"invalid non-printable character U+{code}")]


@pytest.mark.parametrize("script", ["import os", "open('/etc/passwd').read()",
                                    "().__class__.__base__.__subclasses__()", "while True:\n    pass"])
def test_scripts_may_only_use_the_reviewed_functions(script):
    problems = validate_bundle(changed("<bpmn:script>mark_overdue()</bpmn:script>",
                                       f"<bpmn:script>{script}</bpmn:script>"))
    assert problems and problems[0].message.startswith("script")
    assert problems[0].element_id


def test_unsupported_elements_are_named():
    problems = validate_bundle(changed('<bpmn:startEvent id="report_received"',
                                       '<bpmn:complexGateway id="odd_gateway" name="Odd" />'
                                       '<bpmn:startEvent id="report_received"'))
    assert any(p.element_id == "odd_gateway" and "does not support <complexGateway>" in p.message for p in problems)


def test_a_process_needs_a_start_event():
    text = ORIGINAL["bpmn"][MAIN]
    text = re.sub(r'<bpmn:startEvent id="report_received"[^>]*>.*?</bpmn:startEvent>', "", text, flags=re.S)
    assert any("no start event" in m for m in messages(bundle_with(text)))


def test_a_diagram_needs_its_layout():
    text = re.sub(r"<bpmndi:BPMNDiagram.*</bpmndi:BPMNDiagram>", "", ORIGINAL["bpmn"][MAIN], flags=re.S)
    assert any("no diagram interchange" in m for m in messages(bundle_with(text)))
    one_shape = re.sub(r'<bpmndi:BPMNShape id="[^"]*" bpmnElement="screen"[^>]*>.*?</bpmndi:BPMNShape>', "",
                       ORIGINAL["bpmn"][MAIN], flags=re.S)
    assert any("[screen]" in m and "no shape" in m for m in messages(bundle_with(one_shape)))


XXE = """<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="rapid_response" name="&secret;"/></bpmn:definitions>"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="rapid_response" name="&lol9;"/></bpmn:definitions>"""


@pytest.mark.parametrize(("name", "text"), [
    ("external entity", XXE),
    ("entity expansion", LAUGHS),
    ("huge file", "<a>" + "x" * (3 * 1024 * 1024) + "</a>"),
    ("deep nesting", "<a>" * 5000 + "</a>" * 5000),
    ("moderately deep nesting", '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
     + "<bpmn:documentation>" * 100 + "</bpmn:documentation>" * 100 + "</bpmn:definitions>"),
    ("not xml", "\x00\x01 garbage <<<"),
])
def test_hostile_uploads_are_refused_quickly_and_read_nothing(name, text):
    started = time.monotonic()
    problems = validate_bundle(bundle_with(text))
    assert problems, name
    assert time.monotonic() - started < 5
    assert "root:" not in " ".join(map(str, problems))  # /etc/passwd was never read


def test_an_empty_bundle_is_a_problem_not_a_crash():
    assert validate_bundle({"process_id": "rapid_response", "bpmn": {}, "forms": {}})
    assert validate_bundle({})


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('"handling_unit", "inspectorate_for_levels_2_3")', '"handling_unit", "be_nice")',
     "unknown message code “be_nice”"),
    ('require(agencies != [], "agencies", "agency_for_level_3")', 'require(agencies != [], "agencies")',
     "takes a condition, a field name and a message code"),
    ('notify("reminder", "intake")', 'notify("reminder", "mayor")', "“mayor” is not a role"),
    ('notify("ack_overdue", "coordinator", agency)', 'notify("ack_overdue", "coordinator")',
     "must name the agency"),
    ('set_status("received")', 'set_status("zzz")', "set_status: “zzz” is not one of"),  # every report would fail
    ('close_case("resolved")', 'close_case("whatever")', "close_case: “whatever” is not one of"),
])
def test_reviewed_functions_are_called_with_arguments_they_accept(old, new, expected):
    found = messages(changed(old, new))
    assert len(found) == 1 and expected in found[0], found


# ---- decision tables ------------------------------------------------------------------------------------------

def table_changed(filename: str, old: str, new: str) -> dict:
    text = ORIGINAL["dmn"][filename]
    assert old in text, old
    return {**ORIGINAL, "dmn": {**ORIGINAL["dmn"], filename: text.replace(old, new, 1)}}


def problems_of(bundle: dict) -> list[tuple[str | None, str | None, str]]:
    return [(p.file, p.element_id, p.message) for p in validate_bundle(bundle)]


def test_a_level_without_a_rule_is_named():
    bundle = table_changed(DEADLINES, '<inputEntry id="deadline_level_2_in"><text>2</text>',
                           '<inputEntry id="deadline_level_2_in"><text>20</text>')
    assert problems_of(bundle) == [(DEADLINES, "deadline_rule_table",
                                    "level 2 is not covered: no rule matches it")]


@pytest.mark.parametrize(("cell", "expected"), [
    ("0", "the deadline for level 1 is 0 hours; it must be between 1 and 720"),
    ("721", "the deadline for level 1 is 721 hours; it must be between 1 and 720"),
    ("4", "the reminder for level 1 is 4 hours before the deadline; it must be more than 0 and less than the "
          "deadline (4 hours)"),
])
def test_deadline_hours_must_be_within_bounds(cell, expected):
    bundle = table_changed(DEADLINES, '<outputEntry id="deadline_level_1_sla"><text>24</text>',
                           f'<outputEntry id="deadline_level_1_sla"><text>{cell}</text>')
    assert problems_of(bundle) == [(DEADLINES, "deadline_level_1", f"rule 1: {expected}")]


def test_an_output_of_the_wrong_type_is_named():
    bundle = table_changed(DEADLINES, '<outputEntry id="deadline_level_3_sla"><text>72</text>',
                           '<outputEntry id="deadline_level_3_sla"><text>"72"</text>')
    assert problems_of(bundle) == [(DEADLINES, "deadline_level_3", "rule 3: sla_hours for level 3 is '72', not of "
                                                                   "type integer")]


def test_overlapping_rules_break_a_unique_hit_policy_but_not_first():
    overlap = table_changed(ROUTING, '<inputEntry id="routing_level_3_in"><text>3</text>',
                            '<inputEntry id="routing_level_3_in"><text>&gt;= 2</text>')
    assert problems_of(overlap) == [(ROUTING, "routing_level_3", "level 2 matches rules 2, 3; with hit policy "
                                                                 "UNIQUE only one may match")]
    first = {**overlap, "dmn": {**overlap["dmn"], ROUTING: overlap["dmn"][ROUTING].replace(
        'hitPolicy="UNIQUE"', 'hitPolicy="FIRST"')}}
    assert validate_bundle(first) == []
    collect = table_changed(ROUTING, 'hitPolicy="UNIQUE"', 'hitPolicy="COLLECT"')
    assert (ROUTING, "routing_rule", "hit policy COLLECT is not supported (use UNIQUE or FIRST)") in \
        problems_of(collect)


@pytest.mark.parametrize("cell", ["__import__('pathlib').Path(MARKER).touch()",
                                  "().__class__.__base__.__subclasses__()", "open(MARKER, 'w')"])
def test_a_hostile_cell_is_refused_before_it_runs(cell, tmp_path):
    marker = tmp_path / "ran"
    cell = cell.replace("MARKER", repr(str(marker)))
    bundle = table_changed(ROUTING, '<text>"inspectorate"</text>', f"<text>{escape(cell)}</text>")
    found = problems_of(bundle)
    assert found and all(f == ROUTING and e == "routing_level_2" and m.startswith(f"rule 2, output cell “{cell}”")
                         for f, e, m in found)
    assert not marker.exists()


def test_a_hostile_input_cell_and_input_expression_are_refused():
    cell = table_changed(DEADLINES, '<inputEntry id="deadline_level_1_in"><text>1</text>',
                         '<inputEntry id="deadline_level_1_in"><text>? == __import__("os")</text>')
    assert [e for _f, e, _m in problems_of(cell)] == ["deadline_level_1"]
    expression = table_changed(DEADLINES, "<text>level</text>", "<text>level.__class__</text>")
    assert [(e, m) for _f, e, m in problems_of(expression)] == [
        ("deadline_input_level", "input “Cấp độ / Level”: attribute access is not allowed")]


def test_a_hostile_table_file_is_refused_without_reading_anything():
    hostile = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><definitions>&e;</definitions>'
    bundle = {**ORIGINAL, "dmn": {**ORIGINAL["dmn"], DEADLINES: hostile}}
    found = problems_of(bundle)
    assert (DEADLINES, None, f"{DEADLINES}: DOCTYPE and entity declarations are not allowed") in found
    assert not any("root:" in m for _f, _e, m in found)  # /etc/passwd was never read
    not_dmn = {**ORIGINAL, "dmn": {**ORIGINAL["dmn"], "x.dmn": ORIGINAL["bpmn"][MAIN]}}
    assert problems_of(not_dmn) == [("x.dmn", None, "not a DMN decision table file (DMN 1.3 <definitions>)")]


def test_a_business_rule_task_must_name_an_existing_table():
    bundle = changed("<spiffworkflow:calledDecisionId>routing_rule<", "<spiffworkflow:calledDecisionId>routes<")
    [problem] = validate_bundle(bundle)
    assert (problem.element_id, problem.message) == (
        "check_classification", "the business rule task calls decision table “routes”, which is not in the bundle "
                                "(known: deadline_rule, routing_rule)")



def test_input_cells_are_checked_the_way_the_engine_joins_them_to_the_input():
    """SpiffWorkflow appends a test to the input expression without a space: `in (2, 3)` would fail at run time,
    `? in (2, 3)` names the level and works."""
    joined = table_changed(ROUTING, '<inputEntry id="routing_level_2_in"><text>2</text>',
                           '<inputEntry id="routing_level_2_in"><text>in (2, 3)</text>')
    assert [(e, m.split(":")[0]) for _f, e, m in problems_of(joined)] == [
        ("routing_level_2", "rule 2, input cell “in (2, 3)”")]
    named = {**joined, "dmn": {**joined["dmn"], ROUTING: joined["dmn"][ROUTING].replace(
        "<text>in (2, 3)</text>", "<text>? in (2, 3)</text>").replace(
        '"routing_level_3_in"><text>3</text>', '"routing_level_3_in"><text>&gt; 5</text>')}}
    assert validate_bundle(named) == []


def test_a_cell_that_fails_on_a_case_names_the_level_and_the_reason():
    bundle = table_changed(ROUTING, '<text>report["ward"]</text>', '<text>report["no_such_field"]</text>')
    [(file, element, message)] = problems_of(bundle)
    assert (file, element) == (ROUTING, "routing_level_1")
    assert message.startswith("level 1: ") and "no_such_field" in message
