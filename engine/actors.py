"""Who is acting: the one value every engine service takes to decide what the caller may see and do."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user's name, roles and unit (None = not bound to one unit)."""

    username: str
    roles: frozenset[str]
    unit: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(name, frozenset())

    @classmethod
    def citizen(cls, tracking_code: str) -> Actor:
        """The reporter of one case, identified only by that case's tracking code."""
        return cls(f"citizen:{tracking_code}", frozenset({"citizen"}))
