"""Tracking codes: how they are made and how what a person typed becomes one.

A code is 10 characters from an alphabet without look-alikes, shown as two groups of five (`K7QXM-3TFRA`).
People copy codes from mails, read them aloud and type them on phones, so a typed code is accepted in any case,
with or without the dash, with spaces, dots or underscores, in full-width characters. The alphabet leaves out
*both* members of every look-alike pair (0/O, 1/I/L, 5/S, 2/Z, 8/B), so a character from a pair has no partner
in the alphabet to stand for: guessing one would only find a different report. Such a code is refused with a
reason the portal can name (`CodeProblem.LOOKALIKE`), never silently read as another."""
from __future__ import annotations

import re
import secrets
import unicodedata
from enum import StrEnum

from .errors import NotFound, ValidationError
from .messages import t

ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
LENGTH = 10
GROUP = 5
# Characters left out of the alphabet because they look like another one; a typed code holding one was misread.
LOOKALIKES = "01258BILOSZ"
_SEPARATORS = re.compile(r"[\s\-_.·‐‑‒–—/]+")


class CodeProblem(StrEnum):
    EMPTY = "empty"
    LOOKALIKE = "lookalike"  # holds a character codes never contain (0, O, 1, I, L, 5, S, 2, Z, 8, B)
    LENGTH = "length"  # not 10 characters
    CHARACTERS = "characters"  # something that is no letter or digit


class BadTrackingCode(NotFound):
    """What was typed cannot be any tracking code; `problem` says why (the portal says it in words)."""

    def __init__(self, problem: CodeProblem):
        super().__init__(t(f"code_{problem.value}"))
        self.problem = problem


def new_code() -> str:
    return display("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def display(raw: str) -> str:
    return f"{raw[:GROUP]}-{raw[GROUP:]}"


def normalise(typed: str | None) -> str:
    """The stored form (`RYH6D-UJGCY`) of a typed code: `ryh6d ujgcy`, `RYH6DUJGCY`, ` RYH6D-UJGCY `, full-width
    characters. Raises BadTrackingCode when no tracking code can look like this."""
    text = unicodedata.normalize("NFKC", str(typed or "")).upper()
    if "\x00" in text:  # bad input everywhere, as the database hook says for every other lookup
        raise ValidationError(t("nul_character"))
    raw = _SEPARATORS.sub("", text)
    if not raw:
        raise BadTrackingCode(CodeProblem.EMPTY)
    if not raw.isascii() or not raw.isalnum():
        raise BadTrackingCode(CodeProblem.CHARACTERS)
    if any(c in LOOKALIKES for c in raw):
        raise BadTrackingCode(CodeProblem.LOOKALIKE)
    if len(raw) != LENGTH:
        raise BadTrackingCode(CodeProblem.LENGTH)
    return display(raw)


def normalise_or_none(typed: str | None) -> str | None:
    try:
        return normalise(typed)
    except BadTrackingCode:
        return None
