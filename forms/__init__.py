"""Form definitions for user tasks: one JSON Schema (draft 2020-12) per task, `forms/<task id>.json`.

`load_form` reads a form by name; `validate_form_data` returns field-level errors keyed by field path
("fine_amount", "measures/0"), messages in Vietnamese with the English in parentheses. No web framework here.
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
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        for path, message in _describe(error):
            errors.setdefault(path, message)
    return errors


def _path(error: ValidationError, *extra: Any) -> str:
    return "/".join(str(part) for part in (*error.absolute_path, *extra))


def _describe(error: ValidationError) -> list[tuple[str, str]]:
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "required" and isinstance(instance, dict):
        return [(_path(error, name), "Bắt buộc nhập (required)") for name in value if name not in instance]
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {})
        return [(_path(error, name), "Trường không được phép (unknown field)") for name in instance
                if name not in known]
    return [(_path(error), _message(kind, value, error))]


def _message(kind: str, value: Any, error: ValidationError) -> str:
    match kind:
        case "type":
            return f"Sai kiểu dữ liệu (expected {value if isinstance(value, str) else ' or '.join(value)})"
        case "oneOf" | "anyOf" | "enum" | "const":
            return "Giá trị không hợp lệ (not one of the allowed values)"
        case "minLength":
            if value == 1:
                return "Bắt buộc nhập (required)"
            return f"Quá ngắn, tối thiểu {value} ký tự (too short: at least {value} characters)"
        case "maxLength":
            return f"Quá dài, tối đa {value} ký tự (too long: at most {value} characters)"
        case "minItems":
            return f"Chọn ít nhất {value} mục (choose at least {value})"
        case "maxItems":
            return f"Tối đa {value} mục (at most {value} items)"
        case "uniqueItems":
            return "Có mục bị trùng (duplicate items)"
        case "minimum":
            return f"Phải từ {value} trở lên (must be at least {value})"
        case "maximum":
            return f"Phải không quá {value} (must be at most {value})"
        case "exclusiveMinimum":
            return f"Phải lớn hơn {value} (must be greater than {value})"
        case "exclusiveMaximum":
            return f"Phải nhỏ hơn {value} (must be less than {value})"
        case "format":
            return f"Sai định dạng (not a valid {value})"
        case "pattern":
            return "Sai định dạng (not in the expected format)"
        case _:
            return error.message
