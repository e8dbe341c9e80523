"""Decision tables (DMN) beside the diagram: the rules a process owner changes without code.

SpiffWorkflow runs a table from a business rule task (`spiffworkflow:calledDecisionId`); every input and output
cell goes through the workflow's script engine, i.e. our restricted evaluator (`engine.scripting`). This module
reads the tables of a parsed version (to show the deadlines a version promises) and lists their rows (for the
version diff); the checks a table must pass before deployment are in `engine.table_checks`.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from lxml import etree
from SpiffWorkflow.dmn.specs import BusinessRuleTaskMixin

from .functions import Effects, build_functions
from .scripting import SafeScriptEngine

# the DMN namespaces SpiffWorkflow's parser has schemas for (dmn-js writes DMN 1.3)
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)


class DecisionError(Exception):
    """A table could not be evaluated on the given data (no rule matched, or a cell failed)."""


@dataclass(frozen=True)
class Row:
    """One rule of a table as the process owner sees it: its id, input cells and output cells."""

    rule_id: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def text(self) -> str:
        return f"{' | '.join(self.inputs)} → {' | '.join(self.outputs)}"


def _dmn(element: etree._Element, name: str) -> list[etree._Element]:
    namespace = etree.QName(element).namespace
    return element.findall(f".//{{{namespace}}}{name}")


def is_dmn(root: etree._Element) -> bool:
    return etree.QName(root).namespace in DMN_NAMESPACES and etree.QName(root).localname == "definitions"


def table_rows(root: etree._Element) -> dict[str, list[Row]]:
    """Rows per decision id of a parsed DMN document."""
    namespace = etree.QName(root).namespace
    found: dict[str, list[Row]] = {}
    for decision in _dmn(root, "decision"):
        rows = []
        for rule in _dmn(decision, "rule"):
            cells = [(etree.QName(child).localname, (child.findtext(f"{{{namespace}}}text") or "").strip())
                     for child in rule if isinstance(child.tag, str)]
            rows.append(Row(rule.get("id") or "", tuple(t for kind, t in cells if kind == "inputEntry"),
                            tuple(t for kind, t in cells if kind == "outputEntry")))
        found[decision.get("id") or ""] = rows
    return found


def rule_tasks(parsed_process: Any) -> list[Any]:
    """The business rule task specs of a parsed version (main process and subprocesses)."""
    return [spec for process in (parsed_process.spec, *parsed_process.subprocess_specs.values())
            for spec in process.task_specs.values() if isinstance(spec, BusinessRuleTaskMixin)]


def probe(task_spec: Any, data: dict[str, Any]) -> Any:
    """A stand-in for a running task of `task_spec` (all the DMN engine reads: its data, spec and the workflow's
    script engine, the restricted one, with the effects of reviewed functions discarded)."""
    workflow = SimpleNamespace(script_engine=SafeScriptEngine(build_functions(Effects())), spec=task_spec._wf_spec)
    workflow.top_workflow = workflow  # error reports trace the task up to the top workflow: this one
    return SimpleNamespace(data=dict(data), task_spec=task_spec, workflow=workflow)


def explain(exc: BaseException) -> str:
    """An error of SpiffWorkflow's DMN engine with the notes that say why (the evaluator's reason, the row)."""
    return "; ".join([str(exc), *getattr(exc, "__notes__", [])])


def decide(task_spec: Any, data: dict[str, Any]) -> dict[str, Any]:
    """What the task's table gives for `data`, evaluated exactly as a running case would (SpiffWorkflow's DMN
    engine, our restricted script engine); effects of reviewed functions are discarded."""
    try:
        result = task_spec.dmnEngine.result(probe(task_spec, data))
    except Exception as exc:  # the evaluator's errors arrive wrapped by SpiffWorkflow
        raise DecisionError(explain(exc)) from exc
    if not result:
        raise DecisionError("no rule of the table matches")
    return dict(result)


def table_output(parsed_process: Any, output: str, data: dict[str, Any]) -> Any:
    """The value the first table that has `output` gives it for `data` (None if no table has it or it fails)."""
    for spec in rule_tasks(parsed_process):
        if output not in {o.name for o in spec.dmnEngine.decision_table.outputs}:
            continue
        try:
            return decide(spec, data).get(output)
        except DecisionError:
            return None
    return None


def table_diff(old: dict[str, str], new: dict[str, str]) -> list[dict[str, Any]]:
    """Per decision table file: the rows added, removed and changed (by rule id) from `old` to `new`."""
    out = []
    for filename in sorted(old.keys() | new.keys()):
        before = _rows_of(old.get(filename), filename)
        after = _rows_of(new.get(filename), filename)
        changed = [{"rule_id": rule_id, "before": before[rule_id].text(), "after": after[rule_id].text()}
                   for rule_id in before.keys() & after.keys() if before[rule_id] != after[rule_id]]
        entry = {"file": filename, "status": "added" if filename not in old else
                 "removed" if filename not in new else "changed",
                 "added": [after[r].text() for r in sorted(after.keys() - before.keys())],
                 "removed": [before[r].text() for r in sorted(before.keys() - after.keys())],
                 "changed": sorted(changed, key=lambda c: c["rule_id"])}
        if entry["status"] != "changed" or entry["added"] or entry["removed"] or entry["changed"]:
            out.append(entry)
    return out


def _rows_of(text: str | None, filename: str) -> dict[str, Row]:
    from .versions import parse_xml  # versions imports this module

    if text is None:
        return {}
    return {row.rule_id: row for rows in table_rows(parse_xml(text, filename)).values() for row in rows}
