"""Deploy-time dry runs of diagram code (engine/validation.py): scripts, conditions and timer expressions run
once on representative data in the restricted evaluator, and only budget overruns are reported."""
from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from .budget import ExpressionError, LimitError
from .expressions import _checked, _Interpreter, _run, evaluate
from .functions import RuleRefused


def dry_run_expression(expression: str, names: Mapping[str, Any], functions: Mapping[str, Callable]) -> list[str]:
    """Evaluate on representative data and report only budget overruns (size, steps, time): other run-time
    errors depend on the real data and are not problems of the diagram by themselves."""
    try:
        evaluate(expression, names, functions)
    except LimitError as exc:
        return [exc.message]
    except (ExpressionError, RuleRefused):  # a rule refusing the sample (`require`) is data-dependent too
        pass
    return []


def dry_run_script(script: str, names: MutableMapping[str, Any], functions: Mapping[str, Callable]) -> list[str]:
    """Run a script on representative data, statement by statement, and report budget overruns. A statement that
    fails for another reason (an unknown name, say) is skipped; both branches of an `if` whose test fails run."""
    try:
        tree, checker = _checked(script, "exec", functions)
    except ExpressionError:
        return []
    if checker.found:
        return []
    interpreter = _Interpreter(names, functions)
    found: list[str] = []

    def attempt(node: ast.stmt, action: Callable[[], Any]) -> tuple[bool, Any]:
        try:
            return True, _run(action, node.lineno)
        except LimitError as exc:
            found.append(exc.message)
            raise
        except (ExpressionError, RuleRefused):
            return False, None

    def run(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Assign):
                done, value = attempt(node, lambda n=node: interpreter.run(n.value))
                if done:
                    names[node.targets[0].id] = value
            elif isinstance(node, ast.Expr):
                attempt(node, lambda n=node: interpreter.run(n.value))
            elif isinstance(node, ast.If):
                done, test = attempt(node, lambda n=node: bool(interpreter.run(n.test)))
                if not done or test:
                    run(node.body)
                if not done or not test:
                    run(node.orelse)

    with contextlib.suppress(LimitError):
        run(tree.body)
    return found
