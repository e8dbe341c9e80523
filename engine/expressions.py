"""A restricted evaluator for the expressions and tiny scripts found in uploaded diagrams.

User text is parsed with `ast.parse` and walked; it is never handed to eval/exec/compile. One checker holds the
rules (which nodes, operators, names and calls are allowed, plus size limits); `evaluate` and `execute` run the
checker first and then interpret only the node types the checker lets through (`_EVAL` is the whitelist).
"""
from __future__ import annotations

import ast
import io
import operator
import tokenize
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from .budget import Budget, ExpressionError, LimitError, check_int, measure
from .expression_errors import runtime_detail, syntax_detail
from .messages import Text, t
from .unseen import INVISIBLE

__all__ = ["ExpressionError", "ExpressionSyntaxError", "LimitError", "check_expression", "check_script",
           "evaluate", "execute", "validate_expression"]

MAX_EXPRESSION_CHARS = 2_000
MAX_SCRIPT_CHARS = 5_000
MAX_NODES = 400
MAX_DEPTH = 50
MAX_STATEMENTS = 100


class ExpressionSyntaxError(ExpressionError, SyntaxError):
    """The text does not parse. Also a SyntaxError, as SpiffWorkflow's DMN engine expects from `validate`."""


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}
_UNARYOPS: dict[type, Callable[[Any], Any]] = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_OP_SYMBOLS = {ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<",
               ast.RShift: ">>", ast.MatMult: "@", ast.Invert: "~"}
_CONSTANT_TYPES = (str, int, float, bool, type(None))
_SUBSCRIPTABLE = (dict, list, tuple, str)
_REPEATABLE = (str, bytes, list, tuple)
# node kind → the message code of its refusal (engine.messages)
_REFUSED_EXPRESSIONS = {
    "Attribute": "e_attribute", "Lambda": "e_lambda", "ListComp": "e_comprehension", "SetComp": "e_comprehension",
    "DictComp": "e_comprehension", "GeneratorExp": "e_generator", "NamedExpr": "e_walrus", "JoinedStr": "e_f_string",
    "FormattedValue": "e_f_string", "Starred": "e_star",
}
_STATEMENT_KINDS = {"For": "e_for", "AsyncFor": "e_for", "While": "e_while", "AugAssign": "e_aug_assign",
                    "AnnAssign": "e_ann_assign"}
_KEYWORDS = {"Import": "import", "ImportFrom": "import", "FunctionDef": "def", "AsyncFunctionDef": "def",
             "ClassDef": "class", "With": "with", "AsyncWith": "with", "Try": "try", "TryStar": "try", "Delete": "del",
             "Global": "global", "Nonlocal": "nonlocal", "Return": "return", "Raise": "raise", "Assert": "assert",
             "Match": "match", "Break": "break", "Continue": "continue"}


def _parse(text: str, mode: str) -> ast.AST:
    limit = MAX_EXPRESSION_CHARS if mode == "eval" else MAX_SCRIPT_CHARS
    what = "expression" if mode == "eval" else "script"
    if not isinstance(text, str):
        raise ExpressionError(t(f"e_not_text_{what}"))
    if len(text) > limit:
        raise ExpressionError(t(f"e_too_long_{what}", size=len(text), limit=limit))
    hidden = INVISIBLE.search(text)  # e.g. direction controls in a string or comment ("Trojan Source")
    if hidden:
        line = text.count("\n", 0, hidden.start()) + 1
        detail = t("sx_non_printable", code=f"{ord(hidden.group()):04X}")
        raise ExpressionSyntaxError(t("e_syntax", line=line, detail=detail), line)
    depth = 0
    try:  # brackets first: parentheses leave no trace in the tree, and deep nesting strains the parser
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            depth += (token.string in "([{") - (token.string in ")]}") if token.type == tokenize.OP else 0
            if depth > MAX_DEPTH:
                raise ExpressionError(t(f"e_too_deep_{what}", limit=MAX_DEPTH))
    except (tokenize.TokenError, SyntaxError):
        pass  # reported by ast.parse below
    try:
        return ast.parse(text.strip() if mode == "eval" else text, mode=mode)
    except SyntaxError as exc:
        line, detail = exc.lineno or 1, syntax_detail(exc)
        message = t("e_syntax_at", line=line, column=exc.offset, detail=detail) if exc.offset else \
            t("e_syntax", line=line, detail=detail)
        raise ExpressionSyntaxError(message, line) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionSyntaxError(t(f"e_unparsable_{what}"), 1) from None


def _size(node: ast.AST) -> tuple[int, int]:
    """Node count and depth, iteratively (deep trees must not blow the Python stack before they are refused)."""
    count, deepest, stack = 0, 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        count += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(current)
                     if not isinstance(child, ast.expr_context | ast.operator | ast.unaryop | ast.cmpop | ast.boolop))
    return count, deepest


class _Checker:
    """The rules. Collects problems; `evaluate`/`execute` refuse on the first one."""

    def __init__(self, function_names: Iterable[str], script: bool):
        self.functions = frozenset(function_names)
        self.script = script
        self.found: list[tuple[int | None, Text]] = []
        self.statements = 0

    def problem(self, node: ast.AST, message: Text) -> None:
        found = (getattr(node, "lineno", 1) if self.script else None, message)
        if found not in self.found:
            self.found.append(found)

    @property
    def problems(self) -> list[Text]:
        return [message if line is None else t("e_at_line", line=line, detail=message) for line, message in self.found]

    def raise_first(self) -> None:
        if self.found:
            raise ExpressionError(self.problems[0], self.found[0][0])

    def expression(self, node: ast.expr) -> None:
        count, depth = _size(node)
        if count > MAX_NODES:
            self.problem(node, t("e_too_complex", count=count, limit=MAX_NODES))
        elif depth > MAX_DEPTH:
            self.problem(node, t("e_too_deep_expression", limit=MAX_DEPTH))
        else:
            self.visit(node)

    def visit(self, node: ast.expr) -> None:
        kind = type(node).__name__
        if kind in _REFUSED_EXPRESSIONS:
            return self.problem(node, t(_REFUSED_EXPRESSIONS[kind]))
        if type(node) not in _EVAL:
            return self.problem(node, t("e_node", kind=kind))
        if isinstance(node, ast.Constant) and not isinstance(node.value, _CONSTANT_TYPES):
            return self.problem(node, t("e_constant", kind=type(node.value).__name__))
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            return self.problem(node, t("e_underscore", name=node.id))
        if isinstance(node, ast.BinOp | ast.UnaryOp) and type(node.op) not in _BINOPS | _UNARYOPS:
            self.problem(node, t("e_operator", op=_OP_SYMBOLS.get(type(node.op), "?")))
        if isinstance(node, ast.Dict) and None in node.keys:
            self.problem(node, t("e_double_star"))
        if isinstance(node, ast.Call):
            return self.call(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Slice) and isinstance(node, ast.Subscript) and child is node.slice:
                for part in (child.lower, child.upper, child.step):
                    if part is not None:
                        self.visit(part)
            elif isinstance(child, ast.expr):
                self.visit(child)

    def call(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                return self.problem(node, t("e_attribute"))
            return self.problem(node, t("e_call_by_name"))
        if node.func.id not in self.functions or node.func.id.startswith("_"):
            self.problem(node, t("e_function", name=node.func.id))
        if any(keyword.arg is None for keyword in node.keywords):
            self.problem(node, t("e_double_star"))
        for arg in [*node.args, *(keyword.value for keyword in node.keywords)]:
            self.visit(arg)

    def statement(self, node: ast.stmt) -> None:
        self.statements += 1
        if self.statements == MAX_STATEMENTS + 1:
            self.problem(node, t("e_too_many_statements", limit=MAX_STATEMENTS))
        if isinstance(node, ast.Assign):
            target = node.targets[0]
            if len(node.targets) != 1 or not isinstance(target, ast.Name):
                self.problem(node, t("e_assign_target"))
            elif target.id.startswith("_"):
                self.problem(node, t("e_underscore", name=target.id))
            elif target.id in self.functions:
                self.problem(node, t("e_assign_function", name=target.id))
            self.expression(node.value)
        elif isinstance(node, ast.Expr):
            if isinstance(node.value, ast.Call):
                self.expression(node.value)
            else:
                self.problem(node, t("e_bare_expression"))
        elif isinstance(node, ast.If):
            self.expression(node.test)
            for child in [*node.body, *node.orelse]:
                self.statement(child)
        elif not isinstance(node, ast.Pass):
            kind = type(node).__name__
            code = _STATEMENT_KINDS.get(kind)
            self.problem(node, t(code) if code else t("e_keyword", keyword=_KEYWORDS.get(kind, kind)))


def _binop(budget: Budget, op: type, left: Any, right: Any) -> Any:
    """Sizes are checked before the operator runs: a refused result is never allocated."""
    if op is ast.Mult:
        seq, times = (left, right) if isinstance(left, _REPEATABLE) else (right, left)
        if isinstance(seq, _REPEATABLE) and isinstance(times, int):
            one = measure(seq)
            budget.allow(one * max(times, 0) if isinstance(seq, str | bytes) else 1 + (one - 1) * max(times, 0))
    elif op is ast.Add and isinstance(left, _REPEATABLE) and isinstance(right, _REPEATABLE):
        budget.allow(measure(left) + measure(right))
    elif op is ast.Mod and isinstance(left, str | bytes):
        raise ExpressionError(t("e_percent", sign="%"))
    return check_int(_BINOPS[op](left, right))


class _Interpreter:
    def __init__(self, names: Mapping[str, Any], functions: Mapping[str, Callable], budget: Budget | None = None):
        self.names = names
        self.functions = functions
        self.budget = budget or Budget()

    def run(self, node: ast.expr) -> Any:
        self.budget.step()
        return _EVAL[type(node)](self, node)

    def name(self, node: ast.Name) -> Any:
        if node.id in self.names:
            return self.names[node.id]
        if node.id in self.functions:
            return self.functions[node.id]
        raise ExpressionError(t("e_undefined", name=node.id))

    def subscript(self, node: ast.Subscript) -> Any:
        value = self.run(node.value)
        if not isinstance(value, _SUBSCRIPTABLE):
            raise ExpressionError(t("e_not_indexable", kind=type(value).__name__))
        if isinstance(node.slice, ast.Slice):
            parts = (node.slice.lower, node.slice.upper, node.slice.step)
            return value[slice(*(None if part is None else self.run(part) for part in parts))]
        key = self.run(node.slice)
        try:
            return value[key]
        except KeyError:
            raise ExpressionError(t("e_key_missing", key=repr(key))) from None

    def boolop(self, node: ast.BoolOp) -> Any:
        value = None
        for operand in node.values:
            value = self.run(operand)
            if (not value) if isinstance(node.op, ast.And) else value:
                return value
        return value

    def compare(self, node: ast.Compare) -> bool:
        left = self.run(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.run(comparator)
            if not _CMPOPS[type(op)](left, right):
                return False
            left = right
        return True

    def call(self, node: ast.Call) -> Any:
        function = self.functions[node.func.id]
        args = [self.run(arg) for arg in node.args]
        kwargs = {keyword.arg: self.run(keyword.value) for keyword in node.keywords}
        return self.budget.call(function, *args, **kwargs)


_EVAL: dict[type, Callable[[_Interpreter, Any], Any]] = {
    ast.Constant: lambda self, node: check_int(node.value),
    ast.Name: _Interpreter.name,
    ast.List: lambda self, node: self.budget.built_value([self.run(element) for element in node.elts]),
    ast.Tuple: lambda self, node: self.budget.built_value(tuple(self.run(element) for element in node.elts)),
    ast.Set: lambda self, node: self.budget.built_value({self.run(element) for element in node.elts}),
    ast.Dict: lambda self, node: self.budget.built_value(
        {self.run(k): self.run(v) for k, v in zip(node.keys, node.values, strict=True)}),
    ast.Subscript: _Interpreter.subscript,
    ast.BoolOp: _Interpreter.boolop,
    ast.BinOp: lambda self, node: _binop(self.budget, type(node.op), self.run(node.left), self.run(node.right)),
    ast.UnaryOp: lambda self, node: check_int(_UNARYOPS[type(node.op)](self.run(node.operand))),
    ast.Compare: _Interpreter.compare,
    ast.IfExp: lambda self, node: self.run(node.body) if self.run(node.test) else self.run(node.orelse),
    ast.Call: _Interpreter.call,
}


def _run(action: Callable[[], Any], lineno: int | None = None) -> Any:
    """Run-time errors from operators (1/0, 'a' - 1, missing keys) become readable ExpressionErrors, as message
    codes (with the script's line when given)."""
    def at(message: Text) -> Text:
        return t("e_at_line", line=lineno, detail=message) if lineno else message

    try:
        return action()
    except ExpressionError as exc:
        if lineno and exc.lineno is None:
            raise type(exc)(at(exc.message), lineno) from None
        raise
    except (MemoryError, RecursionError):
        raise LimitError(at(t("b_memory")), lineno) from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise ExpressionError(at(runtime_detail(exc)), lineno) from None


def _checked(text: str, mode: str, function_names: Iterable[str]) -> tuple[Any, _Checker]:
    tree = _parse(text, mode)
    checker = _Checker(function_names, script=mode == "exec")
    if mode == "eval":
        checker.expression(tree.body)
    for statement in tree.body if mode == "exec" else ():
        checker.statement(statement)
    return tree, checker


def check_expression(expression: str, function_names: Iterable[str]) -> list[Text]:
    """Problems with an expression, found without evaluating it; an empty list means it is acceptable."""
    try:
        return _checked(expression, "eval", function_names)[1].problems
    except ExpressionError as exc:
        return [exc.message]


def check_script(script: str, function_names: Iterable[str]) -> list[Text]:
    """Problems with a script, found without running it; an empty list means it is acceptable."""
    try:
        return _checked(script, "exec", function_names)[1].problems
    except ExpressionError as exc:
        return [exc.message]


def validate_expression(expression: str, function_names: Iterable[str]) -> None:
    """Raise ExpressionSyntaxError (also a SyntaxError) if the text does not parse, else ExpressionError for the
    first problem found."""
    _checked(expression, "eval", function_names)[1].raise_first()


def evaluate(expression: str, names: Mapping[str, Any], functions: Mapping[str, Callable]) -> Any:
    """Evaluate an expression against `names` (task data); only `functions` may be called."""
    tree, checker = _checked(expression, "eval", functions)
    checker.raise_first()
    return _run(lambda: _Interpreter(names, functions).run(tree.body))


def execute(script: str, names: MutableMapping[str, Any], functions: Mapping[str, Callable]) -> None:
    """Run a script of assignments, function calls and if/elif/else; assignments are written into `names`.
    The whole script is checked before its first statement runs."""
    tree, checker = _checked(script, "exec", functions)
    checker.raise_first()
    interpreter = _Interpreter(names, functions)

    def run(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Assign):
                value = _run(lambda n=node: interpreter.run(n.value), node.lineno)
                names[node.targets[0].id] = value
            elif isinstance(node, ast.Expr):
                _run(lambda n=node: interpreter.run(n.value), node.lineno)
            elif isinstance(node, ast.If):
                run(node.body if _run(lambda n=node: bool(interpreter.run(n.test)), node.lineno) else node.orelse)

    run(tree.body)
