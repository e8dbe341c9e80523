"""Deploy-time check that the procedure can open a report at all: its start — what runs between a citizen's
report and the first task in an inbox (scripts, rule tables, timers) — is run in memory on a sample report built
from the bundle's report form, exactly as `cases.submit_report` starts a case, and nothing is saved.

A fault there stops every report (the portal and Open311 answer that the department's procedure failed, and no
case exists to raise an incident on), and such faults often come from computed values the static checks and the
expression dry runs cannot judge alone: a script that sets a timer's variable to a number, `1/(hours-4)` with
`hours = 4`, a timer pushed years away. The check is skipped when no valid sample can be built from the report
form (a pattern it cannot satisfy, say): a refusal is only ever about the procedure, never about the sample.

The leadership's scheduled process is started the way `engine.scheduled` starts it, once per schedule."""
from __future__ import annotations

from typing import Any

from lxml import etree

from forms import validate_form_data

from . import workflows
from .briefings import SCHEDULES
from .budget import expression_error
from .functions import Effects, RuleRefused
from .messages import t
from .problems import Problem
from .versions import REPORTING_PROCESS_ID, ParsedProcess


def start_problems(parsed: ParsedProcess, process_id: str, forms: dict[str, Any], data: dict[str, Any],
                   roots: dict[str, etree._Element]) -> list[Problem]:
    """The problem that stops the procedure's start on a sample (`data`: validation's representative data), named
    by the file and element where it happened; an empty list when the start reaches its tasks or timers."""
    for start in _starts(process_id, forms, data):
        try:
            workflows.start(parsed, start, Effects())
        except RuleRefused:  # a rule of the diagram refusing the sample: the procedure's own decision
            continue
        except Exception as exc:  # whatever stops the start stops every report: named, never a crash of the checks
            cause = expression_error(exc)
            detail = cause.message if cause is not None else t("v_start_engine", detail=_first_line(exc))
            spec = getattr(exc, "task_spec", None)
            element = getattr(spec, "bpmn_id", None)
            return [Problem(t("v_start_fails", detail=detail), _file_of(roots, element), element,
                            getattr(spec, "bpmn_name", None) or None, None)]
    return []


def _starts(process_id: str, forms: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """The start data of each way the process is started (`cases.submit_report`, `scheduled._start`)."""
    if process_id == REPORTING_PROCESS_ID:
        return [{"schedule": schedule, "started_at": data["received_at"]} for schedule in SCHEDULES]
    schema, report = forms.get("report"), data.get("report") or {}
    if isinstance(schema, dict) and validate_form_data(schema, report):
        return []  # no valid sample report: nothing is judged
    return [{"report": report, "received_at": data["received_at"], "case_code": data["case_code"]}]


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _file_of(roots: dict[str, etree._Element], element: str | None) -> str | None:
    if element is None:
        return None
    return next((name for name, root in roots.items() if root.xpath("//*[@id=$id]", id=element)), None)
