"""Every refusal and run-time error of the restricted evaluator is a message code (engine.messages), nested codes
included, so that a page shows it in its own language; as a str it stays the English text (CLI, logs, JSON)."""
from __future__ import annotations

import pytest

from engine import versions
from engine.budget import ExpressionError, expression_error
from engine.expression_errors import syntax_detail
from engine.expressions import check_expression, check_script, evaluate, execute
from engine.functions import Effects, build_functions
from engine.messages import MESSAGES, Text, as_data, from_data, t
from engine.validation import validate_bundle

FUNCTIONS = {"len": len, "notify": lambda *args, **kwargs: None}

BAD_EXPRESSIONS = [
    "__import__('os')", "open('f')", "x.upper()", "lambda: 1", "[x for x in y]", "{x for x in y}",
    "{x: 1 for x in y}", "(x for x in y)", "(z := 1)", "f'{level}'", "[*level]", "{**level}", "len(**level)",
    "2 ** 3", "level << 2", "~level", "_secret", "b'bytes'", "...", "1 +", "(1", "1)", "'abc", "level ==",
    "1 2", "x = 1", "level = = 2", "010", "1a", "a € b", "(" * 200 + "1" + ")" * 200, "-" * 60 + "1",
    "len(1, 2" + ", 1" * 500 + ")", "x" * 2_100, "[1](2)", "(lambda: 1)()", 5,
]
BAD_SCRIPTS = [
    "import os", "from os import path", "def f():\n    pass", "class A:\n    pass", "with x:\n    pass",
    "try:\n    pass\nexcept Exception:\n    pass", "del level", "global x", "return 1", "raise x", "assert x",
    "for i in y:\n    pass", "while True:\n    pass", "x += 1", "x: int = 1", "a, b = 1, 2", "a = b = 1",
    "d['k'] = 1", "notify = 1", "_hidden = 1", "level", "if x\n    y = 1", "if x:\ny = 1", "  x = 1",
    "if x:\n        y = 1\n    z = 2", "x = 1\n" * 101, "x = '" + "a" * 5_000 + "'", "x = 'abc", "x = '''abc",
    "x = (1,\ny = 2", "x = 1 \\ 2", "match x:\n    case 1:\n        pass", "x = 1\nbreak",
]
RUN_TIME = [
    ("1 / 0", {}), ("1 // 0", {}), ("1.5 % 0", {}), ("'a' - 1", {}), ("'a' < 1", {}), ("'a' + 1", {}),
    ("-'a'", {}), ("{[1]: 2}", {}), ("[1] * 1.5", {}), ("[1][5]", {}), ("'ab'[9]", {}), ("d['nope']", {"d": {}}),
    ("level[0]", {"level": 1}), ("undefined_name", {}), ("'%d' % 1", {}), ("len(1)", {}), ("len()", {}),
    ("'ab' * 60_000", {}), ("10 ** 10 * 10 ** 10", {}), ("level * 10 ** 17 * 100", {"level": 1}),
    ("[[1] * 99_999, [1] * 99_999]", {}),
]


def codes_of(text: Text) -> list[str]:
    """The codes of a message and of the messages nested in its parameters; fails on a plain str anywhere a
    message code belongs."""
    assert isinstance(text, Text), f"{text!r} is a plain str, not a message code"
    assert text.code in MESSAGES
    found = [text.code]
    for name, value in text.params.items():
        if name in ("detail", "error"):
            found += codes_of(value) if isinstance(value, Text) else []
            assert isinstance(value, Text) or (text.code, name) in (("rt_failed", "detail"),), (text.code, value)
    return found


@pytest.mark.parametrize("expression", BAD_EXPRESSIONS, ids=repr)
def test_every_refused_expression_is_a_message_code(expression):
    problems = check_expression(expression, FUNCTIONS)
    assert problems, f"{expression!r} was accepted"
    for problem in problems:
        codes_of(problem)


@pytest.mark.parametrize("script", BAD_SCRIPTS, ids=repr)
def test_every_refused_script_is_a_message_code_with_its_line(script):
    problems = check_script(script, FUNCTIONS)
    assert problems, f"{script!r} was accepted"
    for problem in problems:
        codes = codes_of(problem)
        assert codes[0] in ("e_at_line", "e_syntax", "e_syntax_at") or codes == ["e_too_long_script"], codes


@pytest.mark.parametrize(("expression", "names"), RUN_TIME, ids=repr)
def test_every_run_time_error_is_a_message_code(expression, names):
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, names, FUNCTIONS)
    codes = codes_of(caught.value.message)
    assert "rt_failed" not in codes or expression in ("len(1)", "len()"), codes  # only a function's own words


@pytest.mark.parametrize(("expression", "code"), [
    ("hours_after('yesterday', 1)", "f_timestamp_format"), ("hours_after(1, 1)", "f_timestamp_type"),
    ("hours_after(now(), '24')", "f_number"), ("set_status('lost')", "f_choice"),
    ("any_flagged(1, 'x')", "f_collection"), ("missing([1] * 201, [])", "f_too_many"),
    ("invite_agency('Công an')", "f_unit_code"), ("any_flagged([], '')", "f_flag"),
    ("notify('', 'intake')", "f_notify_kind"),
    ("notify('x', 'coordinator')", "f_notify_agency"), ("require(True, '', 'x')", "f_require_field"),
    ("require(True, 'level', 'nope')", "f_require_code"), ("reassign_unit('')", "f_unit_code"),
])
def test_a_reviewed_function_refusing_its_arguments_says_why_as_a_message_code(expression, code):
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, {}, build_functions(Effects()))
    assert codes_of(caught.value.message) == [code]  # shown in the page's language, not as Python's words
    assert str(caught.value) == str(t(code, **caught.value.message.params))


def test_a_scripts_run_time_error_keeps_its_code_under_the_line():
    with pytest.raises(ExpressionError) as caught:
        execute("x = 1\ny = x / 0", {}, {})
    assert codes_of(caught.value.message) == ["e_at_line", "rt_division"]
    assert str(caught.value) == "line 2: division by zero"
    with pytest.raises(ExpressionError) as caught:
        execute("x = 1\ny = 'ab' * 60000", {}, {})
    assert codes_of(caught.value.message) == ["e_at_line", "b_too_large"]


@pytest.mark.parametrize(("text", "code"), [
    ("1 +", "sx_invalid"), ("f(a b)", "sx_comma"), ("(1", "sx_never_closed"), ("1)", "sx_unmatched"),
    ("(1]", "sx_mismatch"), ("'abc", "sx_string"), ("'''abc", "sx_triple"), ("if x\n  y = 1", "sx_colon"),
    ("x = 1\n  y = 2", "sx_indent"), ("if x:\ny = 1", "sx_block_after"),
    ("if x:\n    y = 1\n  z = 2", "sx_unindent"), ("a € b", "sx_character"), ("1a", "sx_decimal"),
    ("010", "sx_leading_zeros"), ("1 = x", "sx_assign"), ("x = 1 \\ 2", "sx_continuation"),
    ("a\x01", "sx_non_printable"),
])
def test_pythons_usual_syntax_errors_have_their_own_code(text, code):
    with pytest.raises(SyntaxError) as caught:
        compile(text, "<diagram>", "exec")
    detail = syntax_detail(caught.value)
    assert detail.code == code, (caught.value.msg, detail.code)
    assert caught.value.msg.startswith(str(detail))  # English pages read Python's words (without a hint at most)


def test_any_other_syntax_error_is_a_generic_code_that_keeps_pythons_words_for_english_pages():
    error = SyntaxError("invalid hexadecimal literal")
    detail = syntax_detail(error)
    assert (detail.code, str(detail)) == ("sx_other", "invalid hexadecimal literal")


def test_a_syntax_error_names_its_line_and_column():
    [problem] = check_script("x = 1\ny = (1 +", FUNCTIONS)
    assert (problem.code, problem.params["line"], problem.params["column"]) == ("e_syntax_at", 2, 5)
    assert str(problem) == "line 2: syntax error at column 5: '(' was never closed"


def test_a_message_stored_as_data_comes_back_with_its_nested_codes():
    message = t("incident_reason", error=t("over_limit"), detail=t("e_at_line", line=2, detail=t("b_steps",
                                                                                                    limit=10)))
    again = from_data(as_data(message))
    assert again == message and codes_of(again) == ["incident_reason", "over_limit", "e_at_line", "b_steps"]
    assert as_data("plain text") is None
    assert from_data({"code": "no_such_code", "params": {}}) is None
    assert from_data({"code": "b_steps", "params": {}}) is None  # a parameter the code needs is missing


def test_the_evaluators_error_is_found_behind_the_librarys_wrapping():
    try:
        try:
            evaluate("1 / 0", {}, {})
        except ExpressionError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert expression_error(outer).message.code == "rt_division"
    assert expression_error(RuntimeError("alone")) is None


def test_a_table_file_that_is_not_xml_is_named_by_codes_not_by_the_parsers_words():
    bundle = versions.read_bundle()
    bundle["dmn"]["deadlines.dmn"] = bundle["dmn"]["deadlines.dmn"][:300]
    [problem] = [p for p in validate_bundle(bundle) if p.file == "deadlines.dmn"]
    assert codes_of(problem.message) == ["x_parse", "xml_not_well_formed", "xml_broken_at"]
    assert str(problem.message).startswith("deadlines.dmn: not well-formed XML; Line ")
