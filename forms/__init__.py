"""Form definitions for user tasks: one JSON Schema (draft 2020-12) per task, `forms/<task id>.json`.

`load_form` reads a form by name; `validate_form_data` returns field-level errors keyed by field path
("fine_amount", "measures/0"), messages as codes (engine.messages) the web layer translates. No web framework here.
"""
from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from engine.messages import t

FORMS_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^[a-z0-9_]+(\.json)?$")
# RFC 3339 date-time; jsonschema checks "date-time" only when the optional rfc3339-validator is installed
MIN_YEAR, MAX_YEAR = 2000, 2099  # the years a date-time in a form may have (webui.params uses the same)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # a calendar date (RFC 3339 full-date), e.g. 2026-11-26
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class FormNotFound(LookupError):
    """No form with this name (or the name is not a plain form name)."""


FORMAT_CHECKER = FormatChecker()


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats apply to strings only
    if not _DATE_TIME.match(value):
        return False
    moment = datetime.fromisoformat(value.replace("z", "Z"))  # raises ValueError for e.g. month 13
    # years this system can hold: 0001-01-01+14:00 could not even be converted to UTC
    return MIN_YEAR <= moment.year <= MAX_YEAR


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    return MIN_YEAR <= date.fromisoformat(value).year <= MAX_YEAR  # raises ValueError for e.g. 2026-02-30


def load_form(name: str) -> dict[str, Any]:
    """The form schema `name` (with or without ".json"); FormNotFound for unknown or unsafe names."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise FormNotFound(f"not a form name: {name!r}")
    return copy.deepcopy(_load(name.removesuffix(".json")))


@lru_cache(maxsize=64)
def _load(stem: str) -> dict[str, Any]:
    path = FORMS_DIR / f"{stem}.json"
    if not path.is_file():
        raise FormNotFound(f"no form named {stem!r}")
    return json.loads(path.read_text(encoding="utf-8"))


_VALIDATORS: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    """One validator per schema object (forms of a version are cached objects, so this is built once each)."""
    cached = _VALIDATORS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    if len(_VALIDATORS) > 512:
        _VALIDATORS.clear()
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def validate_form_data(schema: dict[str, Any], data: Any) -> dict[str, str]:
    """Field path → message for every invalid field (the first problem per field); {} when the data are valid."""
    validator = _validator(schema)
    errors: dict[str, str] = dict.fromkeys(_with_nul(data), t("nul_character"))
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        for path, message in _describe(error):
            errors.setdefault(path, message)
    return errors


def _with_nul(data: Any, path: tuple[str, ...] = ()) -> list[str]:
    """The paths of the text values (or field names) holding a NUL character, which no database can store."""
    if isinstance(data, str):
        return ["/".join(path)] if "\x00" in data else []
    entries = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    found: list[str] = []
    for key, value in entries:
        where = (*path, str(key))
        found += ["/".join(where).replace("\x00", "")] if "\x00" in str(key) else _with_nul(value, where)
    return found


def _path(error: ValidationError, *extra: Any) -> str:
    return "/".join(str(part) for part in (*error.absolute_path, *extra))


def _describe(error: ValidationError) -> list[tuple[str, str]]:
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "required" and isinstance(instance, dict):
        return [(_path(error, name), t("required")) for name in value if name not in instance]
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {})
        return [(_path(error, name), t("unknown_field")) for name in instance if name not in known]
    return [(_path(error), _message(kind, value))]


_LIMITS = {"maxLength": "too_long", "minItems": "too_few_items", "maxItems": "too_many_items",
           "minimum": "at_least", "maximum": "at_most", "exclusiveMinimum": "greater_than",
           "exclusiveMaximum": "less_than"}


def _message(kind: str, value: Any) -> str:
    """The message code of a failed JSON Schema keyword (engine.messages), with its limit."""
    match kind:
        case "type":
            return t("wrong_type")
        case "oneOf" | "anyOf" | "enum" | "const":
            return t("not_allowed_value")
        case "minLength":
            return t("required") if value == 1 else t("too_short", limit=value)
        case "uniqueItems":
            return t("duplicate_items")
        case "format" | "pattern":
            return t("bad_format")
        case _ if kind in _LIMITS:
            return t(_LIMITS[kind], limit=value)
        case _:
            return t("invalid_value")
