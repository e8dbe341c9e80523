"""The result table (text and Markdown) and the JSON document of a run."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .stats import Measurement


@dataclass
class Report:
    machine: dict[str, Any]
    options: dict[str, Any]
    measurements: list[Measurement] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    duration_seconds: float = 0.0
    generated_at: str = ""

    def add(self, key: str, label: str, value: float, unit: str, target: float | None = None,
            note: str = "") -> None:
        self.measurements.append(Measurement(key, label, float(value), unit, target, note))

    def as_dict(self) -> dict[str, Any]:
        return {"generated_at": self.generated_at, "duration_seconds": self.duration_seconds,
                "machine": self.machine, "options": self.options,
                "measurements": {m.key: m.as_dict() for m in self.measurements},
                "lifecycle": self.lifecycle_summary(),
                "notes": self.notes, "details": self.details}

    def lifecycle_summary(self) -> dict[str, dict[str, float]]:
        """`lifecycle.<database>.persisted_ms / floor_ms / over_floor` (measurement 1 against its floor)."""
        summary: dict[str, dict[str, float]] = {}
        for m in self.measurements:
            section, backend, name = (m.key.split(".") + ["", ""])[:3]
            if section == "lifecycle" and name in ("persisted_ms", "floor_ms", "over_floor"):
                summary.setdefault(backend, {})[name] = m.value
        return summary

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False, default=str) + "\n",
                        encoding="utf-8")


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if math.isnan(value):
        return "n/a"
    if unit == "x":
        return f"{value:.1f}×"
    if unit == "count":
        return f"{value:.0f}"
    digits = 2 if abs(value) < 10 else 1 if abs(value) < 100 else 0
    return f"{value:.{digits}f} {unit}"


SECTIONS = {"lifecycle": 1, "inbox": 2, "timers": 3, "http": 4, "lateness": 5, "search": 7, "review": 8}
BACKENDS = {"memory": 0, "sqlite": 1, "postgresql": 2}


def ordered(report: Report) -> list[Measurement]:
    """By measurement number, then database; what-if lines stay under the line they belong to."""
    def position(m: Measurement) -> tuple[int, int]:
        section, backend = (m.key.split(".") + [""])[:2]
        return SECTIONS.get(section, 9), BACKENDS.get(backend, 9)
    return sorted(report.measurements, key=position)


def rows(report: Report) -> list[tuple[str, str, str, str]]:
    table = []
    for m in ordered(report):
        target = f"≤ {fmt(m.target, m.unit)}" if m.target is not None else ""
        verdict = m.verdict if m.ratio is None else f"{m.ratio:.2f} {m.verdict}"
        table.append((m.label, fmt(m.value, m.unit), target, verdict))
    return table


HEADER = ("measurement", "value", "target", "ratio / verdict")


def text_table(report: Report) -> str:
    table = [HEADER, *rows(report)]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines = []
    for index, row in enumerate(table):
        lines.append(" | ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                                for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(report: Report) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|---|---:|---:|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows(report)]
    return "\n".join(lines)


def machine_lines(machine: dict[str, Any]) -> list[str]:
    return [f"{key}: {value}" for key, value in machine.items()]
