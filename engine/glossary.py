"""The one glossary (engine/glossary.json): categories and key terms — statuses, outcomes, levels, roles, unit
kinds, channels, processes — each with its Vietnamese and English name. Pages, mails, forms ("x-glossary") and
Open311 all name things from here, so a citizen and the staff see the same words."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

GLOSSARY_FILE = Path(__file__).resolve().with_name("glossary.json")
LANGUAGES = ("vi", "en")


@cache
def glossary() -> dict[str, dict[str, dict[str, str]]]:
    data = json.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))
    return {kind: entries for kind, entries in data.items() if not kind.startswith("_")}


def kinds() -> list[str]:
    return list(glossary())


def term(kind: str, code: Any, lang: str = "vi") -> str:
    """The name of `code` in `lang`; a code the glossary does not know is shown as it is (never an error)."""
    if code is None:
        return ""
    entry = glossary()[kind].get(str(code))
    if entry is None:
        return str(code)
    return entry.get(lang) or entry["vi"]


def terms(kind: str, lang: str = "vi") -> dict[str, str]:
    """Code → name in `lang`, in the glossary's order."""
    return {code: entry.get(lang) or entry["vi"] for code, entry in glossary()[kind].items()}


def codes(kind: str) -> list[str]:
    return list(glossary()[kind])


def split_name(text: str | None, language: str) -> str:
    """`language`'s side of "VI / EN"; also of each item of a "; " list and before a " (unit)" suffix."""
    if not text:
        return ""
    if " / " not in text:
        return text
    if "; " in text:
        return "; ".join(split_name(part, language) for part in text.split("; "))
    suffix = ""
    if text.endswith(")") and " (" in text and " / " not in text[text.rindex(" ("):]:
        text, suffix = text[:text.rindex(" (")], text[text.rindex(" ("):]
    vi, en = text.split(" / ", 1)
    return ((en if language == "en" else vi).strip() or text) + suffix
