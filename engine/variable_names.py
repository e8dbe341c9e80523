"""Deploy check: every name a condition, script or timer expression reads is set somewhere in the bundle.

A misspelt variable in a gateway condition (`levle == 3`) passes the evaluator's static rules and its dry run (an
unknown name is a run-time error that depends on the data), and would stop every case that reaches the gateway.
So before deployment each name read is looked up among the variables the process can have at all: the start data
(a report's case or a scheduled run), every field of the bundle's forms, every variable a script assigns, every
output of its decision tables and the data items, properties and loop references of its diagrams. Whether the
variable is set on the path that reaches the expression is not decided (that depends on the case); a name set
nowhere is always a mistake.
"""
from __future__ import annotations

import ast
import difflib
from collections.abc import Iterable, Mapping

from lxml import etree

from .errors import ProcessError
from .messages import Text, t
from .versions import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# The data a workflow starts with: a citizen's report (engine.cases.submit_report) and a scheduled reporting run
# (engine.scheduled._start); tests/engine/test_variable_names.py checks both against this list.
START_VARIABLES = frozenset({"report", "received_at", "case_code", "schedule", "started_at"})
SCRIPT_TAGS = (f"{{{BPMN}}}script", f"{{{SPIFF}}}preScript", f"{{{SPIFF}}}postScript")
_NAMED_ITEMS = ("property", "dataObject", "inputDataItem", "outputDataItem", "dataInput", "dataOutput")
_LOOP_REFERENCES = ("loopDataInputRef", "loopDataOutputRef")


def defined_names(diagrams: Iterable[etree._Element], data_names: Iterable[str],
                  tables: Mapping[str, str]) -> frozenset[str]:
    """The variables a process of this bundle can have (see the module's docstring); `data_names`: the fields of
    the bundle's forms (`validation.representative_data`)."""
    known = set(START_VARIABLES) | set(data_names)
    for root in diagrams:
        for script in root.iter(*SCRIPT_TAGS):
            known |= _assigned(script.text or "")
        for tag in _NAMED_ITEMS:
            known |= {item.get("name") or item.get("id") or "" for item in root.iter(f"{{{BPMN}}}{tag}")}
        for tag in _LOOP_REFERENCES:
            known |= {(ref.text or "").strip() for ref in root.iter(f"{{{BPMN}}}{tag}")}
    for filename, text in (tables or {}).items():
        try:
            table = parse_xml(text, filename)
        except ProcessError:  # reported by the table checks
            continue
        known |= {output.get("name") or "" for output in table.iter("{*}output")}
    known.discard("")
    return frozenset(known)


def unknown_names(text: str, mode: str, known: frozenset[str]) -> list[Text]:
    """A problem per name `text` reads that no part of the bundle sets, with the closest known name as a hint;
    `mode` "eval" (a condition or timer) or "exec" (a script, each problem with its line). Text that does not
    parse gives none (the evaluator's static check reports it)."""
    try:
        tree = ast.parse(text, mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # reported by the script's own check
        return []
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    read: dict[str, int] = {}  # name → the line it is first read on
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                        and id(n) not in called), key=lambda n: (n.lineno, n.col_offset)):
        read.setdefault(node.id, node.lineno)
    problems = []
    for name, line in read.items():
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        problem = t("v_unknown_name_hint", name=name, hint=close[0]) if close else t("v_unknown_name", name=name)
        problems.append(t("e_at_line", line=line, detail=problem) if mode == "exec" else problem)
    return problems

def _assigned(script: str) -> set[str]:
    try:
        tree = ast.parse(script)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # reported by the script's own check
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}

