"""Errors the engine raises. Each is a type a caller can act on; webui maps them to HTTP codes once."""
from __future__ import annotations

from datetime import timedelta

from .messages import t


class EngineError(Exception):
    """Base class for every error the engine raises on purpose."""


class NotFound(EngineError):
    """The case, task or version does not exist (or is not visible to the actor)."""


class PermissionDenied(EngineError):
    """The actor may not do this (wrong role, wrong unit, task claimed by someone else)."""


class Conflict(EngineError):
    """The case changed since the caller looked at it (stale version, task already completed).

    `case_id` and `row_version` say where the fresh state is (the case as it is now), when known."""

    def __init__(self, message: str, *, case_id: int | None = None, row_version: int | None = None):
        super().__init__(message)
        self.case_id = case_id
        self.row_version = row_version


class ValidationError(EngineError):
    """Input data is invalid. `errors` maps a field path to a human-readable message."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = dict(errors or {})

    def form_errors(self) -> dict[str, str]:
        """Field path → message, for a form shown again; the message itself under "" (shown above the fields)
        when no field is named (a NUL character found only when saving, say)."""
        return dict(self.errors) or {"": self.args[0] if self.args else str(self)}  # a Text: shown translated


class ProcessError(EngineError):
    """A diagram is invalid or the workflow failed while running it. `problems` lists what was found."""

    def __init__(self, message: str, problems: list[str] | None = None,
                 details: list[dict] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])
        self.details = list(details or [])  # structured problems: file, element_id, element_name, line, message


class ProcedureFailed(ProcessError):
    """The deployed diagram failed while running a step (its code raised, its engine refused): a fault of the
    procedure, not of the input. Nothing of the step is saved."""


class TooManyAttempts(EngineError):
    """Refused for a while after repeated failures (sign-in lock-out); `retry_after` says how long."""

    def __init__(self, message: str, retry_after: timedelta):
        super().__init__(message)
        self.retry_after = retry_after


class LimitExceeded(ProcessError):
    """Diagram code went over a documented limit while running (evaluation size, steps or time, a timer value
    out of bounds, a case document too large). Nothing of the step is saved."""

    def __init__(self, message: str, problems: list[str] | None = None, case_id: int | None = None):
        super().__init__(message, problems)
        self.case_id = case_id


class CaseSuspended(Conflict):
    """An administrator suspended this case (or cancelled it): it accepts no work until resumed."""


class DraftDeployed(Conflict):
    """The studio draft was deployed and is read-only now; a change needs a new draft from its version."""

    def __init__(self, message: str, version_id: int, version_number: int):
        super().__init__(message)
        self.version_id = version_id
        self.version_number = version_number


class DuplicateSubmission(Conflict):
    """The same submission key was saved by a twin request at the same moment: its case is the answer."""


class CommitFailed(EngineError):
    """The database refused to save the work (unavailable, out of space, a constraint): nothing was saved."""


def stale_case_conflict(code: str = "case_changed_concurrently") -> Conflict:
    """The Conflict for a row-version clash seen while saving (SQLAlchemy's StaleDataError), written once."""
    return Conflict(t(code))
