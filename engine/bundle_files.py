"""The files of a process bundle read from disk (`versions.read_bundle`, the `processes` commands), and the checks
a task form passes before it becomes part of a bundle (here and in the studio). Files may be named by anyone running
a command: each is read to at most its limit, as UTF-8 text, from a regular file only."""
from __future__ import annotations

import json
import math
import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import ProcessError
from .messages import Text, t

MAX_FORM_BYTES = 256 * 1024  # a task form (JSON Schema)
MAX_FORM_DEPTH = 32  # levels of objects and lists in a form's JSON


def read_file(path: Path, limit: int) -> str:
    """The UTF-8 text of the regular file at `path`, of at most `limit` bytes (no more than `limit` + 1 are read);
    else a ProcessError naming the file. A folder, a device or a pipe is refused without being read (nor waited
    on: a file swapped for a pipe meanwhile is opened without waiting for a writer, and refused)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise _refused(path, t("file_not_regular"))
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(descriptor, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise _refused(path, t("file_not_regular"))
            data = file.read(limit + 1)
    except OSError as exc:
        raise _refused(path, t("file_not_readable", reason=exc.strerror or str(exc))) from exc
    if len(data) > limit:
        raise _refused(path, t("file_larger_than", limit=limit // 1024))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProcessError(t("not_utf8", file=str(path))) from exc


def _refused(path: Path, problem: Text) -> ProcessError:
    return ProcessError(t("file_problem", file=str(path), problem=problem))


def read_form(path: Path) -> dict[str, Any]:
    """The task form (JSON Schema) in the file at `path`, checked as the studio checks a form (`form_problem`);
    else a ProcessError naming the file and what is wrong (for broken JSON: where). Each caller gets its own
    dict; the check is made once per text in a process (the schema check costs milliseconds per form, and every
    deployment of the shipped procedure reads all of them)."""
    text = read_file(path, MAX_FORM_BYTES)
    found = _text_problem(text)
    if found is not None:
        raise _refused(path, found)
    return json.loads(text)


@lru_cache(maxsize=256)
def _text_problem(text: str) -> Text | None:
    """Why a form file's text cannot be a task form (None: it can)."""
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        return t("json_broken_at", line=exc.lineno, column=exc.colno, detail=exc.msg)
    except RecursionError:
        return t("form_too_deep", limit=MAX_FORM_DEPTH)
    except ValueError:  # a number of more digits than Python converts
        return t("json_invalid")
    problem = form_problem(schema)
    if problem is not None:
        return problem[1]
    try:
        json.dumps(schema, ensure_ascii=False).encode("utf-8")  # an escaped lone surrogate ("\ud800") is no text
    except UnicodeError:
        return t("json_invalid")
    return None


def form_problem(schema: Any) -> tuple[Text, Text] | None:
    """Why `schema` cannot be a task form — not a JSON Schema of type object, nested deeper than MAX_FORM_DEPTH
    (the schema check would recurse without end), a number that is not finite (NaN and Infinity are not JSON),
    not valid JSON Schema — as (the message, its detail for the schema); None when it can be one."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, dict) or schema.get("type") != "object":
        return t("form_not_object"), t("form_not_object")
    problem = _form_shape_problem(schema, MAX_FORM_DEPTH)
    if problem is not None:
        return problem, problem
    reference = _reference_path(schema, "$")
    if reference is not None:  # the form pages and the checks of a submission resolve none: a 500 at each one
        return t("not_json_schema"), t("f_schema", path=reference, detail="a form cannot refer to other schemas")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return t("not_json_schema"), t("f_schema", path=exc.json_path, detail=exc.message)  # jsonschema's English
    return None


def _reference_path(value: Any, path: str) -> str | None:
    """Where the schema refers to another one ($ref and its kin), if it does (the depth is checked before)."""
    if isinstance(value, dict):
        found = next((key for key in ("$ref", "$dynamicRef", "$recursiveRef") if key in value), None)
        if found is not None:
            return f"{path}.{found}"
        items = value.items()
    else:
        items = enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        found = _reference_path(child, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}")
        if found is not None:
            return found
    return None


def _form_shape_problem(value: Any, depth: int) -> Text | None:
    """Why a form's JSON cannot be checked or stored as it is: too deep, or a number that is not finite."""
    if depth < 0:
        return t("form_too_deep", limit=MAX_FORM_DEPTH)
    if isinstance(value, float) and not math.isfinite(value):
        return t("form_not_finite")
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((found for child in children if (found := _form_shape_problem(child, depth - 1)) is not None), None)
