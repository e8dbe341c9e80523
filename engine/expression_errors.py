"""Python's own error texts (CPython's parser and operators, in English) as message codes, for the restricted
evaluator (`engine.expressions`): a process owner reading Vietnamese is told what went wrong in Vietnamese.

The common texts become codes whose English is CPython's text (so English pages, the CLI and logs read as
before); any other text becomes a generic code whose English is the text itself (a technical detail that only
English pages show) and whose translation says what kind of problem it is."""
from __future__ import annotations

import re

from .messages import Text, t

# CPython's SyntaxError.msg (3.9–3.13) → (code, parameter names taken from the pattern's groups)
_SYNTAX: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [(re.compile(pattern), code, names) for
                                                                  pattern, code, names in [
    (r"^invalid syntax$", "sx_invalid", ()),
    (r"^invalid syntax\. Perhaps you forgot a comma\?$", "sx_comma", ()),
    (r"^invalid syntax\. Maybe you meant '==' or ':=' instead of '='\?$", "sx_equals", ()),
    (r"^'(.)' was never closed$", "sx_never_closed", ("bracket",)),
    (r"^unmatched '(.)'$", "sx_unmatched", ("bracket",)),
    (r"^closing parenthesis '(.)' does not match opening parenthesis '(.)'", "sx_mismatch", ("close", "open")),
    (r"^unterminated string literal \(detected at line (\d+)\)$", "sx_string", ("line",)),
    (r"^unterminated triple-quoted string literal \(detected at line (\d+)\)$", "sx_triple", ("line",)),
    (r"^EOL while scanning string literal$", "sx_string_end", ()),
    (r"^EOF while scanning triple-quoted string literal$", "sx_string_end", ()),
    (r"^unexpected EOF while parsing$", "sx_eof", ()),
    (r"^expected ':'$", "sx_colon", ()),
    (r"^unexpected indent$", "sx_indent", ()),
    (r"^expected an indented block after '(\w+)' statement on line (\d+)$", "sx_block_after", ("keyword", "line")),
    (r"^expected an indented block", "sx_block", ()),
    (r"^unindent does not match any outer indentation level$", "sx_unindent", ()),
    (r"^unexpected character after line continuation character$", "sx_continuation", ()),
    (r"^invalid character '(.)' \(U\+([0-9A-Fa-f]+)\)$", "sx_character", ("char", "code")),
    (r"^invalid non-printable character U\+([0-9A-Fa-f]+)$", "sx_non_printable", ("code",)),
    (r"^invalid decimal literal$", "sx_decimal", ()),
    (r"^leading zeros in decimal integer literals are not permitted", "sx_leading_zeros", ()),
    (r"^cannot assign to (.+?)(?: here)?(?:\. Maybe .*)?$", "sx_assign", ("what",)),
]]

# run-time errors of operators and built-in functions → (code, parameter names)
_RUNTIME: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [(re.compile(pattern), code, names) for
                                                                   pattern, code, names in [
    (r"^unsupported operand type\(s\) for (.+?): '(\w+)' and '(\w+)'$", "rt_operand", ("op", "left", "right")),
    (r"^'(.+?)' not supported between instances of '(\w+)' and '(\w+)'$", "rt_compare", ("op", "left", "right")),
    (r"^can only concatenate (\w+) \(not \"(\w+)\"\) to \w+$", "rt_concat", ("kind", "other")),
    (r"^bad operand type for unary (.): '(\w+)'$", "rt_unary", ("op", "kind")),
    (r"^unhashable type: '(\w+)'$", "rt_unhashable", ("kind",)),
    (r"^can't multiply sequence by non-int of type '(\w+)'$", "rt_multiply", ("kind",)),
    (r"^(\w+) index out of range$", "rt_index", ("kind",)),
]]


def _matched(text: str, table: list[tuple[re.Pattern[str], str, tuple[str, ...]]]) -> Text | None:
    for pattern, code, names in table:
        found = pattern.match(text)
        if found:
            return t(code, **dict(zip(names, found.groups(), strict=False)))
    return None


def syntax_detail(error: SyntaxError) -> Text:
    """What is wrong in a text that does not parse (without the line, which the caller gives)."""
    message = str(error.msg or "")
    return _matched(message, _SYNTAX) or t("sx_other", message=message)


def runtime_detail(error: Exception) -> Text:
    """Why an operator or a function failed on the data (1/0, 'a' - 1, [1][5], {[1]: 2}, …); a reviewed function's
    refusal (engine/functions.py) is already a message code."""
    if isinstance(error, ZeroDivisionError):
        return t("rt_division")
    if isinstance(error, KeyError) and error.args:
        return t("e_key_missing", key=repr(error.args[0]))
    if error.args and isinstance(error.args[0], Text):  # a reviewed function refusing its arguments
        return error.args[0]
    text = str(error) or type(error).__name__
    return _matched(text, _RUNTIME) or t("rt_failed", detail=text)
