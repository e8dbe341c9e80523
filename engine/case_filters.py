"""The case-summary filters that case lists and inboxes share (level, category, ward, part of the code).

Both queries select from, or join, the cases table; neither loads a workflow document."""
from __future__ import annotations

from sqlalchemy import Select

from . import tracking_codes
from .models import Case


def code_fragment(code: str) -> str:
    """What a person typed as (part of) a tracking code, as stored: upper case, no spaces; a whole code typed
    any way (`ryh6dujgcy`) as the code itself."""
    return tracking_codes.normalise_or_none(code) or code.strip().upper().replace(" ", "")


def matching(query: Select, *, level: int | None = None, category: str | None = None, ward: str | None = None,
             code: str | None = None) -> Select:
    if level:
        query = query.where(Case.level == level)
    if category:
        query = query.where(Case.category == category)
    if ward:
        query = query.where(Case.ward == ward)
    if code:
        query = query.where(Case.code.contains(code_fragment(code), autoescape=True))
    return query
