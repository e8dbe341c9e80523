"""Checks on the decision tables (DMN) of a bundle before it may be deployed; each problem names the file, the
table and the rule.

First each file on its own, without running anything: safe XML (`versions.parse_xml`), a DMN document, one
table per decision with a hit policy the engine runs (UNIQUE or FIRST), known types, and every input and output
cell accepted by the restricted evaluator (a cell like `__import__('os')` is refused here and never runs).
Then, once the bundle has parsed, each table is run for every level 1–3 on representative data, exactly as a
case would run it: every level is covered (UNIQUE: by exactly one rule), outputs have their declared type, and
the deadline table's hours are within bounds (the reminder before the deadline).
"""
from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

from .budget import expression_error
from .decisions import DecisionError, decide, explain, is_dmn, probe, rule_tasks
from .errors import ProcessError
from .expressions import check_expression
from .messages import t
from .problems import Problem, unreadable
from .versions import LEVELS, parse_xml

HIT_POLICIES = ("UNIQUE", "FIRST")
TYPES = {"integer": (int,), "number": (int, float), "double": (int, float), "long": (int,), "string": (str,),
         "boolean": (bool,)}
MIN_HOURS, MAX_HOURS = 1, 720
DEADLINE_OUTPUTS = ("sla_hours", "reminder_hours")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INPUT = "dmninputexpr"  # the name SpiffWorkflow gives the input value in a cell that uses '?'


def check_table_files(tables: dict[str, str], function_names: Iterable[str]) -> list[Problem]:
    problems: list[Problem] = []
    for filename, text in tables.items():
        if not filename.endswith(".dmn") or "/" in filename or "\\" in filename:
            problems.append(Problem(t("d_file_name"), filename))
            continue
        try:
            root = parse_xml(text, filename)
        except ProcessError as exc:
            problems.append(unreadable(exc, filename))
            continue
        if not is_dmn(root):
            problems.append(Problem(t("d_not_dmn"), filename))
            continue
        problems += _check_file(root, filename, frozenset(function_names))
    return problems


def decision_ids(tables: dict[str, str]) -> set[str]:
    """The ids of the decisions in the bundle's table files (files that do not parse are reported elsewhere)."""
    found = set()
    for filename, text in tables.items():
        try:
            root = parse_xml(text, filename)
        except ProcessError:
            continue
        if is_dmn(root):
            found |= {d.get("id") for d in _children(root, "decision")}
    return found


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return element.findall(f"{{{etree.QName(element).namespace}}}{name}")


def _text(element: etree._Element) -> str:
    return (element.findtext(f"{{{etree.QName(element).namespace}}}text") or "").strip()


def _check_file(root: etree._Element, filename: str, names: frozenset[str]) -> list[Problem]:
    problems: list[Problem] = []
    decisions = _children(root, "decision")
    if len(decisions) != 1:
        problems.append(Problem(t("d_one_decision"), filename))
    for decision in decisions:
        where = {"file": filename, "element_name": decision.get("name") or decision.get("id")}
        tables = _children(decision, "decisionTable")
        if len(tables) != 1:
            problems.append(Problem(t("d_one_table"), **where,
                                    element_id=decision.get("id")))
            continue
        table = tables[0]
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in HIT_POLICIES:
            problems.append(Problem(t("d_hit_policy", policy=policy, known=" or ".join(HIT_POLICIES)),
                                    **where, element_id=decision.get("id")))
        inputs, outputs = _children(table, "input"), _children(table, "output")
        for item in inputs:
            expression = item.find(f"{{{etree.QName(item).namespace}}}inputExpression")
            text = _text(expression) if expression is not None else ""
            label = item.get("label") or item.get("id")
            if not text:
                problems.append(Problem(t("d_input_empty", label=label), **where, element_id=item.get("id")))
            else:
                problems += [Problem(t("d_input", label=label, detail=m), **where, element_id=item.get("id"))
                             for m in check_expression(text, names)]
            kind = expression.get("typeRef") if expression is not None else None
            if kind and kind not in TYPES:
                problems.append(Problem(t("d_input_type", label=label, kind=repr(kind), known=", ".join(TYPES)),
                                        **where, element_id=item.get("id")))
        for item in outputs:
            label = item.get("label") or item.get("id")
            if not _NAME.match(item.get("name") or ""):
                problems.append(Problem(t("d_output_name", label=label), **where,
                                        element_id=item.get("id")))
            if item.get("typeRef") and item.get("typeRef") not in TYPES:
                problems.append(Problem(t("d_output_type", label=label, kind=repr(item.get("typeRef")),
                                          known=", ".join(TYPES)), **where, element_id=item.get("id")))
        for number, rule in enumerate(_children(table, "rule"), start=1):
            problems += _check_rule(rule, number, len(inputs), len(outputs), names, where)
    return problems


def _check_rule(rule: etree._Element, number: int, inputs: int, outputs: int, names: frozenset[str],
                where: dict[str, Any]) -> list[Problem]:
    problems = []
    at = {**where, "element_id": rule.get("id")}
    entries, results = _children(rule, "inputEntry"), _children(rule, "outputEntry")
    if len(entries) != inputs or len(results) != outputs:
        problems.append(Problem(t("d_rule_cells", rule=number, inputs=len(entries), outputs=len(results),
                                  table_inputs=inputs, table_outputs=outputs), **at))
    for entry in entries:
        text = _text(entry)
        if text in ("", "-"):
            continue
        messages = _input_cell(text, names)
        problems += [Problem(t("d_input_cell", rule=number, cell=text, detail=m), **at) for m in messages]
    for entry in results:
        text = _text(entry)
        if not text:
            problems.append(Problem(t("d_output_empty", rule=number), **at))
            continue
        problems += [Problem(t("d_output_cell", rule=number, cell=text, detail=m), **at)
                     for m in check_expression(text, names)]
    return problems


def _input_cell(text: str, names: frozenset[str]) -> list[str]:
    """A cell is a value compared with the input (`1`), a test that continues the input expression (`> 3`, `>= 2`:
    SpiffWorkflow's DMN engine appends it to the input with no space in between), or a test that names the input
    `?` (`? in (2, 3)`) — checked as the engine will run them."""
    if "?" in text:
        return check_expression(text.replace("?", _INPUT), names | {_INPUT})
    as_value = check_expression(text, names)
    if not as_value:
        return []
    as_test = check_expression(f"{_INPUT}{text}", names | {_INPUT})
    return as_value if as_test else []


# ---- once the bundle parses: run every table for every level ----------------------------------------------

def check_decisions(parsed_process: Any, tables: dict[str, str], data: dict[str, Any]) -> list[Problem]:
    owners = {table.get("id"): (filename, table.getparent().get("name") or table.getparent().get("id"))
              for filename, text in tables.items() for table in parse_xml(text, filename).iter()
              if isinstance(table.tag, str) and etree.QName(table).localname == "decisionTable"}  # not comments
    problems: list[Problem] = []
    seen = set()
    for spec in rule_tasks(parsed_process):
        table = spec.dmnEngine.decision_table
        if table.id in seen:
            continue
        seen.add(table.id)
        filename, decision = owners.get(table.id, (None, table.id))
        where = {"file": filename, "element_name": decision}
        for level in LEVELS:
            problems += _check_level(spec, table, {**data, "level": level}, level, where)
    return problems


def _check_level(spec: Any, table: Any, data: dict[str, Any], level: int, where: dict[str, Any]) -> list[Problem]:
    matched = _matching_rules(spec, table, data)
    if isinstance(matched, str):
        return [Problem(t("d_level", level=level, detail=matched), **where, element_id=table.id)]
    if not matched:
        return [Problem(t("d_level_uncovered", level=level), **where, element_id=table.id)]
    if table.hit_policy == "UNIQUE" and len(matched) > 1:
        rows = ", ".join(str(r.row_number) for r in matched)
        return [Problem(t("d_level_unique", level=level, rules=rows), **where,
                        element_id=matched[1].id)]
    try:
        result = decide(spec, data)
    except DecisionError as exc:
        return [Problem(t("d_level", level=level, detail=reason(exc)), **where, element_id=matched[0].id)]
    at = {**where, "element_id": matched[0].id}
    problems = []
    for output in table.outputs:
        kinds = TYPES.get(output.typeRef or "")
        value = result.get(output.name)
        wrong_bool = isinstance(value, bool) and bool not in (kinds or ())
        if kinds and (not isinstance(value, kinds) or wrong_bool):
            problems.append(Problem(t("d_output_kind", rule=matched[0].row_number, name=output.name, level=level,
                                      value=repr(value), kind=output.typeRef), **at))
    if not problems and all(name in result for name in DEADLINE_OUTPUTS):
        problems += _deadline_bounds(result, level, matched[0].row_number, at)
    return problems


def _deadline_bounds(result: dict[str, Any], level: int, row: int, at: dict[str, Any]) -> list[Problem]:
    hours, reminder = result["sla_hours"], result["reminder_hours"]
    if not _number(hours) or not MIN_HOURS <= hours <= MAX_HOURS:
        return [Problem(t("d_deadline", rule=row, level=level, hours=repr(hours), low=MIN_HOURS, high=MAX_HOURS),
                        **at)]
    if not _number(reminder) or not 0 < reminder < hours:
        return [Problem(t("d_reminder", rule=row, level=level, reminder=repr(reminder), hours=hours), **at)]
    return []


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _matching_rules(spec: Any, table: Any, data: dict[str, Any]) -> list[Any] | str:
    """All rules that match `data` (whatever the hit policy), or the reason evaluation failed."""
    every = copy.copy(table)
    every.hit_policy = "COLLECT"
    try:
        return DMNEngine(every).decide(probe(spec, data))
    except Exception as exc:  # the evaluator's errors arrive wrapped by SpiffWorkflow
        return reason(exc)


def reason(error: Exception) -> str:
    """Why a table failed: the evaluator's message code when the evaluator refused a cell, else the library's
    (English) text as a technical detail."""
    found = expression_error(error)
    return found.message if found is not None else t("rt_failed", detail=explain(error))
