"""The text a staff case search looks in, folded so that a search ignores accents and case.

"Thẩm mỹ viện Ngọc Lan, 12 Đường Lê Lợi" is kept as "tham my vien ngoc lan 12 duong le loi": lower case,
without diacritics, "đ" as "d", words of letters and digits only. The tracking code is kept with and without
its hyphen ("abcde fghjk abcdefghjk") so a code read aloud in one piece or in two halves both find it. A
search is split the same way and every one of its words must occur (anywhere, also inside a word).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

# The report fields a search looks in (besides the tracking code).
SEARCHED_FIELDS = ("facility_name", "address", "description")
MAX_WORDS = 8  # a longer search is refused: every word is one more pass over the text
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case, no diacritics, "đ" as "d"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    """The words of `text` as a search compares them (duplicates dropped, order kept)."""
    return list(dict.fromkeys(_WORD.findall(fold(text or ""))))


def body(code: str | None, report: Mapping[str, Any] | None) -> str:
    """The searchable text of a case: its tracking code and the report's facility, address and description."""
    parts = [code or "", (code or "").replace("-", "")]
    report = report or {}
    parts.extend(str(report.get(name) or "") for name in SEARCHED_FIELDS)
    return " ".join(_WORD.findall(fold(" ".join(parts))))
