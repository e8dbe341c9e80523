"""SpiffWorkflow script engine on top of the restricted evaluator in `engine.expressions`.

SpiffWorkflow evaluates gateway conditions, timer expressions, message payloads, pre/post scripts and script
tasks through `workflow.script_engine`, and a few places call `script_engine.environment.evaluate` directly
(process completion conditions, message correlation), so both the engine and its environment are restricted.
The engine is not serialized: set it again after every deserialize.

Timer expressions also go through `evaluate`: their value is checked against the bounds in
`engine.timer_bounds` before it is handed back to SpiffWorkflow, so an unbounded duration, cycle or date never
reaches the library (which would loop for ever or overflow on some of them). So is a multi-instance task's
`loopCardinality`: SpiffWorkflow makes that many tasks at once, before anything else could stop it, so the value
must be a whole number from 0 to `MAX_INSTANCES` (a task over a collection has one instance per item, and a
collection is bounded by the evaluator's size limit and the case document's).
"""
from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .budget import LimitError
from .expressions import ExpressionError, evaluate, execute, validate_expression
from .functions import RuleRefused
from .messages import t
from .timer_bounds import TimerValueError, check_timer_value, kind_of

MAX_INSTANCES = 200


def instances_problem(value: Any) -> LimitError | None:
    """Why `value` cannot be a multi-instance task's cardinality (None: it can)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INSTANCES:
        return None
    shown = repr(value) if isinstance(value, int | float | str) and len(repr(value)) <= 40 else type(value).__name__
    return LimitError(t("b_instances", limit=MAX_INSTANCES, value=shown))


def _explain(wte: WorkflowTaskException, err: ExpressionError | None, task: Any) -> None:
    """Add the evaluator's message (if not already the main message) and a did-you-mean for unknown names."""
    if err is not None:
        wte.add_note(str(err))
    text = str(err or wte.args[0])
    hint = wte.did_you_mean_from_name_error(text[max(text.find("name '"), 0):], list(task.data))
    if hint:
        wte.add_note(hint.strip())


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates with the restricted evaluator; only `functions` are callable, task data are the names."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]):
        super().__init__()
        self.functions: dict[str, Callable[..., Any]] = dict(functions)

    def evaluate(self, expression: str, context: Mapping[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        return evaluate(expression, {**(external_context or {}), **context}, self.functions)

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> bool:
        # reads fall back to the external context; assignments land in the task data (`context`) in place
        execute(script, ChainMap(context, dict(external_context or {})), self.functions)
        return True

    def call_service(self, context: Mapping[str, Any], **kwargs: Any) -> Any:
        raise ExpressionError(t("e_service_task"))


class SafeScriptEngine(PythonScriptEngine):
    """A PythonScriptEngine that never uses eval/exec; errors are wrapped as WorkflowTaskException as usual."""

    environment: SafeEnvironment

    def __init__(self, functions: Mapping[str, Callable[..., Any]]):
        super().__init__(environment=SafeEnvironment(functions))

    @property
    def functions(self) -> dict[str, Callable[..., Any]]:
        return self.environment.functions

    def validate(self, expression: str) -> None:
        """Raise ExpressionError for any problem (an ExpressionSyntaxError, also a SyntaxError, if it does not
        parse: SpiffWorkflow's DMN engine relies on catching SyntaxError here)."""
        validate_expression(expression, self.functions)

    def evaluate(self, task: Any, expression: str, external_context: Mapping[str, Any] | None = None) -> Any:
        try:
            value = super().evaluate(task, expression, external_context)
        except WorkflowTaskException as exc:
            # the base message is only "Error evaluating expression '...'": add the reason for the process owner
            if isinstance(exc.__context__, ExpressionError):
                _explain(exc, exc.__context__, task)
            raise
        if expression == getattr(task.task_spec, "cardinality", None):
            problem = instances_problem(value)
            if problem is not None:
                raise WorkflowTaskException(str(problem), task=task) from problem
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition) and expression == definition.expression:
            try:
                return check_timer_value(kind_of(definition), value)
            except TimerValueError as err:
                raise WorkflowTaskException(str(err), task=task, exception=err) from err
        return value

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        # the base class refers to an undefined name `script` when wrapping errors here (NameError)
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as exc:
            raise WorkflowTaskException(str(exc), task=task, exception=exc) from exc

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        if isinstance(err, RuleRefused):
            return err  # a verdict on the user's input, passed through unchanged to the service that asked
        if isinstance(err, ExpressionError):
            line = err.lineno or 0
            error_line = script.splitlines()[line - 1] if 0 < line <= len(script.splitlines()) else ""
            wte = WorkflowTaskException(str(err), task=task, exception=err, line_number=line, error_line=error_line)
            _explain(wte, None, task)
            return wte
        return super().create_task_exec_exception(task, script, err)
