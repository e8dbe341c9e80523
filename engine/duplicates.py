"""Duplicate hints: is a new report about the same place as an open case?

Only a *strong* match is linked (`Case.duplicate_of`): the same ward and category, and either the same facility
(its name without words such as "thẩm mỹ viện", "spa", "nhà thuốc") or the same house number on the same street.
Two different house numbers on one street are two places, whatever their names share: "Thẩm mỹ viện Ngọc Lan,
12 Lê Thánh Tôn" is not "Ngọc Trai, 45 Lê Thánh Tôn". Intake sees the link while screening and the reporter is
told of it; screening the case as anything but a duplicate removes it (`after_screening`)."""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import tracking_codes
from .models import Case, CaseStatus

OPEN_STATUSES = (CaseStatus.RECEIVED.value, CaseStatus.IN_HANDLING.value, CaseStatus.DISPUTED.value)
SAME_NAME = 0.92  # a typo in a long name ("Hoa Hồng" / "Hoa Hông") is the same facility; "Ngọc Lan" / "Ngọc Lam" not
SAME_STREET = 0.85
# Words that say what kind of place it is, not which one (accents folded).
KIND_WORDS = ("tham my vien", "tmv", "tham my", "spa", "salon", "beauty", "clinic", "phong kham", "da khoa",
              "nha khoa", "nha thuoc", "quay thuoc", "tiem thuoc", "co so", "benh vien", "cong ty", "tnhh", "tiem",
              "cua hang", "trung tam", "vien")
_KIND = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(KIND_WORDS, key=len, reverse=True)) + r")\b")
# A house number ("12", "12A", "12/3", "số 12") followed by the street's name.
_HOUSE = re.compile(r"(?:^|[\s,])(?:so\s+)?(\d+[a-z]?(?:/\d+[a-z]?)*)\s+(?:so\s+)?(?:duong\s+)?([a-z][a-z ]*)")


def fold(text: Any) -> str:
    """Lower case without accents (đ → d), punctuation other than , and / as spaces."""
    folded = unicodedata.normalize("NFKD", str(text or "").lower())
    plain = "".join(c for c in folded if not unicodedata.combining(c)).replace("đ", "d")
    return " ".join(re.sub(r"[^a-z0-9,/]+", " ", plain).split())


def facility_core(name: Any) -> str:
    """The facility's own name: "Thẩm mỹ viện Ngọc Lan" → "ngoc lan"."""
    return " ".join(_KIND.sub(" ", fold(name).replace(",", " ")).split())


def house_and_street(address: Any) -> tuple[str, str] | None:
    """("12", "le thanh ton") for "số 12 đường Lê Thánh Tôn, Phường Bến Thành"; None without a house number."""
    match = _HOUSE.search(fold(address))
    return (match.group(1), match.group(2).strip()) if match else None


def same_facility(a: Any, b: Any) -> bool:
    left, right = facility_core(a), facility_core(b)
    return bool(left and right) and (left == right or SequenceMatcher(None, left, right).ratio() >= SAME_NAME)


def same_place(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two reports (same ward and category assumed) about the same place: a strong match."""
    here, there = house_and_street(a.get("address")), house_and_street(b.get("address"))
    if here and there:
        same_street = here[1] == there[1] or SequenceMatcher(None, here[1], there[1]).ratio() >= SAME_STREET
        if same_street and here[0] != there[0]:
            return False  # another house on the same street is another place
        if same_street:
            return True
    return same_facility(a.get("facility_name"), b.get("facility_name"))


def strong_match(session: Session, case: Case) -> Case | None:
    """The latest older open case at the same ward, in the same category, about the same place."""
    candidates = session.scalars(select(Case).where(Case.ward == case.ward, Case.category == case.category,
                                                    Case.status.in_(OPEN_STATUSES), Case.id != case.id)
                                 .order_by(Case.received_at.desc()).limit(200))
    return next((other for other in candidates if same_place(other.report or {}, case.report or {})), None)


def after_screening(case: Case, data: dict[str, Any]) -> None:
    """Screening decides: a duplicate keeps (or gets) the case it duplicates; any other outcome says it is not
    one, so the hint goes from the staff pages and the reporter's track page."""
    if data.get("screening_outcome") == "duplicate":
        case.duplicate_of = tracking_codes.normalise_or_none(data.get("duplicate_of")) or case.duplicate_of
    else:
        case.duplicate_of = None
