"""Validation before deploy: each rule with a diagram that breaks it, and hostile uploads refused without harm."""
from __future__ import annotations

import re
import time

import pytest

from engine import versions
from engine.validation import validate_bundle

ORIGINAL = versions.read_bundle()
MAIN = "rapid_response.bpmn"


def bundle_with(text: str, forms: dict | None = None) -> dict:
    return {"process_id": ORIGINAL["process_id"], "bpmn": {MAIN: text},
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
])
def test_reviewed_functions_are_called_with_arguments_they_accept(old, new, expected):
    found = messages(changed(old, new))
    assert len(found) == 1 and expected in found[0], found
