"""Checks a process bundle (diagrams + forms) before it may be deployed, and names every problem by file,
element id and element name so the studio can show it on the diagram.

Uploads may be hostile: parsing never resolves entities or external resources and refuses DOCTYPEs, huge files
and deep trees (see `versions.parse_xml`). Expressions and scripts are first checked statically by the restricted
evaluator; those that pass are then run once, by the same evaluator under its budgets (`engine.budget`), on
representative data built from the bundle's forms, so that an element going over a limit (size, steps, time) is
named before deployment. Literal timer values are checked against the bounds of `engine.timer_bounds`. Last, a
bundle with no other problem has its start run on a sample report (`engine.start_check`).
"""
from __future__ import annotations

import ast
import re
from typing import Any

from lxml import etree

from .budget import ExpressionError, LimitError
from .clock import now
from .dry_run import dry_run_expression, dry_run_script
from .errors import ProcessError
from .expressions import check_expression, check_script, evaluate
from .functions import CLOSE_OUTCOMES, RULE_MESSAGES, Effects, RuleRefused, build_functions
from .messages import t
from .models import LANE_ROLES, CaseStatus, Role
from .problems import Problem, unreadable
from .scripting import instances_problem
from .start_check import start_problems
from .table_checks import check_decisions, check_table_files, decision_ids
from .timer_bounds import KINDS, TimerValueError, check_timer_value
from .unseen import INVISIBLE
from .variable_names import BPMN, SCRIPT_TAGS, SPIFF, defined_names, unknown_names
from .versions import VALIDATOR, parse_bundle, parse_xml

BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "spiffworkflow": SPIFF}
MAX_DEPTH = 60
FUNCTION_NAMES = frozenset(build_functions(Effects()))
# Flow elements the engine runs; anything else inside a process is reported by name.
SUPPORTED = {
    "startEvent", "endEvent", "userTask", "manualTask", "scriptTask", "task", "exclusiveGateway",
    "parallelGateway", "inclusiveGateway", "eventBasedGateway", "subProcess", "callActivity", "boundaryEvent",
    "intermediateCatchEvent", "intermediateThrowEvent", "sequenceFlow", "businessRuleTask", "laneSet", "lane",
    "flowNodeRef",
    "childLaneSet", "documentation", "extensionElements", "incoming", "outgoing", "conditionExpression",
    "timerEventDefinition", "timeDuration", "timeDate", "timeCycle", "script", "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics", "loopCardinality", "loopDataInputRef", "loopDataOutputRef", "inputDataItem",
    "outputDataItem", "completionCondition", "property", "dataObject", "dataObjectReference", "dataStoreReference",
    "textAnnotation", "association", "text", "terminateEventDefinition", "messageEventDefinition",
    "signalEventDefinition", "errorEventDefinition", "escalationEventDefinition", "ioSpecification",
    "dataInput", "dataOutput", "inputSet", "outputSet", "dataInputRefs", "dataOutputRefs", "group",
}
FLOW_NODES = ("startEvent", "endEvent", "userTask", "manualTask", "scriptTask", "businessRuleTask", "task",
              "exclusiveGateway",
              "parallelGateway", "inclusiveGateway", "eventBasedGateway", "subProcess", "callActivity",
              "boundaryEvent", "intermediateCatchEvent", "intermediateThrowEvent")
_ISO_LITERAL = re.compile(r"^(R\d*/)?P|^\d{4}-\d{2}-\d{2}")


def validate_bundle(bundle: dict[str, Any]) -> list[Problem]:
    """Every problem found in the bundle, its diagrams and its decision tables (an empty list means it can be
    deployed)."""
    problems: list[Problem] = []
    diagrams = bundle.get("bpmn") if isinstance(bundle, dict) else None
    if not isinstance(diagrams, dict) or not diagrams:
        return [Problem(t("v_no_diagram"))]
    forms = bundle.get("forms") or {}
    process_id = bundle.get("process_id")
    found_process = False
    decisions = decision_ids(bundle.get("dmn") or {})
    roots = {}
    for filename, text in diagrams.items():
        try:
            root = parse_xml(text, filename)
        except ProcessError as exc:
            problems.append(unreadable(exc, filename))
            continue
        if _depth(root) > MAX_DEPTH:
            problems.append(Problem(t("v_too_deep", limit=MAX_DEPTH), filename))
            continue
        roots[filename] = root
    data = representative_data(forms)
    known = defined_names(roots.values(), data, bundle.get("dmn") or {})
    for filename, root in roots.items():
        problems += _xsd(root, filename)
        problems += _check_diagram(root, filename, forms, data, known)
        problems += _rule_tasks(root, filename, decisions)
        found_process |= bool(root.xpath("//bpmn:process[@id=$id]", namespaces=NS, id=process_id))
    if not problems and not found_process:
        problems.append(Problem(t("v_no_process", process=repr(process_id))))
    problems += check_table_files(bundle.get("dmn") or {}, FUNCTION_NAMES)
    if not problems:
        try:
            parsed = parse_bundle(bundle)
        except ProcessError as exc:
            problems.append(_refused_by_parser(exc))
        else:
            problems += check_decisions(parsed, bundle.get("dmn") or {}, representative_data(forms))
            problems += [] if problems else start_problems(parsed, process_id, forms, data, roots)
    return problems


def _refused_by_parser(error: ProcessError) -> Problem:
    """SpiffWorkflow's parser refused a bundle that passed the checks above: its (English) text is a technical
    detail; the file, element and line it names are kept."""
    cause = error.__cause__
    detail = "; ".join(str(p) for p in error.problems) or str(error)
    return Problem(t("v_engine_refused", detail=detail), getattr(cause, "file_name", None) or None,
                   getattr(cause, "id", None) or None, getattr(cause, "name", None) or None,
                   getattr(cause, "line_number", None) or None)


def _depth(root: etree._Element) -> int:
    deepest = 0
    for element in root.iter():
        depth = 0
        node = element
        while node is not None and depth <= MAX_DEPTH:
            node = node.getparent()
            depth += 1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
    return deepest


def _xsd(root: etree._Element, filename: str) -> list[Problem]:
    schema = VALIDATOR.validator
    try:
        if schema.validate(root):
            return []
    except etree.XMLSchemaValidateError as exc:  # libxml2 gives up on the document (an internal error)
        return [Problem(t("v_not_bpmn", detail=str(exc)), filename)]
    return [Problem(t("v_not_bpmn", detail=e.message), filename, line=e.line) for e in list(schema.error_log)[:20]]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _problem(element: etree._Element, filename: str, message: str) -> Problem:
    owner = element
    while owner is not None and owner.get("id") is None:
        owner = owner.getparent()
    return Problem(message, filename, owner.get("id") if owner is not None else None,
                   owner.get("name") if owner is not None else None, element.sourceline)


def _check_diagram(root: etree._Element, filename: str, forms: dict[str, Any], data: dict[str, Any],
                   known: frozenset[str]) -> list[Problem]:
    problems: list[Problem] = []
    processes = root.findall(f"{{{BPMN}}}process")
    for process in processes:
        if not process.findall(f"{{{BPMN}}}startEvent"):
            problems.append(_problem(process, filename, t("v_no_start")))
        for element in process.iterdescendants():
            name = _local(element)
            if name and etree.QName(element).namespace == BPMN and name not in SUPPORTED:
                problems.append(_problem(element, filename, t("v_unsupported", tag=name)))
            problems += _hidden_characters(element, name, filename)
        problems += _lanes(process, filename)
        problems += _user_tasks(process, filename, forms)
        problems += _expressions(process, filename, data, known)
    shapes = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI}}}BPMNShape")}
    if processes and not root.findall(f".//{{{BPMNDI}}}BPMNDiagram"):
        problems.append(Problem(t("v_no_layout"), filename))
    else:
        for process in processes:
            for node in process.iter(*[f"{{{BPMN}}}{n}" for n in FLOW_NODES]):
                if node.get("id") not in shapes:
                    problems.append(_problem(node, filename, t("v_no_shape")))
    return problems


def _hidden_characters(element: etree._Element, tag: str | None, filename: str) -> list[Problem]:
    """A name, documentation or annotation that would show staff something else than it holds (a direction
    control reverses the text after it in every inbox; code is checked by the evaluator)."""
    texts = [element.get("name") or ""] + ([element.text or ""] if tag in ("documentation", "text") else [])
    hidden = next((found for found in map(INVISIBLE.search, texts) if found), None)
    if hidden is None:
        return []
    shown = element.getparent() if tag in ("documentation", "text") else element
    return [_problem(shown, filename, t("sx_non_printable", code=f"{ord(hidden.group()):04X}"))]


def _lanes(process: etree._Element, filename: str) -> list[Problem]:
    known = ", ".join(sorted(LANE_ROLES))
    return [_problem(lane, filename, t("v_lane_role", lane=lane.get("name"), known=known))
            for lane in process.iter(f"{{{BPMN}}}lane") if lane.get("name") not in LANE_ROLES]


def _properties(element: etree._Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in element.iterfind(
        f"{{{BPMN}}}extensionElements/{{{SPIFF}}}properties/{{{SPIFF}}}property")}


def _user_tasks(process: etree._Element, filename: str, forms: dict[str, Any]) -> list[Problem]:
    problems = []
    for task in process.iter(f"{{{BPMN}}}userTask"):
        form = _properties(task).get("formJsonSchemaFilename")
        if not form:
            problems.append(_problem(task, filename, t("v_no_form")))
        elif form.removesuffix(".json") not in forms:
            problems.append(_problem(task, filename, t("v_form_missing", form=form)))
    return problems


def _rule_tasks(root: etree._Element, filename: str, decisions: set[str]) -> list[Problem]:
    """Every business rule task calls a decision table of the bundle (`spiffworkflow:calledDecisionId`)."""
    problems = []
    known = ", ".join(sorted(decisions)) or "none"
    for task in root.iter(f"{{{BPMN}}}businessRuleTask"):
        called = (task.findtext(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}calledDecisionId") or "").strip()
        if not called:
            problems.append(_problem(task, filename, t("v_rule_no_table")))
        elif called not in decisions:
            problems.append(_problem(task, filename, t("v_rule_table_missing", table=called, known=known)))
    return problems


def representative_data(forms: dict[str, Any]) -> dict[str, Any]:
    """Task data like a running case's: every field of every form with a plausible value, the report under
    `report`, and the start variables."""
    data: dict[str, Any] = {}
    for name, schema in (forms or {}).items():
        sample = _sample(schema, 0)
        if name == "report":
            data["report"] = sample
        elif isinstance(sample, dict):
            data.update(sample)
    stamp = now().isoformat()
    data.update(received_at=stamp, case_code="ABCDE-FGHJK", deadline_at=stamp, reminder_at=stamp)
    return data


def _sample(schema: Any, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > 5:
        return None
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    choices = [one["const"] for one in schema.get("oneOf") or [] if isinstance(one, dict) and "const" in one]
    if choices:
        return choices[0]
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        return {key: _sample(value, depth + 1) for key, value in (schema.get("properties") or {}).items()}
    if kind == "array":
        item = _sample(schema.get("items"), depth + 1)
        return [] if item is None else [item] * max(1, _whole(schema.get("minItems")))
    if kind == "string":
        stamp = now()
        return {"date-time": stamp.isoformat(), "date": stamp.date().isoformat()}.get(
            schema.get("format"), "x" * max(1, _whole(schema.get("minLength"))))
    return {"integer": 1, "number": 1, "boolean": True}.get(kind)


def _whole(value: Any) -> int:
    """A schema's small count (minLength, minItems) as a sample size; anything else (or a huge one) 1."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 1000 else 1


def _expressions(process: etree._Element, filename: str, data: dict[str, Any], known: frozenset[str]
                 ) -> list[Problem]:
    """Conditions, scripts and timers: the evaluator's static rules, then names set nowhere in the bundle
    (`engine.variable_names`), then a dry run under the budgets."""
    problems = []
    functions = build_functions(Effects())  # effects of a dry run are collected and thrown away
    for condition in process.iter(f"{{{BPMN}}}conditionExpression"):
        text = (condition.text or "").strip()
        messages = check_expression(text, FUNCTION_NAMES) or unknown_names(text, "eval", known) or \
            dry_run_expression(text, dict(data), functions)
        problems += [_problem(condition, filename, t("v_condition", detail=m)) for m in messages]
    for condition in process.iter(f"{{{BPMN}}}completionCondition"):
        text = (condition.text or "").strip()
        messages = check_expression(text, FUNCTION_NAMES) or unknown_names(text, "eval", known)
        problems += [_problem(condition, filename, t("v_condition", detail=m)) for m in messages]
    for cardinality in process.iter(f"{{{BPMN}}}loopCardinality"):
        text = (cardinality.text or "").strip()
        messages = check_expression(text, FUNCTION_NAMES) or unknown_names(text, "eval", known) or \
            _cardinality_problems(text, data, functions)
        problems += [_problem(cardinality, filename, t("v_cardinality", detail=m)) for m in messages]
    for script in process.iter(*SCRIPT_TAGS):
        text = script.text or ""
        messages = check_script(text, FUNCTION_NAMES) or _reviewed_arguments(text) or \
            unknown_names(text, "exec", known) or dry_run_script(text, dict(data), functions)
        problems += [_problem(script, filename, t("v_script", detail=m)) for m in messages]
    for kind in KINDS:
        for timer in process.iter(f"{{{BPMN}}}{kind}"):
            text = (timer.text or "").strip()
            problems += [_problem(timer, filename, m) for m in _timer_problems(kind, text, data, functions, known)]
    return problems


def _cardinality_problems(text: str, data: dict[str, Any], functions: dict[str, Any]) -> list[str]:
    """A budget overrun, or a value on representative data that could not be a cardinality."""
    try:
        value = evaluate(text, dict(data), functions)
    except LimitError as exc:
        return [exc.message]
    except (ExpressionError, RuleRefused):  # depends on the real data (as in engine.dry_run)
        return []
    problem = instances_problem(value)
    return [problem.message] if problem is not None else []


# the one argument of these functions, when a diagram writes it as a literal, is checked at deploy
CHOICES = {"set_status": frozenset(CaseStatus), "close_case": CLOSE_OUTCOMES}


def _reviewed_arguments(script: str) -> list[str]:
    """Literal arguments of reviewed functions that would fail only when a case reaches the script: `require`'s
    message code, `notify`'s role (and the agency a coordinator notification must name), the status of
    `set_status` and the outcome of `close_case` (which would fail every case there: a report, if the script
    runs on receipt)."""
    found = []
    for node in ast.walk(ast.parse(script)):  # parses: check_script found no problem
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        args = node.args
        literal = [a.value if isinstance(a, ast.Constant) else ... for a in args]
        if node.func.id == "require":
            if len(args) != 3:
                found.append(t("v_require_args", line=node.lineno))
            elif isinstance(literal[2], str) and literal[2] not in RULE_MESSAGES:
                known = ", ".join(sorted(RULE_MESSAGES))
                found.append(t("v_require_code", line=node.lineno, code=literal[2], known=known))
        elif node.func.id == "notify" and len(args) >= 2 and isinstance(literal[1], str):
            if literal[1] not in LANE_ROLES:
                found.append(t("v_notify_role", line=node.lineno, role=literal[1], known=", ".join(sorted(LANE_ROLES))))
            elif literal[1] == Role.COORDINATOR and len(args) < 3:
                found.append(t("v_notify_agency", line=node.lineno))
        elif node.func.id in CHOICES and len(args) == 1 and isinstance(literal[0], str | int | float):
            allowed = CHOICES[node.func.id]
            if literal[0] not in allowed:
                found.append(t("v_literal_choice", line=node.lineno, function=node.func.id, value=literal[0],
                               known=", ".join(sorted(allowed))))
    return found


def _timer_problems(kind: str, text: str, data: dict[str, Any], functions: dict[str, Any],
                    known: frozenset[str]) -> list[str]:
    if not text:
        return [t("v_timer_empty", kind=kind)]
    if _ISO_LITERAL.match(text):
        return [t("v_timer_quote", text=text)]
    messages = check_expression(text, FUNCTION_NAMES) or unknown_names(text, "eval", known) or \
        dry_run_expression(text, dict(data), functions)
    if messages:
        return [t("v_timer", detail=m) for m in messages]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        try:
            check_timer_value(KINDS[kind], text[1:-1])
        except TimerValueError as exc:
            return [exc.message]
    return []
