"""The shipped procedure diagram, as the diagram tests read it: its file, its process id and the receipt time the
tests' clock is frozen at."""
from __future__ import annotations

from pathlib import Path

BPMN = Path(__file__).resolve().parents[2] / "processes" / "bpmn" / "rapid_response.bpmn"
PROCESS_ID = "rapid_response"
RECEIVED = "2026-11-25T08:00:00+00:00"
