"""A problem found in a process bundle, named by file, element (or table rule) and line for the studio."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .messages import t


@dataclass(frozen=True)
class Problem:
    message: str
    file: str | None = None
    element_id: str | None = None
    element_name: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        named = self.file and str(self.message).startswith(f"{self.file}: ")  # a file-level message names it already
        where = " ".join(p for p in (None if named else self.file, f"line {self.line}" if self.line else None,
                                     self.element_id and f"[{self.element_id}]",
                                     self.element_name and f"“{self.element_name}”") if p)
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def unreadable(error: Exception, file: str) -> Problem:
    """A file that could not be parsed (`versions.parse_xml`'s ProcessError): what is wrong and where, both
    message codes (the parser's own English sentence is not shown)."""
    message = error.args[0] if error.args else str(error)
    details = getattr(error, "problems", None) or []
    return Problem(t("x_parse", error=message, detail=details[0]) if details else message, file)
