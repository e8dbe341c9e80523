"""The restricted evaluator: what diagrams may compute, and what they may not."""
from __future__ import annotations

import os
import re
import tracemalloc

import pytest

from engine import budget
from engine.expressions import (
    ExpressionError,
    ExpressionSyntaxError,
    LimitError,
    check_expression,
    check_script,
    evaluate,
    execute,
    validate_expression,
)


class Recorder:
    """A stand-in for an application function with side effects."""

    def __init__(self):
        self.calls: list[tuple[tuple, dict]] = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))


@pytest.fixture
def spy_os(monkeypatch):
    """Fails the test if anything reaches os.system / os.popen / os.remove."""
    touched: list[str] = []
    for name in ("system", "popen", "remove"):
        monkeypatch.setattr(os, name, lambda *a, _n=name, **k: touched.append(_n))
    return touched


# --- what is allowed -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "expected"), [
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("7 // 2 + 7 % 2", 4),
    ("7 / 2", 3.5),
    ("-level + +1", -2),
    ("'ab' + 'cd'", "abcd"),
    ("[1, 2] + [3]", [1, 2, 3]),
    ("level >= 3 and level != 4", True),
    ("1 < level < 3", False),
    ("level in [1, 3] and 'b' not in 'abc'", False),
    ("not level", False),
    ("'yes' if level == 3 else 'no'", "yes"),
    ("{1: 24, 2: 48, 3: 72}[level]", 72),
    ("[10, 20, 30][level - 1]", 30),
    ("'abcdef'[1:4]", "bcd"),
    ("(1, 2)[::-1]", (2, 1)),
    ("{'a', 'a'}", {"a"}),
    ("case['ward'] == 'w1'", True),
    ("missing is None", True),
    ("None", None),
])
def test_evaluates_allowed_expressions(expression, expected):
    names = {"level": 3, "case": {"ward": "w1"}, "missing": None}
    assert evaluate(expression, names, {}) == expected


def test_calls_a_passed_in_function_with_positional_and_keyword_arguments():
    def hours_after(start, hours=0):
        return start + hours

    assert evaluate("hours_after(10, hours={1: 24, 2: 48}[level])", {"level": 2}, {"hours_after": hours_after}) == 58


def test_or_short_circuits_so_the_right_side_is_not_evaluated():
    assert evaluate("x is None or x > 3", {"x": None}, {}) is True
    assert evaluate("x is None or x > 3", {"x": 5}, {}) is True
    recorder = Recorder()
    assert evaluate("False and effect()", {}, {"effect": recorder}) is False
    assert recorder.calls == []


def test_task_data_is_looked_up_before_functions():
    assert evaluate("f", {"f": 1}, {"f": len}) == 1


# --- what is refused -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "message"), [
    ("__import__('os')", "function '__import__' is not allowed"),
    ("__import__('os').system('true')", "attribute access is not allowed"),
    ("().__class__.__base__.__subclasses__()", "attribute access is not allowed"),
    ("open('/etc/passwd')", "function 'open' is not allowed"),
    ("eval('1')", "function 'eval' is not allowed"),
    ("(lambda: 1)()", "only functions called by their name"),
    ("[x for x in y]", "comprehensions are not allowed"),
    ("(x for x in y)", "generator expressions are not allowed"),
    ("(z := 1)", "':=' is not allowed"),
    ("f'{level}'", "f-strings are not allowed"),
    ("[*level]", "'*' unpacking is not allowed"),
    ("len(*level)", "'*' unpacking is not allowed"),
    ("{**level}", "'**' unpacking is not allowed"),
    ("2 ** 1000000", "operator '**' is not allowed"),
    ("'a' * 10**9", "operator '**' is not allowed"),
    ("level << 2", "operator '<<' is not allowed"),
    ("x.upper()", "attribute access is not allowed"),
    ("_secret", "names starting with '_' are not allowed"),
    ("os", "name 'os' is not defined"),
    ("b'bytes'", "constants of type 'bytes' are not allowed"),
])
def test_refuses_dangerous_or_unsupported_constructs(expression, message, spy_os):
    names = {"x": "text", "level": [1], "y": [1], "_secret": "hidden", "open": "not a function"}
    with pytest.raises(ExpressionError, match="^" + re.escape(message)):
        evaluate(expression, names, {"len": len})
    assert spy_os == []


def test_refused_calls_do_not_run_anything(tmp_path):
    target = tmp_path / "created"
    for expression in (f"__import__('os').system('touch {target}')", f"open('{target}', 'w')",
                       f"().__class__.__base__.__subclasses__()[0]('{target}')"):
        with pytest.raises(ExpressionError):
            evaluate(expression, {}, {})
    assert not target.exists()


@pytest.mark.parametrize(("expression", "message"), [
    ("'a' * 1000000000", "result too large"),
    ("[0] * 100001", "result too large"),
    ("[[0] * 99999] * 99999", "result too large"),
    ("999999999999999999 * 10", "number too large"),
    ("10000000000000000000", "number too large"),
    ("'%0999999999d' % 1", "string formatting with '%' is not allowed"),
    ("1 + " * 700 + "1", "the expression is too long"),
    ("1 + " * 450 + "1", "the expression is too complex"),
    ("(" * 200 + "1" + ")" * 200, "the expression is nested too deeply"),
    ("-(" * 200 + "1" + ")" * 200, "the expression is nested too deeply"),
    ("-" * 60 + "1", "the expression is nested too deeply"),
    ("[" * 60 + "]" * 60, "the expression is nested too deeply"),
])
def test_refuses_denial_of_service(expression, message):
    with pytest.raises(ExpressionError, match=re.escape(message)):
        evaluate(expression, {}, {})


@pytest.mark.parametrize(("expression", "message"), [
    ("1 / 0", "division by zero"),
    ("'a' - 1", "unsupported operand"),
    ("d['nope']", "key 'nope' not found"),
    ("[1][5]", "index out of range"),
    ("level[0]", "'int' values cannot be indexed"),
    ("{[1]: 2}", "unhashable"),
    ("f(1)", "takes 0 positional arguments"),
    ("1 +", "syntax error"),
])
def test_run_time_errors_become_readable_expression_errors(expression, message):
    with pytest.raises(ExpressionError, match=re.escape(message)) as caught:
        evaluate(expression, {"d": {}, "level": 3}, {"f": lambda: 0})
    assert type(caught.value) in (ExpressionError, ExpressionSyntaxError)


def test_syntax_errors_are_also_syntax_errors():
    with pytest.raises(SyntaxError):
        validate_expression("> 3", [])
    validate_expression("v > 3", [])
    with pytest.raises(ExpressionError, match="attribute access"):
        validate_expression("v.x", [])


# --- scripts ---------------------------------------------------------------------------------------------------

def test_script_assignments_land_in_names():
    names = {"level": 2}
    execute("x = level * 2\ny = x + 1\ns = 'done'", names, {})
    assert names == {"level": 2, "x": 4, "y": 5, "s": "done"}


@pytest.mark.parametrize(("level", "expected"), [(3, 1), (2, 2), (1, 3)])
def test_script_if_elif_else_picks_one_branch(level, expected):
    names = {"level": level}
    execute("if level == 3:\n    x = 1\nelif level == 2:\n    x = 2\nelse:\n    pass\n    x = 3", names, {})
    assert names["x"] == expected


def test_script_effect_call_records_its_arguments():
    notify = Recorder()
    names = {"kind": "reminder"}
    execute("notify(kind, role='lead')\nnotify('second', 'inspector')", names, {"notify": notify})
    assert notify.calls == [(("reminder",), {"role": "lead"}), (("second", "inspector"), {})]
    assert names == {"kind": "reminder"}


@pytest.mark.parametrize(("script", "message"), [
    ("import os", "line 1: 'import' statements are not allowed"),
    ("x = 1\nfrom os import system", "line 2: 'import' statements are not allowed"),
    ("x = 1; os.system('true')", "line 1: attribute access is not allowed"),
    ("x = 0\nfor i in [1, 2]:\n    x = i", "line 2: 'for' loops are not allowed"),
    ("while True:\n    pass", "line 1: 'while' loops are not allowed"),
    ("def f():\n    pass", "line 1: 'def' statements are not allowed"),
    ("x = 1\nx += 1", "line 2: augmented assignments"),
    ("x: int = 1", "line 1: annotated assignments are not allowed"),
    ("del level", "line 1: 'del' statements are not allowed"),
    ("try:\n    pass\nexcept Exception:\n    pass", "line 1: 'try' statements are not allowed"),
    ("a, b = 1, 2", "line 1: only assignments to a single plain name"),
    ("a = b = 1", "line 1: only assignments to a single plain name"),
    ("d['k'] = 1", "line 1: only assignments to a single plain name"),
    ("notify = 1", "line 1: 'notify' is a function and cannot be assigned to"),
    ("_hidden = 1", "line 1: names starting with '_' are not allowed"),
    ("level", "line 1: only function calls may stand alone"),
    ("x = 1\nif x:\n    y = open('f')", "line 3: function 'open' is not allowed"),
    ("x = (", "line 1: syntax error"),
    ("x = 1\n" * 101, "line 101: the script has too many statements (at most 100)"),
    ("x = '" + "a" * 5000 + "'", "the script is too long"),
])
def test_script_refuses_everything_but_assignments_calls_and_if(script, message, spy_os):
    notify = Recorder()
    names = {"level": 1, "d": {}}
    with pytest.raises(ExpressionError, match="^" + re.escape(message)):
        execute(script, names, {"notify": notify})
    # nothing ran: the whole script is checked before the first statement executes
    assert names == {"level": 1, "d": {}}
    assert notify.calls == []
    assert spy_os == []


def test_script_run_time_error_names_its_line_and_keeps_earlier_assignments():
    names: dict = {}
    with pytest.raises(ExpressionError, match="^line 2: division by zero") as caught:
        execute("x = 1\ny = x / 0", names, {})
    assert caught.value.lineno == 2
    assert names == {"x": 1}


def test_script_cannot_build_huge_nested_values():
    with pytest.raises(ExpressionError, match="line 2: result too large"):
        execute("a = [1] * 99999\nb = [a, a]", {}, {})


# --- static checks ---------------------------------------------------------------------------------------------

def test_check_expression_reports_every_problem_without_running_anything():
    notify = Recorder()
    assert check_expression("notify('x') and level > 2", ["notify"]) == []
    problems = check_expression("notify(open('f')) + x.y + __z + (lambda: 1)", ["notify"])
    assert problems == [
        "function 'open' is not allowed",
        "attribute access is not allowed",
        "names starting with '_' are not allowed ('__z')",
        "lambda is not allowed",
    ]
    assert notify.calls == []


def test_check_expression_reports_syntax_errors_with_line():
    assert check_expression("PT24H", []) == []  # a name: only known at run time whether it is defined
    assert check_expression("(1 +\n)", []) == ["line 2: syntax error at column 1: invalid syntax"]


def test_check_script_reports_every_problem_with_line_numbers():
    script = "x = notify('a')\nimport os\nif x:\n    os.system('rm -rf /')\nnotify = 2\ny = unknown(1)"
    assert check_script(script, ["notify"]) == [
        "line 2: 'import' statements are not allowed",
        "line 4: attribute access is not allowed",
        "line 5: 'notify' is a function and cannot be assigned to",
        "line 6: function 'unknown' is not allowed",
    ]
    assert check_script("if level > 2:\n    notify('x')\nelse:\n    y = 1", ["notify"]) == []


# --- budgets: real sizes, steps and time ---------------------------------------------------------------------------

def test_a_list_of_huge_strings_is_refused_before_it_is_built():
    tracemalloc.start()
    try:
        with pytest.raises(LimitError, match="result too large"):
            execute("bomb = ['a' * 100000] * 2000", {}, {})
        with pytest.raises(LimitError, match="result too large"):
            evaluate("['a' * 50000, 'b' * 50000, 'c']", {}, {})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


@pytest.mark.parametrize("expression", [
    "'ab' * 50001",                      # a string counts its characters
    "['x' * 60000] + ['y' * 60000]",     # concatenation is measured before it runs
    "{'k': ['z' * 99990, [1] * 20]}",   # nested containers count everything inside
    "x + x",                              # values from the task data count too
])
def test_the_size_of_everything_built_is_counted(expression):
    with pytest.raises(LimitError, match="result too large"):
        evaluate(expression, {"x": "q" * 60000}, {})


def test_values_at_the_size_limit_are_accepted():
    assert len(evaluate("'a' * 100000", {}, {})) == 100000
    assert len(evaluate("[0] * 99999", {}, {})) == 99999


def test_many_large_values_in_one_script_go_over_the_total_budget():
    script = "\n".join(f"v{i} = 'a' * 90000" for i in range(12))
    with pytest.raises(LimitError, match="line 12: the evaluation built too much"):
        execute(script, {}, {})


def test_the_number_of_steps_is_limited(monkeypatch):
    monkeypatch.setattr(budget, "MAX_STEPS", 50)
    assert evaluate(" + ".join(["1"] * 20), {}, {}) == 20
    with pytest.raises(LimitError, match="too many steps"):
        execute("\n".join(["x = 1 + 1 + 1 + 1"] * 20), {}, {})


def test_work_a_reviewed_function_does_unbilled_is_not_counted_against_the_second_but_its_own_work_is(monkeypatch):
    elapsed = [0.0]
    monkeypatch.setattr(budget.time, "monotonic", lambda: elapsed[0])

    def prepare_once():  # e.g. a table the process computes the first time it is needed
        with budget.unbilled():
            elapsed[0] += 5.0
        return 1

    def slow():
        elapsed[0] += 5.0
        return 1

    assert evaluate("prepare_once() + 1", {}, {"prepare_once": prepare_once}) == 2
    with pytest.raises(LimitError, match=r"took too long \(more than 1 s\)"):
        evaluate("slow() + 1", {}, {"slow": slow})
    with budget.unbilled():  # outside an evaluation: nothing to credit, nothing breaks
        elapsed[0] += 1.0


def test_an_evaluation_that_takes_too_long_is_stopped(monkeypatch):
    ticks = iter(range(10_000))
    monkeypatch.setattr(budget.time, "monotonic", lambda: next(ticks) * 0.4)  # 0.4 s pass between two looks
    with pytest.raises(LimitError, match=r"took too long \(more than 1 s\)"):
        evaluate("slow() + slow() + slow() + slow()", {}, {"slow": lambda: 1})


@pytest.mark.parametrize("hidden", ["\u202e", "\u2066", "\u202a", "\x1b", "\x85"])
def test_code_that_hides_characters_from_its_reader_is_refused_with_the_line(hidden):
    """Direction controls in a string or a comment make the code display differently from what runs ("Trojan
    Source"); control characters hide parts of it. Tabs and line breaks are ordinary."""
    script = f'level = 2\nnote = "ok{hidden}"  # reviewed\n'
    code = f"{ord(hidden):04X}"
    assert check_script(script, []) == [f"line 2: syntax error: invalid non-printable character U+{code}"]
    assert check_expression(f"level == 3  # {hidden}", []) == [
        f"line 1: syntax error: invalid non-printable character U+{code}"]
    assert check_script("level = 2\t# tab\r\nnote = 'ok'\n", []) == []
